/**
 * The one place errors become HTTP: every answer that is not a success has the
 * envelope `{"error": {"code", "message", "details"}}`. Client errors go through
 * with their code; anything unexpected is logged and hidden behind a 500.
 */
import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ERROR_STATUS, ServiceError, type ErrorCode, type ValidationDetail } from '../errors.js';
import { temporalErrorToServiceError } from '../temporal/errors.js';

export interface Envelope {
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

type AjvError = NonNullable<FastifyError['validation']>[number];

/** The 400 VALIDATION_FAILED envelope for Ajv's errors about one part of a request (`body`, `params`, ...). */
export function validationEnvelopeOf(context: string | undefined, errors: readonly AjvError[], fallbackMessage = 'the request is invalid'): Envelope {
  const details: ValidationDetail[] = errors.map((item) => {
    const field = fieldOf(context, item);
    const params = item.params as { additionalProperty?: string };
    const message = params.additionalProperty !== undefined ? 'is not a known field' : (item.message ?? 'is invalid');
    return { field, message };
  });
  const first = details[0];
  return {
    error: {
      code: 'VALIDATION_FAILED',
      message: first ? `${first.field} ${first.message}` : fallbackMessage,
      details,
    },
  };
}

function validationEnvelope(error: FastifyError): Envelope {
  return validationEnvelopeOf(error.validationContext, error.validation ?? [], error.message);
}

/** What one error answers: its status, envelope and Retry-After (seconds), as the error handler would send it. */
export interface ErrorAnswer {
  status: number;
  envelope: Envelope;
  retryAfterSeconds?: number;
}

/**
 * The answer for an error raised while serving one part of a request (an item of a batch): the
 * same status and envelope a request of its own would get. Anything unexpected is logged and
 * hidden behind a 500, as for a whole request.
 */
export function errorAnswerOf(error: unknown, log: FastifyBaseLogger): ErrorAnswer {
  if (error instanceof ServiceError) {
    if (error.statusCode >= 500) log.warn({ err: error.cause ?? error, code: error.code }, error.message);
    const answer: ErrorAnswer = { status: error.statusCode, envelope: errorEnvelopeFor(error.code, error.message, error.details) };
    if (error.retryAfterSeconds !== undefined) answer.retryAfterSeconds = error.retryAfterSeconds;
    return answer;
  }
  log.error({ err: error }, 'unexpected error');
  return { status: 500, envelope: errorEnvelopeFor('INTERNAL_ERROR', 'internal error; it has been logged') };
}

function send(reply: FastifyReply, status: number, envelope: Envelope, retryAfterSeconds?: number): FastifyReply {
  if (retryAfterSeconds !== undefined && !reply.hasHeader('retry-after')) reply.header('retry-after', String(retryAfterSeconds));
  return reply.code(status).type('application/json; charset=utf-8').send(envelope);
}

export function errorEnvelopeFor(code: ErrorCode, message: string, details?: unknown[]): Envelope {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

async function errorsPlugin(app: FastifyInstance): Promise<void> {
  app.setErrorHandler((thrown: FastifyError | ServiceError | Error, request: FastifyRequest, reply: FastifyReply) => {
    // A Temporal error the code above did not interpret gets its API meaning here, in one place.
    const error = temporalErrorToServiceError(thrown) ?? thrown;
    if (error instanceof ServiceError) {
      if (error.code === 'UNAUTHORIZED') reply.header('www-authenticate', 'Bearer realm="delay-callback"');
      const answer = errorAnswerOf(error, request.log);
      return send(reply, answer.status, answer.envelope, answer.retryAfterSeconds);
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.validation) return send(reply, 400, validationEnvelope(fastifyError));
    const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
    if (mapped === 'UNSUPPORTED_MEDIA_TYPE') {
      const sent = request.headers['content-type'];
      const message = sent === undefined ? 'a body needs Content-Type: application/json' : 'only application/json bodies are accepted';
      return send(reply, 415, errorEnvelopeFor(mapped, message, sent === undefined ? undefined : [{ contentType: sent.slice(0, 100) }]));
    }
    if (mapped) return send(reply, ERROR_STATUS[mapped], errorEnvelopeFor(mapped, fastifyError.message));
    if (fastifyError.statusCode !== undefined && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
      // A client error raised by Fastify or a plugin that has no code of ours: keep its status.
      const code: ErrorCode = fastifyError.statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : 'VALIDATION_FAILED';
      return send(reply, fastifyError.statusCode, errorEnvelopeFor(code, fastifyError.message));
    }
    const answer = errorAnswerOf(error, request.log);
    return send(reply, answer.status, answer.envelope);
  });

  app.setNotFoundHandler((request, reply) =>
    // The path is echoed (shortened: it may be kilobytes long) so a typo is easy to see.
    send(reply, 404, errorEnvelopeFor('ROUTE_NOT_FOUND', `no route ${request.method} ${(request.url.split('?')[0] ?? '').slice(0, 200)}`)),
  );
}

export default fp(errorsPlugin, { name: 'errors' });

/**
 * Fastify's `frameworkErrors` option: errors raised before routing (a path that is not valid
 * percent-encoding, a bad constraint) get the envelope too instead of Fastify's own body.
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  // Fastify's own messages quote the whole path: keep the answer short.
  const message = FRAMEWORK_MESSAGES[error.code] ?? 'the path cannot be routed';
  void send(reply, 400, errorEnvelopeFor('VALIDATION_FAILED', message, [{ field: 'path', message }]));
}

const FRAMEWORK_MESSAGES: Record<string, string> = {
  FST_ERR_BAD_URL: 'the path is not valid percent-encoded UTF-8',
  FST_ERR_MAX_PARAM_LENGTH: 'a path segment is too long',
};

const CLIENT_ERRORS: Record<string, { status: number; reason: string; code: ErrorCode; message: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, reason: 'Request Header Fields Too Large', code: 'HEADERS_TOO_LARGE', message: 'the request headers are too large' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, reason: 'Request Timeout', code: 'REQUEST_TIMEOUT', message: 'the request was not received in time' },
};
const MALFORMED = { status: 400, reason: 'Bad Request', code: 'MALFORMED_REQUEST' as ErrorCode, message: 'the request is not valid HTTP/1.1' };

/**
 * Fastify's `clientErrorHandler` option: what Node's HTTP parser refuses before the app sees it
 * (bad request line, bad header, oversized headers) is answered with the envelope as well, and the
 * connection closed. The raw packet is never logged: it may hold a bearer token.
 */
export function clientErrorHandler(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const answer = (error.code ? CLIENT_ERRORS[error.code] : undefined) ?? MALFORMED;
  this.log.debug({ code: error.code, status: answer.status }, 'refused malformed HTTP request');
  const body = JSON.stringify(errorEnvelopeFor(answer.code, answer.message));
  // As Node does: no answer once a response to this request has begun (it would corrupt it).
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  socket.end(
    `HTTP/1.1 ${answer.status} ${answer.reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  // A client still sending gets a FIN, not a reset that could eat the answer; a silent one is dropped.
  socket.setTimeout(2_000, () => socket.destroy());
}

/**
 * Answers 405 with the envelope and an `Allow` header for the methods a path does not
 * support (Fastify itself would answer 404).
 */
export function methodNotAllowed(app: FastifyInstance, url: string, allowed: readonly string[]): void {
  // HEAD comes with GET (Fastify answers it); without GET it is not allowed either.
  const all = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
  const others = all.filter((method) => !allowed.includes(method) && !(method === 'HEAD' && allowed.includes('GET')));
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
