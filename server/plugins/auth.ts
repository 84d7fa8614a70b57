/**
 * Bearer tokens per app (and one optional admin token for every app).
 * A missing or unknown token is 401; a valid token of another app is 403.
 * Tokens are compared in constant time, as SHA-256 digests, and never logged.
 * With no tokens configured the service runs open (development only).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ServiceError } from '../errors.js';

export interface AuthOptions {
  appTokens: ReadonlyMap<string, readonly string[]>;
  adminToken?: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook for routes under /v1/apps/{app}. */
    authorizeApp: (request: FastifyRequest) => Promise<void>;
    /** onRequest hook for routes that need the admin token when any token is configured (the codec server). */
    authorizeAdmin: (request: FastifyRequest) => Promise<void>;
    /** False when no token is configured (open mode). */
    authEnabled: boolean;
    /** True when `token` is a configured app or admin token (the rate limit counts per known token). */
    isKnownToken: (token: string) => boolean;
    /** True when the request carries the admin token (operations routes show it more). */
    isAdminRequest: (request: FastifyRequest) => boolean;
  }
}

const digest = (token: string): Buffer => createHash('sha256').update(token).digest();
/** `Bearer <token>`; the token is visible ASCII. */
export const BEARER = /^Bearer[ ]+([\x21-\x7E]+)[ ]*$/i;

async function authPlugin(app: FastifyInstance, options: AuthOptions): Promise<void> {
  const byApp = new Map<string, Buffer[]>();
  for (const [name, tokens] of options.appTokens) byApp.set(name, tokens.map(digest));
  const allDigests = [...byApp.values()].flat();
  const admin = options.adminToken ? digest(options.adminToken) : undefined;
  const enabled = allDigests.length > 0 || admin !== undefined;
  const matches = (candidate: Buffer, known: readonly Buffer[]): boolean =>
    // Compare against every entry, so the time taken does not tell which one matched.
    known.reduce((found, entry) => timingSafeEqual(candidate, entry) || found, false);

  app.decorate('authEnabled', enabled);
  app.decorate('isKnownToken', (token: string) => {
    const candidate = digest(token);
    return matches(candidate, admin ? [...allDigests, admin] : allDigests);
  });
  app.decorate('isAdminRequest', (request: FastifyRequest) => {
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    return admin !== undefined && token !== undefined && timingSafeEqual(digest(token), admin);
  });
  app.decorate('authorizeApp', async (request: FastifyRequest) => {
    const match = BEARER.exec(request.headers.authorization ?? '');
    if (!enabled) return;
    if (!match?.[1]) throw unauthorized('missing or malformed Authorization header; send "Authorization: Bearer <token>"');
    const candidate = digest(match[1]);
    if (admin && timingSafeEqual(candidate, admin)) return;
    const appName = (request.params as { app?: string }).app ?? '';
    if (matches(candidate, byApp.get(appName) ?? [])) return;
    if (matches(candidate, allDigests)) {
      throw new ServiceError('FORBIDDEN', `this token is not valid for app "${appName}"`);
    }
    throw unauthorized('unknown token');
  });
  app.decorate('authorizeAdmin', async (request: FastifyRequest) => {
    if (!enabled) return;
    const match = BEARER.exec(request.headers.authorization ?? '');
    if (!match?.[1]) throw unauthorized('missing or malformed Authorization header; send "Authorization: Bearer <admin token>"');
    const candidate = digest(match[1]);
    if (admin && timingSafeEqual(candidate, admin)) return;
    // An app's token would read every app's payloads here: only the admin token may.
    if (matches(candidate, allDigests)) throw new ServiceError('FORBIDDEN', 'this route needs the admin token, not an app token');
    throw unauthorized('unknown token');
  });
}

function unauthorized(message: string): ServiceError {
  return new ServiceError('UNAUTHORIZED', message);
}

export default fp(authPlugin, { name: 'auth' });
