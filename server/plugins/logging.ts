/**
 * Request logs: pino with the request id (the caller's `x-request-id` when it is
 * sane, else a fresh UUID) and, on routes of one callback, its app and uid.
 * Bearer tokens and idempotency keys never reach a log line.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { DestinationStream } from 'pino';
import { APP_NAME_PATTERN, UID_PATTERN } from '../../shared/schemas/common.js';

/** Header paths pino censors, should a serializer ever log headers. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["idempotency-key"]',
  'headers.authorization',
  'request.headers.authorization',
];

/**
 * The facade's logger options.
 * @param stream where lines go. @default stdout
 */
export function loggerOptions(level: string, stream?: DestinationStream): NonNullable<FastifyServerOptions['logger']> {
  return { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, ...(stream ? { stream } : {}) };
}

const REQUEST_ID = /^[\x21-\x7E]{1,128}$/;

/** Fastify's `genReqId`: the caller's x-request-id if it is 1..128 visible ASCII characters. */
export function requestIdOf(request: IncomingMessage): string {
  const sent = request.headers['x-request-id'];
  return typeof sent === 'string' && REQUEST_ID.test(sent) ? sent : randomUUID();
}

const APP = new RegExp(APP_NAME_PATTERN);
const UID = new RegExp(UID_PATTERN);

async function loggingPlugin(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', async (request, reply) => {
    const params = (request.params ?? {}) as { app?: unknown; uid?: unknown };
    const bindings: Record<string, string> = {};
    // Only well-formed names are bound: a hostile path stays in `url`, escaped, and nowhere else.
    if (typeof params.app === 'string' && APP.test(params.app)) bindings.app = params.app;
    if (typeof params.uid === 'string' && UID.test(params.uid)) bindings.uid = params.uid;
    if (Object.keys(bindings).length === 0) return;
    // Both: Fastify logs "request completed" through the reply's logger.
    request.log = request.log.child(bindings);
    reply.log = request.log;
  });
}

export default fp(loggingPlugin, { name: 'logging' });
