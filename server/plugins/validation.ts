/**
 * Strict validation: JSON bodies are never coerced ("3" is not a number, true is
 * not 1) and unknown fields are rejected, not stripped. Path and query values
 * arrive as strings, so only they are coerced. Bodies are JSON only.
 */
import { Ajv, type Options, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, FastifyRequest, preValidationAsyncHookHandler } from 'fastify';
import { ServiceError } from '../errors.js';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function makeAjv(coerceTypes: Options['coerceTypes']): Ajv {
  const ajv = new Ajv({ coerceTypes, removeAdditional: false, useDefaults: false, allErrors: false, strict: false });
  addFormats(ajv);
  return ajv;
}

/**
 * A validator with exactly the options route bodies get, for a part of a body validated on its
 * own (each item of a batch): the same schema then gives the same errors as its own route.
 * Compile it once, when the route is registered.
 */
export function compileBodyValidator<T>(schema: object): ValidateFunction<T> {
  return makeAjv(false).compile<T>(schema);
}

/**
 * JSON as `JSON.parse` reads it (a leading BOM dropped): `__proto__` / `constructor` keys become
 * plain own properties, which the schemas reject outside `args`. An empty body is no body, so a
 * DELETE sent with `Content-Type: application/json` and nothing else is not an error.
 */
function parseJson(_request: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void): void {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.trim() === '') {
    done(null, undefined);
    return;
  }
  try {
    done(null, JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text));
  } catch (err) {
    done(new ServiceError('MALFORMED_JSON', `the body is not valid JSON: ${(err as Error).message}`));
  }
}

/** A route with a body schema wants JSON: no Content-Type at all is 415, like a wrong one. */
const requireContentType: preValidationAsyncHookHandler = async (request) => {
  if (request.headers['content-type'] === undefined) {
    throw new ServiceError('UNSUPPORTED_MEDIA_TYPE', 'a body needs Content-Type: application/json');
  }
};

/** A route whose body may be left out altogether (route config `optionalBody: true`): none is an empty object. */
const defaultEmptyBody: preValidationAsyncHookHandler = async (request) => {
  // A body sent without Content-Type never gets here (Fastify answers 415); an empty one parses to undefined.
  if (request.body === undefined) request.body = {};
};

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The body schema's fields are all optional and the client may send no body at all (nor a Content-Type). */
    optionalBody?: boolean;
  }
}

function asArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

export function installStrictValidation(app: FastifyInstance): void {
  const bodies = makeAjv(false);
  const strings = makeAjv('array');
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodies : strings).compile(schema));

  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJson);
  app.addHook('onRoute', (route) => {
    if (route.schema?.body !== undefined) {
      const first = route.config?.optionalBody ? defaultEmptyBody : requireContentType;
      route.preValidation = [first, ...asArray(route.preValidation)];
    }
  });
}
