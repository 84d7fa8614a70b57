/**
 * Hostile requests through a real socket: what Node's HTTP parser refuses (bad
 * request line, bad headers, broken framing, oversized headers) and what only a raw
 * client can send (unnormalized dot segments, raw bytes). Each asserts status and the
 * envelope; afterwards visibility shows that none started a workflow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope } from '../helpers/envelope.js';
import { rawRequest } from '../helpers/raw-http.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';
import { expectCallbackCount } from '../helpers/visibility.js';

const ADMIN = 'hostile-socket-admin-token-42';
const app = uniqueName('hostile-socket');
const collection = `/v1/apps/${app}/callbacks`;
const okBody = JSON.stringify({ alias: 'callback01', delaySeconds: 60 });

let stack: TestStack;
let port: number;
beforeAll(async () => {
  stack = await startTestStack({ env: { DELAY_CALLBACK_ADMIN_TOKEN: ADMIN } });
  port = Number(new URL(stack.baseUrl).port);
});
afterAll(async () => stack?.close());

/** A well-framed HTTP/1.1 request; `extra` header lines are appended as they are. */
function request(method: string, path: string, body?: string, extra: string[] = []): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', `Authorization: Bearer ${ADMIN}`, 'Connection: close', ...extra];
  if (body !== undefined) lines.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body ?? ''}`;
}

interface SocketCase {
  name: string;
  raw: string | Buffer;
  status: number;
  code: string;
  field?: string;
}

const head = `POST ${collection} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ADMIN}\r\nContent-Type: application/json\r\n`;
const cases: SocketCase[] = [
  { name: 'headers over 16 KiB', raw: request('GET', `${collection}/x`, undefined, [`X-Filler: ${'a'.repeat(20_000)}`]), status: 431, code: 'HEADERS_TOO_LARGE' },
  { name: 'many headers over 16 KiB', raw: request('POST', collection, okBody, Array.from({ length: 400 }, (_, i) => `X-H${i}: ${'b'.repeat(50)}`)), status: 431, code: 'HEADERS_TOO_LARGE' },
  { name: 'garbage request line', raw: 'GARBAGE\r\n\r\n', status: 400, code: 'MALFORMED_REQUEST' },
  { name: 'lower-case method', raw: `get ${collection} HTTP/1.1\r\nHost: x\r\n\r\n`, status: 400, code: 'MALFORMED_REQUEST' },
  { name: 'unknown method', raw: `BREW ${collection} HTTP/1.1\r\nHost: x\r\n\r\n`, status: 400, code: 'MALFORMED_REQUEST' },
  { name: 'unknown HTTP version', raw: `GET ${collection} HTTP/9.9\r\nHost: x\r\n\r\n`, status: 400, code: 'MALFORMED_REQUEST' },
  { name: 'space inside a header name', raw: `GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n`, status: 400, code: 'MALFORMED_REQUEST' },
  { name: 'NUL in a header value', raw: `GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n`, status: 400, code: 'MALFORMED_REQUEST' },
  { name: 'Content-Length that is not a number', raw: `${head}Content-Length: ten\r\n\r\n${okBody}`, status: 400, code: 'MALFORMED_REQUEST' },
  { name: 'two different Content-Lengths', raw: `${head}Content-Length: 5\r\nContent-Length: 6\r\n\r\n${okBody}`, status: 400, code: 'MALFORMED_REQUEST' },
  { name: 'Content-Length with Transfer-Encoding (smuggling)', raw: `${head}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, status: 400, code: 'MALFORMED_REQUEST' },
  { name: 'bad chunk size', raw: `${head}Transfer-Encoding: chunked\r\n\r\nzz\r\n${okBody}\r\n0\r\n\r\n`, status: 400, code: 'MALFORMED_REQUEST' },
  { name: 'obsolete header line folding', raw: `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n  b\r\n\r\n`, status: 400, code: 'MALFORMED_REQUEST' },
  { name: 'declared body over the limit', raw: `${head}Connection: close\r\nContent-Length: 10000000\r\n\r\n{`, status: 413, code: 'PAYLOAD_TOO_LARGE' },
  {
    name: 'chunked body over the limit',
    raw: `${head}Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n${Array.from({ length: 12 }, () => `2000\r\n${'x'.repeat(0x2000)}\r\n`).join('')}0\r\n\r\n`,
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  { name: 'malformed JSON', raw: request('POST', collection, '{"alias":'), status: 400, code: 'MALFORMED_JSON' },
  { name: 'raw dot-dot as the app', raw: request('POST', '/v1/apps/../callbacks', okBody), status: 400, code: 'VALIDATION_FAILED', field: 'path.app' },
  { name: 'encoded dot-dot as the app', raw: request('POST', '/v1/apps/%2e%2e/callbacks', okBody), status: 400, code: 'VALIDATION_FAILED', field: 'path.app' },
  { name: 'raw dot-dot as the uid', raw: request('GET', `${collection}/..`), status: 400, code: 'VALIDATION_FAILED', field: 'path.uid' },
  { name: 'encoded dot-dot as the uid', raw: request('DELETE', `${collection}/%2E%2E`), status: 400, code: 'VALIDATION_FAILED', field: 'path.uid' },
  // Node's parser refuses bytes above 0x7F in the request target.
  { name: 'raw UTF-8 bytes in the path', raw: Buffer.from(request('POST', '/v1/apps/café/callbacks', okBody), 'utf8'), status: 400, code: 'MALFORMED_REQUEST' },
  { name: 'raw UTF-8 idempotency key', raw: Buffer.from(request('POST', collection, okBody, ['Idempotency-Key: clé']), 'utf8'), status: 400, code: 'VALIDATION_FAILED', field: 'header.idempotency-key' },
  { name: 'HTTP/1.0 with a bad alias', raw: `POST ${collection} HTTP/1.0\r\nAuthorization: Bearer ${ADMIN}\r\nContent-Type: application/json\r\nContent-Length: 36\r\n\r\n{"alias":"../x","delaySeconds":60}  `, status: 400, code: 'VALIDATION_FAILED', field: 'body.alias' },
  { name: 'wrong method with a body', raw: request('PUT', collection, okBody), status: 405, code: 'METHOD_NOT_ALLOWED' },
];

describe('hostile requests through a real socket', () => {
  it('has at least 10 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const response = await rawRequest(port, c.raw);
    expect(response.status).toBeLessThan(500);
    expectEnvelope(c, response.status, response.body);
  });

  it('answers each of two pipelined bad requests', async () => {
    const first = request('POST', collection, '{"alias":"callback01","delaySeconds":-1}').replace('Connection: close\r\n', '');
    const second = request('GET', `${collection}/.bad`);
    const response = await rawRequest(port, first + second);
    expect(response.all.map((r) => r.status)).toEqual([400, 400]);
    expect(response.all.map((r) => (JSON.parse(r.body) as { error: { code: string } }).error.code)).toEqual(['VALIDATION_FAILED', 'VALIDATION_FAILED']);
  });

  it('keeps serving well-formed requests', async () => {
    const response = await rawRequest(port, request('GET', '/healthz'));
    expect(response.status).toBe(200);
  });

  it('started no workflow for any of them', async () => {
    const sentinel = await stack.http('POST', collection, { alias: 'sentinel', delaySeconds: 3600 }, { authorization: `Bearer ${ADMIN}` });
    expect(sentinel.status).toBe(201);
    await expectCallbackCount(stack.temporal, [app, '..', 'café', 'cafÃ©'], 1);
    await stack.temporal.workflow.getHandle(`callback:${app}:${sentinel.body.uid as string}`).terminate('test over');
  });
});
