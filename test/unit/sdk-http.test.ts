/**
 * The SDK's HTTP client against a scripted local server: which failures it retries (safe calls on
 * network errors, 429 and 503; others never), how long it waits (never before Retry-After, in
 * seconds or as an HTTP date), and that it gives up after `retries`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DelayCallbackError } from '../../client-sdk/errors.js';
import { HttpClient, parseRetryAfter } from '../../client-sdk/http.js';

type Scripted = { status: number; headers?: Record<string, string>; body?: unknown };
let server: Server | undefined;

/** A server answering each request with the next scripted response (the last one repeats); records arrival times. */
async function scriptedServer(script: Scripted[]): Promise<{ url: string; arrivals: number[] }> {
  const arrivals: number[] = [];
  server = createServer((_request, response) => {
    const next = script[Math.min(arrivals.length, script.length - 1)]!;
    arrivals.push(Date.now());
    response.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
    response.end(JSON.stringify(next.body ?? { error: { code: `CODE_${next.status}`, message: 'scripted' } }));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, arrivals };
}
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

const client = (baseUrl: string, retries = 3) => new HttpClient({ baseUrl, timeoutMs: 5_000, retries });

describe('SDK HTTP retries', () => {
  it('retries a safe call on 503 no sooner than Retry-After (seconds) says', async () => {
    const { url, arrivals } = await scriptedServer([{ status: 503, headers: { 'retry-after': '1' } }, { status: 200, body: { ok: true } }]);
    const response = await client(url).request<{ ok: boolean }>({ method: 'GET', path: '/x', idempotent: true });
    expect(response.body).toEqual({ ok: true });
    expect(arrivals).toHaveLength(2);
    expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(1_000);
  });

  it('reads Retry-After as an HTTP date too', async () => {
    const at = new Date(Math.ceil((Date.now() + 2_000) / 1000) * 1000);
    const { url, arrivals } = await scriptedServer([{ status: 429, headers: { 'retry-after': at.toUTCString() } }, { status: 200, body: {} }]);
    await client(url).request({ method: 'GET', path: '/x', idempotent: true });
    expect(arrivals[1]!).toBeGreaterThanOrEqual(at.getTime());
  });

  it('gives up after the configured retries with the last error, and never retries what is unsafe or not transient', async () => {
    const unavailable = await scriptedServer([{ status: 503, body: { error: { code: 'DEPENDENCY_UNAVAILABLE', message: 'down' } } }]);
    const err = await client(unavailable.url, 2).request({ method: 'GET', path: '/x', idempotent: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DelayCallbackError);
    expect((err as DelayCallbackError).code).toBe('DEPENDENCY_UNAVAILABLE');
    expect(unavailable.arrivals).toHaveLength(3);
    await new Promise<void>((resolve) => server!.close(() => resolve()));

    const unkeyed = await scriptedServer([{ status: 503 }]);
    await expect(client(unkeyed.url).request({ method: 'POST', path: '/x', body: {}, idempotent: false })).rejects.toMatchObject({ status: 503 });
    expect(unkeyed.arrivals).toHaveLength(1);
    await new Promise<void>((resolve) => server!.close(() => resolve()));

    const notFound = await scriptedServer([{ status: 404, body: { error: { code: 'CALLBACK_NOT_FOUND', message: 'no' } } }]);
    await expect(client(notFound.url).request({ method: 'GET', path: '/x', idempotent: true })).rejects.toMatchObject({ code: 'CALLBACK_NOT_FOUND', status: 404 });
    expect(notFound.arrivals).toHaveLength(1);
  });

  it('retries a refused connection even for an unsafe call (nothing reached the server)', async () => {
    const { url } = await scriptedServer([{ status: 200 }]);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const started = Date.now();
    const err = await client(url, 2).request({ method: 'POST', path: '/x', body: {}, idempotent: false }).catch((e: unknown) => e);
    expect((err as DelayCallbackError).code).toBe('CONNECTION_REFUSED');
    // Two backoffs: 250 ms, then 500 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(750);
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP dates, and ignores anything else', () => {
    const now = Date.parse('2026-11-27T10:00:00Z');
    expect(parseRetryAfter('5', now)).toBe(5_000);
    expect(parseRetryAfter('Fri, 27 Nov 2026 10:00:03 GMT', now)).toBe(3_000);
    expect(parseRetryAfter('Fri, 27 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
