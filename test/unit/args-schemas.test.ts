/** Args schemas: checked against the meta-schema, compiled once per hash, the cache bounded. */
import { describe, expect, it } from 'vitest';
import { ArgsSchemaCompiler, argsErrorDetails } from '../../server/aliases/args-schemas.js';
import { ServiceError } from '../../server/errors.js';

const schema = (n: number) => ({ type: 'object', properties: { n: { const: n } }, required: ['n'] });

describe('ArgsSchemaCompiler', () => {
  it('compiles a schema once per hash and serves the same validator after', () => {
    const compiler = new ArgsSchemaCompiler();
    const prepared = compiler.prepare(schema(1));
    const first = compiler.validatorFor(prepared);
    expect(compiler.validatorFor({ ...prepared })).toBe(first);
    expect(compiler.cached(prepared.hash)).toBe(first);
    expect(first({ n: 1 })).toBe(true);
    expect(first({ n: 2 })).toBe(false);
  });

  it('gives the same hash whatever the key order', () => {
    const compiler = new ArgsSchemaCompiler();
    expect(compiler.prepare({ type: 'string', maxLength: 3 }).hash).toBe(compiler.prepare({ maxLength: 3, type: 'string' }).hash);
  });

  it('keeps at most maxCached validators, dropping the least recently used', () => {
    const compiler = new ArgsSchemaCompiler({ maxCached: 3 });
    const hashes = [1, 2, 3, 4, 5].map((n) => compiler.prepare(schema(n)).hash);
    expect(compiler.size).toBe(3);
    expect(compiler.cached(hashes[0]!)).toBeUndefined();
    expect(compiler.cached(hashes[4]!)).toBeDefined();
  });

  it('lets schemas of two apps use the same $id', () => {
    const compiler = new ArgsSchemaCompiler();
    const a = compiler.validatorFor(compiler.prepare({ $id: 'https://example.com/args', type: 'string' }));
    const b = compiler.validatorFor(compiler.prepare({ $id: 'https://example.com/args', type: 'number' }));
    expect([a('x'), b('x'), b(1)]).toEqual([true, false, true]);
  });

  it('refuses what is not a JSON Schema with ALIAS_SCHEMA_INVALID naming the field', () => {
    const compiler = new ArgsSchemaCompiler();
    const error = (() => {
      try {
        compiler.prepare({ type: 'object', properties: { a: { type: 'nope' } } });
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({ code: 'ALIAS_SCHEMA_INVALID' });
    expect(JSON.stringify((error as ServiceError).details)).toContain('body.argsSchema.properties.a.type');
  });
});

describe('argsErrorDetails', () => {
  it('names the field of each ajv error under body.args', () => {
    const compiler = new ArgsSchemaCompiler();
    const validate = compiler.validatorFor(
      compiler.prepare({ type: 'object', properties: { a: { type: 'object', required: ['b'] } }, required: ['a'] }),
    );
    expect(validate({ a: {} })).toBe(false);
    expect(argsErrorDetails(validate.errors ?? [])).toEqual([
      expect.objectContaining({ field: 'body.args.a.b', keyword: 'required', instancePath: '/a' }),
    ]);
  });
});
