/**
 * The one place errors become HTTP: every answer that is not a success has the
 * envelope `{"error": {"code", "message", "details"}}`. Client errors go through
 * with their code; anything unexpected is logged and hidden behind a 500.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ERROR_STATUS, ServiceError, type ErrorCode, type ValidationDetail } from '../errors.js';

interface Envelope {
  error: { code: string; message: string; details?: unknown[] };
}

/** Fastify's own client errors, by its code. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_BAD_URL: 'VALIDATION_FAILED',
  FST_ERR_ASYNC_CONSTRAINT: 'VALIDATION_FAILED',
};

const PART_NAMES: Record<string, string> = { body: 'body', params: 'path', querystring: 'query', headers: 'header' };

/** `body.retry.maxAttempts`-style name of the field an Ajv error is about. */
function fieldOf(context: string | undefined, error: NonNullable<FastifyError['validation']>[number]): string {
  const path = error.instancePath.split('/').filter(Boolean).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  const leaf = params.missingProperty ?? params.additionalProperty;
  if (leaf !== undefined) path.push(leaf);
  return [PART_NAMES[context ?? 'body'] ?? context ?? 'body', ...path].join('.');
}

function validationEnvelope(error: FastifyError): Envelope {
  const details: ValidationDetail[] = (error.validation ?? []).map((item) => {
    const field = fieldOf(error.validationContext, item);
    const params = item.params as { additionalProperty?: string };
    const message = params.additionalProperty !== undefined ? 'is not a known field' : (item.message ?? 'is invalid');
    return { field, message };
  });
  const first = details[0];
  return {
    error: {
      code: 'VALIDATION_FAILED',
      message: first ? `${first.field} ${first.message}` : error.message,
      details,
    },
  };
}

function send(reply: FastifyReply, status: number, envelope: Envelope, retryAfterSeconds?: number): FastifyReply {
  if (retryAfterSeconds !== undefined && !reply.hasHeader('retry-after')) reply.header('retry-after', String(retryAfterSeconds));
  return reply.code(status).type('application/json; charset=utf-8').send(envelope);
}

export function errorEnvelopeFor(code: ErrorCode, message: string, details?: unknown[]): Envelope {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

async function errorsPlugin(app: FastifyInstance): Promise<void> {
  app.setErrorHandler((error: FastifyError | ServiceError | Error, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof ServiceError) {
      if (error.code === 'UNAUTHORIZED') reply.header('www-authenticate', 'Bearer realm="delay-callback"');
      if (error.statusCode >= 500) request.log.warn({ err: error.cause ?? error, code: error.code }, error.message);
      return send(reply, error.statusCode, errorEnvelopeFor(error.code, error.message, error.details), error.retryAfterSeconds);
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.validation) return send(reply, 400, validationEnvelope(fastifyError));
    const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
    if (mapped) return send(reply, ERROR_STATUS[mapped], errorEnvelopeFor(mapped, fastifyError.message));
    if (fastifyError.statusCode !== undefined && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
      // A client error raised by Fastify or a plugin that has no code of ours: keep its status.
      const code: ErrorCode = fastifyError.statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : 'VALIDATION_FAILED';
      return send(reply, fastifyError.statusCode, errorEnvelopeFor(code, fastifyError.message));
    }
    request.log.error({ err: error }, 'unexpected error');
    return send(reply, 500, errorEnvelopeFor('INTERNAL_ERROR', 'internal error; it has been logged'));
  });

  app.setNotFoundHandler((request, reply) =>
    send(reply, 404, errorEnvelopeFor('ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );
}

export default fp(errorsPlugin, { name: 'errors' });

/**
 * Answers 405 with the envelope and an `Allow` header for the methods a path does not
 * support (Fastify itself would answer 404).
 */
export function methodNotAllowed(app: FastifyInstance, url: string, allowed: readonly string[]): void {
  const all = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
  const others = all.filter((method) => !allowed.includes(method));
  app.route({
    method: others,
    url,
    schema: { hide: true },
    config: { rateLimit: false },
    handler: async (request, reply) => {
      reply.header('allow', [...allowed, ...(allowed.includes('GET') ? ['HEAD'] : [])].join(', '));
      return send(reply, 405, errorEnvelopeFor('METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${url}; use ${allowed.join(', ')}`));
    },
  });
}
