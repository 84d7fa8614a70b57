/**
 * Hostile bodies of POST /v1/apps/{app}/callbacks: shape, alias, trigger time,
 * retry, timeouts, idempotency keys, args size and depth, broken JSON.
 */
import type { HostileCase } from './hostile-cases.js';

const YEAR_MS = 365.25 * 86_400_000;

/** `depth` arrays nested in each other around `leaf`. */
export function nestedArrays(depth: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

function nestedObjects(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = { k: value };
  return value;
}

/** Bodies of POST /v1/apps/{app}/callbacks that must be refused. */
export function registerBodies(now: number): Array<Omit<HostileCase, 'method' | 'path'>> {
  const ok = { alias: 'callback01', delaySeconds: 60 };
  const future = new Date(now + 3_600_000).toISOString();
  const bad = (name: string, body: unknown, field: string, code = 'VALIDATION_FAILED', status = 400) => ({ name, body, field, code, status });
  return [
    // Shape of the body.
    bad('empty object', {}, 'alias'),
    bad('array body', [ok], 'body'),
    bad('null body', 'null', 'body'),
    bad('string body', '"callback01"', 'body'),
    bad('number body', '42', 'body'),
    bad('neither delaySeconds nor triggerAt', { alias: 'callback01' }, 'delaySeconds'),
    bad('both delaySeconds and triggerAt', { ...ok, triggerAt: future }, 'triggerAt'),
    bad('unknown field', { ...ok, priority: 1 }, 'body.priority'),
    bad('unknown field in snake case', { ...ok, delay_seconds: 3 }, 'body.delay_seconds'),
    bad('__proto__ outside args', '{"alias":"callback01","delaySeconds":60,"__proto__":{"admin":true}}', 'body.__proto__'),
    bad('constructor outside args', '{"alias":"callback01","delaySeconds":60,"constructor":{"prototype":{"admin":true}}}', 'body.constructor'),
    bad('prototype outside args', { ...ok, prototype: { admin: true } }, 'body.prototype'),
    bad('__proto__ inside retry', '{"alias":"callback01","delaySeconds":60,"retry":{"__proto__":{"maxAttempts":5}}}', 'body.retry.__proto__'),
    bad('constructor inside retry', '{"alias":"callback01","delaySeconds":60,"retry":{"constructor":{}}}', 'body.retry.constructor'),
    // alias
    bad('alias missing', { delaySeconds: 60 }, 'body.alias'),
    bad('alias empty', { ...ok, alias: '' }, 'body.alias'),
    bad('alias of 65 characters', { ...ok, alias: 'a'.repeat(65) }, 'body.alias'),
    bad('alias path traversal', { ...ok, alias: '../../etc/passwd' }, 'body.alias'),
    bad('alias with a slash', { ...ok, alias: 'a/b' }, 'body.alias'),
    bad('alias unicode', { ...ok, alias: 'café' }, 'body.alias'),
    bad('alias full-width letters', { ...ok, alias: 'ａｌｉａｓ' }, 'body.alias'),
    bad('alias with a space', { ...ok, alias: 'call back' }, 'body.alias'),
    bad('alias with a newline', { ...ok, alias: 'a\nb' }, 'body.alias'),
    bad('alias with a NUL', { ...ok, alias: 'a\u0000b' }, 'body.alias'),
    bad('alias starting with a dot', { ...ok, alias: '.hidden' }, 'body.alias'),
    bad('alias starting with a dash', { ...ok, alias: '-x' }, 'body.alias'),
    bad('alias a number', { ...ok, alias: 1 }, 'body.alias'),
    bad('alias null', { ...ok, alias: null }, 'body.alias'),
    bad('alias an array', { ...ok, alias: ['callback01'] }, 'body.alias'),
    // delaySeconds
    bad('delaySeconds a string', { alias: 'callback01', delaySeconds: '3' }, 'body.delaySeconds'),
    bad('delaySeconds true', { alias: 'callback01', delaySeconds: true }, 'body.delaySeconds'),
    bad('delaySeconds null', { alias: 'callback01', delaySeconds: null }, 'body.delaySeconds'),
    bad('delaySeconds an object', { alias: 'callback01', delaySeconds: {} }, 'body.delaySeconds'),
    bad('delaySeconds an array', { alias: 'callback01', delaySeconds: [3] }, 'body.delaySeconds'),
    bad('delaySeconds negative', { alias: 'callback01', delaySeconds: -1 }, 'body.delaySeconds'),
    bad('delaySeconds slightly negative', { alias: 'callback01', delaySeconds: -0.001 }, 'body.delaySeconds'),
    bad('delaySeconds 1e400 (Infinity once parsed)', '{"alias":"callback01","delaySeconds":1e400}', 'body.delaySeconds'),
    bad('delaySeconds -1e400', '{"alias":"callback01","delaySeconds":-1e400}', 'body.delaySeconds'),
    bad('delaySeconds NaN literal', '{"alias":"callback01","delaySeconds":NaN}', '', 'MALFORMED_JSON'),
    bad('delaySeconds Infinity literal', '{"alias":"callback01","delaySeconds":Infinity}', '', 'MALFORMED_JSON'),
    bad('delaySeconds hex literal', '{"alias":"callback01","delaySeconds":0x10}', '', 'MALFORMED_JSON'),
    bad('delaySeconds beyond the horizon', { alias: 'callback01', delaySeconds: 11 * 365 * 86_400 }, 'delaySeconds'),
    bad('delaySeconds beyond any horizon', { alias: 'callback01', delaySeconds: 1e12 }, 'body.delaySeconds'),
    // triggerAt
    bad('triggerAt without offset', { alias: 'callback01', triggerAt: '2030-12-24T18:00:00' }, 'triggerAt'),
    bad('triggerAt date only', { alias: 'callback01', triggerAt: '2030-12-24' }, 'triggerAt'),
    bad('triggerAt February 30th', { alias: 'callback01', triggerAt: '2030-02-30T00:00:00Z' }, 'triggerAt'),
    bad('triggerAt February 29th of a common year', { alias: 'callback01', triggerAt: '2031-02-29T00:00:00Z' }, 'triggerAt'),
    bad('triggerAt month 13', { alias: 'callback01', triggerAt: '2030-13-01T00:00:00Z' }, 'triggerAt'),
    bad('triggerAt hour 24', { alias: 'callback01', triggerAt: '2030-12-24T24:00:00Z' }, 'triggerAt'),
    bad('triggerAt minute 60', { alias: 'callback01', triggerAt: '2030-12-24T23:60:00Z' }, 'triggerAt'),
    bad('triggerAt offset +25:00', { alias: 'callback01', triggerAt: '2030-12-24T18:00:00+25:00' }, 'triggerAt'),
    bad('triggerAt words', { alias: 'callback01', triggerAt: 'tomorrow' }, 'triggerAt'),
    bad('triggerAt empty', { alias: 'callback01', triggerAt: '' }, 'triggerAt'),
    bad('triggerAt RFC 1123', { alias: 'callback01', triggerAt: 'Tue, 24 Dec 2030 18:00:00 GMT' }, 'triggerAt'),
    bad('triggerAt extended year', { alias: 'callback01', triggerAt: '+002030-12-24T18:00:00Z' }, 'triggerAt'),
    bad('triggerAt too long', { alias: 'callback01', triggerAt: `2030-12-24T18:00:00.${'1'.repeat(30)}Z` }, 'triggerAt'),
    bad('triggerAt epoch negative', { alias: 'callback01', triggerAt: -1 }, 'triggerAt'),
    bad('triggerAt epoch fractional', { alias: 'callback01', triggerAt: now + 1.5 }, 'triggerAt'),
    bad('triggerAt epoch as a string', { alias: 'callback01', triggerAt: String(now + 60_000) }, 'triggerAt'),
    bad('triggerAt epoch beyond the horizon', { alias: 'callback01', triggerAt: Math.round(now + 11 * YEAR_MS) }, 'triggerAt'),
    bad('triggerAt year 9999', { alias: 'callback01', triggerAt: '9999-12-31T23:59:59Z' }, 'triggerAt'),
    bad('triggerAt true', { alias: 'callback01', triggerAt: true }, 'triggerAt'),
    // retry
    bad('retry maxAttempts 0', { ...ok, retry: { maxAttempts: 0 } }, 'body.retry.maxAttempts'),
    bad('retry maxAttempts negative', { ...ok, retry: { maxAttempts: -3 } }, 'body.retry.maxAttempts'),
    bad('retry maxAttempts 1001', { ...ok, retry: { maxAttempts: 1001 } }, 'body.retry.maxAttempts'),
    bad('retry maxAttempts huge', { ...ok, retry: { maxAttempts: 1e15 } }, 'body.retry.maxAttempts'),
    bad('retry maxAttempts fractional', { ...ok, retry: { maxAttempts: 2.5 } }, 'body.retry.maxAttempts'),
    bad('retry maxAttempts a string', { ...ok, retry: { maxAttempts: '3' } }, 'body.retry.maxAttempts'),
    bad('retry unknown backoff', { ...ok, retry: { backoff: 'random' } }, 'body.retry.backoff'),
    bad('retry backoff in capitals', { ...ok, retry: { backoff: 'EXPONENTIAL' } }, 'body.retry.backoff'),
    bad('retry intervalSeconds 0', { ...ok, retry: { intervalSeconds: 0 } }, 'body.retry.intervalSeconds'),
    bad('retry intervalSeconds negative', { ...ok, retry: { intervalSeconds: -5 } }, 'body.retry.intervalSeconds'),
    bad('retry intervalSeconds a string', { ...ok, retry: { intervalSeconds: '10' } }, 'body.retry.intervalSeconds'),
    bad('retry interval above its cap', { ...ok, retry: { intervalSeconds: 60, maxIntervalSeconds: 30 } }, 'retry.maxIntervalSeconds'),
    bad('retry cap below the default interval', { ...ok, retry: { maxIntervalSeconds: 5 } }, 'retry.maxIntervalSeconds'),
    bad('retry maxIntervalSeconds 0', { ...ok, retry: { maxIntervalSeconds: 0 } }, 'body.retry.maxIntervalSeconds'),
    bad('retry unknown field', { ...ok, retry: { jitter: true } }, 'body.retry.jitter'),
    bad('retry an array', { ...ok, retry: [{ maxAttempts: 3 }] }, 'body.retry'),
    bad('retry a string', { ...ok, retry: 'none' }, 'body.retry'),
    bad('retry true', { ...ok, retry: true }, 'body.retry'),
    // attemptTimeoutSeconds
    bad('attemptTimeoutSeconds 0', { ...ok, attemptTimeoutSeconds: 0 }, 'body.attemptTimeoutSeconds'),
    bad('attemptTimeoutSeconds 0.5', { ...ok, attemptTimeoutSeconds: 0.5 }, 'body.attemptTimeoutSeconds'),
    bad('attemptTimeoutSeconds 86401', { ...ok, attemptTimeoutSeconds: 86_401 }, 'body.attemptTimeoutSeconds'),
    bad('attemptTimeoutSeconds negative', { ...ok, attemptTimeoutSeconds: -30 }, 'body.attemptTimeoutSeconds'),
    bad('attemptTimeoutSeconds a string', { ...ok, attemptTimeoutSeconds: '30' }, 'body.attemptTimeoutSeconds'),
    // idempotency keys
    bad('idempotencyKey empty', { ...ok, idempotencyKey: '' }, 'body.idempotencyKey'),
    bad('idempotencyKey of 257 characters', { ...ok, idempotencyKey: 'k'.repeat(257) }, 'body.idempotencyKey'),
    bad('idempotencyKey with a newline', { ...ok, idempotencyKey: 'order-42\nexpiry' }, 'body.idempotencyKey'),
    bad('idempotencyKey with a tab', { ...ok, idempotencyKey: 'order-42\texpiry' }, 'body.idempotencyKey'),
    bad('idempotencyKey unicode', { ...ok, idempotencyKey: 'clé-42' }, 'body.idempotencyKey'),
    bad('idempotencyKey a number', { ...ok, idempotencyKey: 42 }, 'body.idempotencyKey'),
    { ...bad('Idempotency-Key header of 257 characters', ok, 'header.idempotency-key'), headers: { 'idempotency-key': 'k'.repeat(257) } },
    { ...bad('Idempotency-Key header unicode', ok, 'header.idempotency-key'), headers: { 'idempotency-key': 'clé-42' } },
    { ...bad('header and body keys differ', { ...ok, idempotencyKey: 'order-1' }, 'idempotencyKey'), headers: { 'idempotency-key': 'order-2' } },
    // args
    bad('args over 64 KiB serialized', { ...ok, args: 'x'.repeat(66_000) }, 'args', 'PAYLOAD_TOO_LARGE', 413),
    bad('args of many small items over 64 KiB', { ...ok, args: Array.from({ length: 7_000 }, () => 'abcdefgh') }, 'args', 'PAYLOAD_TOO_LARGE', 413),
    bad('body beyond the body limit', { ...ok, args: 'x'.repeat(200_000) }, '', 'PAYLOAD_TOO_LARGE', 413),
    bad('args nested 33 arrays deep', { ...ok, args: nestedArrays(33) }, 'args'),
    bad('args nested 33 objects deep', { ...ok, args: nestedObjects(33) }, 'args'),
    // Written out: JSON.stringify itself would overflow the stack here.
    bad('args nested 5000 deep', `{"alias":"callback01","delaySeconds":60,"args":${'['.repeat(5_000)}1${']'.repeat(5_000)}}`, 'args'),
    // Not JSON.
    bad('malformed JSON', '{"alias": "callback01", ', '', 'MALFORMED_JSON'),
    bad('JSON with a trailing comma', '{"alias":"callback01","delaySeconds":60,}', '', 'MALFORMED_JSON'),
    bad('JSON with single quotes', "{'alias':'callback01','delaySeconds':60}", '', 'MALFORMED_JSON'),
    bad('JSON with a comment', '{"alias":"callback01", /* hi */ "delaySeconds":60}', '', 'MALFORMED_JSON'),
    bad('two JSON documents', '{"alias":"callback01","delaySeconds":60}{}', '', 'MALFORMED_JSON'),
    bad('an unclosed array', `${'['.repeat(10_000)}`, '', 'MALFORMED_JSON'),
    bad('empty body', '', 'body'),
  ];
}
