/**
 * Rate limit per bearer token (per client IP without one), per process: each
 * facade instance counts on its own, so N instances allow up to N x the limit.
 */
import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ServiceError } from '../errors.js';
import { BEARER } from './auth.js';

export interface RateLimitSettings {
  /** Requests per window; 0 turns limiting off. */
  max: number;
  windowMs: number;
}

function limitKey(request: FastifyRequest): string {
  const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
  return token ? `token:${createHash('sha256').update(token).digest('hex').slice(0, 24)}` : `ip:${request.ip}`;
}

async function rateLimitPlugin(app: FastifyInstance, settings: RateLimitSettings): Promise<void> {
  if (settings.max === 0) return;
  await app.register(rateLimit, {
    global: true,
    max: settings.max,
    timeWindow: settings.windowMs,
    keyGenerator: limitKey,
    errorResponseBuilder: (_request, context) =>
      new ServiceError('RATE_LIMITED', `rate limit of ${context.max} requests per ${context.after} exceeded; retry later`, undefined, {
        retryAfterSeconds: Math.max(1, Math.ceil(context.ttl / 1000)),
      }),
  });
}

export default fp(rateLimitPlugin, { name: 'rate-limit' });
