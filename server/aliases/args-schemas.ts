/**
 * Args schemas: checking a published schema (JSON Schema draft-07, 2019-09 or
 * 2020-12 by its `$schema`; draft-07 without one), and compiling it into a
 * validator once per schema hash. Compiled validators live in a bounded LRU
 * cache shared by every request, so a busy alias costs one compilation per
 * process, not one per registration.
 */
import { createHash } from 'node:crypto';
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { LRUCache } from 'lru-cache';
import { stringify } from 'safe-stable-stringify';
import { ServiceError } from '../errors.js';
import { jsonDepth } from '../../shared/json-depth.js';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Largest args schema accepted, serialized. */
export const MAX_ARGS_SCHEMA_BYTES = 64 * 1024;
/** Deepest JSON nesting of a schema accepted (as for args). */
export const MAX_ARGS_SCHEMA_DEPTH = 32;
/** Errors listed in an ARGS_INVALID answer at most. */
export const MAX_REPORTED_ERRORS = 20;

type Draft = 'draft-07' | '2019-09' | '2020-12';

const AJV_OPTIONS: Options = {
  // Args are stored as sent: never coerce, fill defaults or strip fields.
  coerceTypes: false,
  useDefaults: false,
  removeAdditional: false,
  allErrors: true,
  // Unknown keywords (x-*, a library's annotations) are annotations, not errors.
  strict: false,
  // Patterns are compiled with the `u` flag, as JSON Schema says.
  unicodeRegExp: true,
};

function makeAjv(draft: Draft): Ajv {
  const ajv = draft === '2020-12' ? new Ajv2020(AJV_OPTIONS) : draft === '2019-09' ? new Ajv2019(AJV_OPTIONS) : new Ajv(AJV_OPTIONS);
  addFormats(ajv as Ajv);
  return ajv as Ajv;
}

function draftOf(schema: unknown): Draft | undefined {
  const declared = typeof schema === 'object' && schema !== null ? (schema as { $schema?: unknown }).$schema : undefined;
  if (declared === undefined) return 'draft-07';
  if (typeof declared !== 'string') return undefined;
  if (/json-schema\.org\/draft-07\/schema/.test(declared)) return 'draft-07';
  if (/json-schema\.org\/draft\/2019-09\/schema/.test(declared)) return '2019-09';
  if (/json-schema\.org\/draft\/2020-12\/schema/.test(declared)) return '2020-12';
  return undefined;
}

/** A schema ready to store: its canonical text (key order fixed) and the hash of that text. */
export interface PreparedSchema {
  text: string;
  hash: string;
}

export interface ArgsSchemaCompilerOptions {
  /** Compiled validators kept. @default 500 */
  maxCached?: number;
}

export class ArgsSchemaCompiler {
  /** One instance per draft for schemas without `$id` (so ids of two apps never clash). */
  private readonly shared = new Map<Draft, Ajv>();
  private readonly cache: LRUCache<string, { validate: ValidateFunction; release: () => void }>;

  constructor(options: ArgsSchemaCompilerOptions = {}) {
    this.cache = new LRUCache({
      max: options.maxCached ?? 500,
      // Ajv keeps every schema it compiled: forget it with the validator.
      dispose: (entry) => entry.release(),
    });
  }

