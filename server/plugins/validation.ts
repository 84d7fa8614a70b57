/**
 * Strict validation: JSON bodies are never coerced ("3" is not a number, true is
 * not 1) and unknown fields are rejected, not stripped. Path and query values
 * arrive as strings, so only they are coerced.
 */
import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function makeAjv(coerceTypes: Options['coerceTypes']): Ajv {
  const ajv = new Ajv({ coerceTypes, removeAdditional: false, useDefaults: false, allErrors: false, strict: false });
  addFormats(ajv);
  return ajv;
}

export function installStrictValidation(app: FastifyInstance): void {
  const bodies = makeAjv(false);
  const strings = makeAjv('array');
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodies : strings).compile(schema));
}
