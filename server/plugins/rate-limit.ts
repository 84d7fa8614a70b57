/**
 * Rate limit per bearer token, per process: each facade instance counts on its
 * own, so N instances allow up to N x the limit. Only a configured token gets a
 * budget of its own; requests without one, or with an unknown one, count per
 * client IP, so guessing tokens (or rotating garbage ones) is limited too.
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

async function rateLimitPlugin(app: FastifyInstance, settings: RateLimitSettings): Promise<void> {
  if (settings.max === 0) return;
  const limitKey = (request: FastifyRequest): string => {
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    return token && app.isKnownToken(token) ? `token:${createHash('sha256').update(token).digest('hex').slice(0, 24)}` : `ip:${request.ip}`;
  };
  await app.register(rateLimit, {
    // Not per route: routes' own hooks run after the app's, and the limit must come before auth.
    global: false,
    max: settings.max,
    timeWindow: settings.windowMs,
    keyGenerator: limitKey,
    errorResponseBuilder: (_request, context) =>
      new ServiceError('RATE_LIMITED', `rate limit of ${context.max} requests per ${context.after} exceeded; retry later`, undefined, {
        retryAfterSeconds: Math.max(1, Math.ceil(context.ttl / 1000)),
      }),
  });
  const limiter = app.rateLimit();
  app.addHook('onRequest', async function (request, reply) {
    // Probes, scrapes and the docs opt out with `config: { rateLimit: false }`.
    if ((request.routeOptions.config as { rateLimit?: unknown }).rateLimit === false) return;
    await limiter.call(this, request, reply);
  });
}

export default fp(rateLimitPlugin, { name: 'rate-limit', dependencies: ['auth'] });
