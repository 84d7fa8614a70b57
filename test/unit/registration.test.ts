import { describe, expect, it } from 'vitest';
import {
  buildRegistration,
  deterministicUid,
  fingerprintOf,
  parseTriggerAt,
  resolveRetry,
} from '../../server/callbacks/registration.js';
import { ServiceError } from '../../server/errors.js';
import { UID_PATTERN } from '../../shared/schemas/common.js';
import { jsonDepth } from '../../shared/json-depth.js';

const limits = { maxArgsBytes: 65_536, maxHorizonSeconds: 10 * 365 * 86_400 };
const NOW = Date.parse('2026-11-27T10:00:00.000Z');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof ServiceError ? err.code : 'NOT_A_SERVICE_ERROR';
  }
  return undefined;
}

describe('trigger time', () => {
  it('resolves delaySeconds from now, never early (rounded up to the millisecond)', () => {
    const { input } = buildRegistration('app', { alias: 'a', delaySeconds: 1.0004 }, undefined, limits, NOW);
    expect(Date.parse(input.triggerAt)).toBe(NOW + 1001);
    expect(input.createdAt).toBe('2026-11-27T10:00:00.000Z');
  });

  it('accepts RFC 3339 with offsets and epoch milliseconds', () => {
    expect(parseTriggerAt('2026-12-24T19:00:00+01:00')).toBe(Date.parse('2026-12-24T18:00:00Z'));
    expect(parseTriggerAt('2026-12-24t18:00:00.123z')).toBe(Date.parse('2026-12-24T18:00:00.123Z'));
    expect(parseTriggerAt(1_798_131_600_000)).toBe(1_798_131_600_000);
  });

  it.each([
    ['no offset', '2026-12-24T18:00:00'],
    ['date only', '2026-12-24'],
    ['February 30th', '2026-02-30T00:00:00Z'],
    ['hour 24', '2026-12-24T24:00:00Z'],
    ['bad offset', '2026-12-24T18:00:00+25:00'],
    ['words', 'tomorrow'],
  ])('rejects %s', (_name, value) => {
    expect(codeOf(() => parseTriggerAt(value))).toBe('VALIDATION_FAILED');
  });

  it('rejects negative or fractional epoch values', () => {
    expect(codeOf(() => parseTriggerAt(-1))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => parseTriggerAt(1.5))).toBe('VALIDATION_FAILED');
  });

  it('wants exactly one of delaySeconds and triggerAt', () => {
    expect(codeOf(() => buildRegistration('app', { alias: 'a' }, undefined, limits, NOW))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => buildRegistration('app', { alias: 'a', delaySeconds: 1, triggerAt: 5 }, undefined, limits, NOW))).toBe(
      'VALIDATION_FAILED',
    );
  });

  it('refuses a trigger beyond the horizon but accepts one in the past', () => {
    expect(codeOf(() => buildRegistration('app', { alias: 'a', delaySeconds: 10 * 365 * 86_400 + 1 }, undefined, limits, NOW))).toBe(
      'VALIDATION_FAILED',
    );
    const { input } = buildRegistration('app', { alias: 'a', triggerAt: '2020-01-01T00:00:00Z' }, undefined, limits, NOW);
    expect(input.triggerAt).toBe('2020-01-01T00:00:00.000Z');
  });
});

describe('retry strategy', () => {
  it('defaults to 10 attempts, exponential from 10 s, capped at a day', () => {
    expect(resolveRetry(undefined)).toEqual({ maxAttempts: 10, backoff: 'exponential', intervalSeconds: 10, maxIntervalSeconds: 86_400 });
  });

  it('null means a single attempt', () => {
    expect(resolveRetry(null).maxAttempts).toBe(1);
  });

  it('fills omitted fields with defaults', () => {
    expect(resolveRetry({ maxAttempts: 3, backoff: 'linear' })).toEqual({
      maxAttempts: 3,
      backoff: 'linear',
      intervalSeconds: 10,
      maxIntervalSeconds: 86_400,
    });
  });

  it('refuses retry delays beyond the horizon', () => {
    expect(codeOf(() => resolveRetry({ intervalSeconds: 11 * 365 * 86_400 }, limits.maxHorizonSeconds))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => resolveRetry({ maxIntervalSeconds: 11 * 365 * 86_400 }, limits.maxHorizonSeconds))).toBe('VALIDATION_FAILED');
    expect(resolveRetry({ maxIntervalSeconds: 365 * 86_400 }, limits.maxHorizonSeconds).maxIntervalSeconds).toBe(365 * 86_400);
  });

  it('raises the default cap for an interval above it, and refuses an explicit cap below the interval', () => {
    expect(resolveRetry({ intervalSeconds: 100_000 }).maxIntervalSeconds).toBe(100_000);
    expect(codeOf(() => resolveRetry({ intervalSeconds: 20, maxIntervalSeconds: 10 }))).toBe('VALIDATION_FAILED');
  });
});