  /** Checks a schema a worker publishes; throws 400 ALIAS_SCHEMA_INVALID naming the problem. */
  prepare(schema: unknown): PreparedSchema {
    if (typeof schema !== 'boolean' && (typeof schema !== 'object' || schema === null || Array.isArray(schema))) {
      throw schemaInvalid('must be a JSON Schema: an object or a boolean');
    }
    if (jsonDepth(schema, MAX_ARGS_SCHEMA_DEPTH) > MAX_ARGS_SCHEMA_DEPTH) throw schemaInvalid(`is nested deeper than ${MAX_ARGS_SCHEMA_DEPTH} levels`);
    const text = stringify(schema) ?? 'true';
    const bytes = Buffer.byteLength(text);
    if (bytes > MAX_ARGS_SCHEMA_BYTES) {
      throw new ServiceError('PAYLOAD_TOO_LARGE', `the args schema is ${bytes} bytes serialized, more than the ${MAX_ARGS_SCHEMA_BYTES}-byte limit`, [
        { field: 'body.argsSchema', message: `at most ${MAX_ARGS_SCHEMA_BYTES} bytes`, bytes },
      ]);
    }
    const prepared = { text, hash: ArgsSchemaCompiler.hashOf(text) };
    // Compiling proves it: the meta-schema, then references that must resolve and patterns that must parse.
    this.validatorFor(prepared);
    return prepared;
  }

  /** The compiled validator of a schema hash, when this process has it. */
  cached(hash: string): ValidateFunction | undefined {
    return this.cache.get(hash)?.validate;
  }

  /** The hash of a schema's canonical text. */
  static hashOf(text: string): string {
    return createHash('sha256').update(text).digest('hex');
  }

  /** The validator of a stored schema, compiled on first use and cached by hash. */
  validatorFor({ text, hash }: PreparedSchema): ValidateFunction {
    const cached = this.cache.get(hash);
    if (cached) return cached.validate;
    const schema = JSON.parse(text) as object | boolean;
    const draft = draftOf(schema);
    if (!draft) throw schemaInvalid('declares a $schema other than JSON Schema draft-07, 2019-09 or 2020-12', '$schema');
    // A schema with its own ids gets an Ajv of its own: ids are global within one instance.
    const ownInstance = text.includes('"$id"');
    const ajv = ownInstance ? makeAjv(draft) : this.sharedAjv(draft);
    if (!ajv.validateSchema(schema)) throw schemaInvalid(ajv.errorsText(ajv.errors, { dataVar: 'argsSchema' }), undefined, ajv.errors);
    let validate: ValidateFunction;
    try {
      validate = ajv.compile(schema);
    } catch (err) {
      throw schemaInvalid(`cannot be compiled: ${(err as Error).message}`);
    }
    const release = ownInstance || typeof schema === 'boolean' ? () => undefined : () => void ajv.removeSchema(schema);
    this.cache.set(hash, { validate, release });
    return validate;
  }

  get size(): number {
    return this.cache.size;
  }

  private sharedAjv(draft: Draft): Ajv {
    let ajv = this.shared.get(draft);
    if (!ajv) {
      ajv = makeAjv(draft);
      this.shared.set(draft, ajv);
    }
    return ajv;
  }
}

function schemaInvalid(problem: string, pointer?: string, errors?: ErrorObject[] | null): ServiceError {
  const details = errors?.length
    ? errors.slice(0, MAX_REPORTED_ERRORS).map((e) => ({ field: `body.argsSchema${e.instancePath.replace(/\//g, '.')}`, message: e.message ?? 'is invalid' }))
    : [{ field: pointer === undefined ? 'body.argsSchema' : `body.argsSchema.${pointer}`, message: problem }];
  return new ServiceError('ALIAS_SCHEMA_INVALID', `the args schema ${problem}`, details);
}

/** ARGS_INVALID details: ajv's own errors, each with the field it is about. */
export function argsErrorDetails(errors: readonly ErrorObject[]): Array<Record<string, unknown>> {
  return errors.slice(0, MAX_REPORTED_ERRORS).map((e) => {
    const path = e.instancePath.split('/').filter(Boolean).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
    const missing = (e.params as { missingProperty?: string }).missingProperty;
    if (missing !== undefined) path.push(missing);
    return {
      field: ['body.args', ...path].join('.'),
      message: e.message ?? 'is invalid',
      keyword: e.keyword,
      instancePath: e.instancePath,
      schemaPath: e.schemaPath,
      params: e.params,
    };
  });
}