describe('args', () => {
  it('measures nesting depth', () => {
    expect(jsonDepth(1)).toBe(0);
    expect(jsonDepth([])).toBe(1);
    expect(jsonDepth({ a: [{ b: 1 }] })).toBe(3);
    // It stops counting past the limit: a hostile depth costs no more than the limit.
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(jsonDepth(deep, 32)).toBe(33);
    expect(jsonDepth(deep)).toBe(10_000);
  });

  it('refuses nesting deeper than 32 levels', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 33; i++) deep = [deep];
    expect(codeOf(() => buildRegistration('app', { alias: 'a', delaySeconds: 1, args: deep }, undefined, limits, NOW))).toBe(
      'VALIDATION_FAILED',
    );
  });

  it('refuses args over the size limit with PAYLOAD_TOO_LARGE', () => {
    const args = 'x'.repeat(65_536);
    expect(codeOf(() => buildRegistration('app', { alias: 'a', delaySeconds: 1, args }, undefined, limits, NOW))).toBe('PAYLOAD_TOO_LARGE');
  });

  it('defaults to null', () => {
    expect(buildRegistration('app', { alias: 'a', delaySeconds: 1 }, undefined, limits, NOW).input.args).toBeNull();
  });
});

describe('idempotency', () => {
  it('fingerprints the body regardless of key order and without the key itself', () => {
    const a = fingerprintOf({ alias: 'x', delaySeconds: 3, args: { b: 1, a: 2 }, idempotencyKey: 'k1' });
    const b = fingerprintOf({ args: { a: 2, b: 1 }, delaySeconds: 3, alias: 'x', idempotencyKey: 'k2' });
    expect(a).toBe(b);
    expect(fingerprintOf({ alias: 'x', delaySeconds: 4 })).not.toBe(fingerprintOf({ alias: 'x', delaySeconds: 3 }));
  });

  it('derives the same uid from the same app, key and body, and a different one otherwise', () => {
    const uid = deterministicUid('app', 'key', 'f1');
    expect(uid).toBe(deterministicUid('app', 'key', 'f1'));
    expect(uid).not.toBe(deterministicUid('app', 'key', 'f2'));
    expect(uid).not.toBe(deterministicUid('app2', 'key', 'f1'));
    expect(uid).toMatch(new RegExp(UID_PATTERN));
  });

  it('takes the key from the body or the header, and refuses two different ones', () => {
    const viaHeader = buildRegistration('app', { alias: 'a', delaySeconds: 1 }, 'k', limits, NOW);
    const viaBody = buildRegistration('app', { alias: 'a', delaySeconds: 1, idempotencyKey: 'k' }, undefined, limits, NOW);
    expect(viaHeader.input.uid).toBe(viaBody.input.uid);
    expect(viaHeader.idempotency?.key).toBe('k');
    expect(codeOf(() => buildRegistration('app', { alias: 'a', delaySeconds: 1, idempotencyKey: 'k' }, 'other', limits, NOW))).toBe(
      'VALIDATION_FAILED',
    );
  });

  it('gives unkeyed registrations random uids', () => {
    const one = buildRegistration('app', { alias: 'a', delaySeconds: 1 }, undefined, limits, NOW);
    const two = buildRegistration('app', { alias: 'a', delaySeconds: 1 }, undefined, limits, NOW);
    expect(one.input.uid).not.toBe(two.input.uid);
    expect(one.idempotency).toBeUndefined();
  });
});
