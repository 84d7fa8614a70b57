/** A schedule's body: every, cron, zones and policies checked with clear messages; PATCH merges; Temporal's spec and policies. */
import { describe, expect, it } from 'vitest';
import { ServiceError } from '../../server/errors.js';
import { definitionOf, fingerprintOf, patchedDefinition, scheduleIdOf } from '../../server/schedules/definition.js';
import { resolvePolicies, temporalPoliciesOf } from '../../server/schedules/policies.js';
import { parseCron, parseEvery, parseTimezone, temporalSpecOf } from '../../server/schedules/timing.js';
import type { ScheduleBody } from '../../shared/schemas/schedules.js';

const LIMITS = { maxArgsBytes: 65_536, maxHorizonSeconds: 315_360_000 };
const NOW = Date.parse('2026-12-02T10:00:00Z');

function fails(run: () => unknown, field: string, message: RegExp): void {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ServiceError);
    const error = err as ServiceError;
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toMatch(message);
    expect(JSON.stringify(error.details)).toContain(field);
    return;
  }
  throw new Error(`expected a validation error on ${field}`);
}

describe('every', () => {
  it('reads a whole number of s, m, h or d', () => {
    expect(parseEvery('30s', 1e9)).toBe(30);
    expect(parseEvery('5m', 1e9)).toBe(300);
    expect(parseEvery('1h', 1e9)).toBe(3_600);
    expect(parseEvery('1d', 1e9)).toBe(86_400);
  });

  for (const bad of ['0s', '500ms', '1.5h', '10', '5 m', 'm5', '1w', '-1s', '']) {
    it(`refuses "${bad}"`, () => fails(() => parseEvery(bad, 1e9), 'body.every', /whole number followed by s, m, h or d/));
  }

  it('refuses an interval beyond the horizon', () => fails(() => parseEvery('4000d', 315_360_000), 'body.every', /horizon/));
});

describe('cron', () => {
  it('takes 5 fields (seconds 0) or 6 (seconds first), and writes Temporal\'s 7-field form', () => {
    expect(parseCron('0 9 * * MON-FRI')).toBe('0 0 9 * * MON-FRI *');
    expect(parseCron('*/10 * * * * *')).toBe('*/10 * * * * * *');
    expect(parseCron('0 0 1,15 * *')).toBe('0 0 0 1,15 * * *');
    expect(parseCron('  30 2 * * *  ')).toBe('0 30 2 * * * *');
  });

  it('gives cron-parser\'s own message for an invalid field', () => {
    fails(() => parseCron('61 * * * *'), 'body.cron', /not a valid cron expression: Constraint error, got value 61 expected range 0-59/);
    fails(() => parseCron('0 0 * * foo'), 'body.cron', /cannot resolve alias "foo"/);
  });

  it('counts fields', () => {
    fails(() => parseCron('* * * *'), 'body.cron', /5 fields .* or 6 .* has 4/);
    fails(() => parseCron('0 0 0 * * * 2030'), 'body.cron', /has 7/);
    fails(() => parseCron('@daily'), 'body.cron', /has 1/);
  });

  it('refuses syntax Temporal\'s calendar lacks', () => {
    for (const expression of ['0 0 L * *', '0 0 15W * *', '0 0 * * 5#3', '0 0 ? * MON', '0 H * * *', '0 0 * * 5L']) {
      fails(() => parseCron(expression), 'body.cron', /syntax Temporal's calendar does not have/);
    }
  });

  it('refuses day-of-month and day-of-week both restricted (cron implementations combine them differently)', () => {
    fails(() => parseCron('0 0 1 * MON'), 'body.cron', /both dayOfMonth and dayOfWeek/);
  });
});

describe('timezone', () => {
  it('takes IANA names, correcting the case Temporal\'s Go runtime needs', () => {
    expect(parseTimezone('Europe/Paris')).toBe('Europe/Paris');
    expect(parseTimezone('europe/paris')).toBe('Europe/Paris');
    expect(parseTimezone('US/Pacific')).toBe('US/Pacific');
  });

  it('refuses an unknown zone with the runtime\'s message', () => fails(() => parseTimezone('Mars/Olympus'), 'body.timezone', /not an IANA time zone: .*Mars\/Olympus/));
});

describe('policies', () => {
  it('defaults to fireOnce, overlap skip, a one-hour window', () => {
    expect(resolvePolicies({})).toEqual({ missedFirePolicy: 'fireOnce', overlap: 'skip', catchupWindowSeconds: 3600 });
  });

  it('gives fireAll bufferAll by default and skip Temporal\'s minimum window', () => {
    expect(resolvePolicies({ missedFirePolicy: 'fireAll' })).toEqual({ missedFirePolicy: 'fireAll', overlap: 'bufferAll', catchupWindowSeconds: 3600 });
    expect(resolvePolicies({ missedFirePolicy: 'skip' }).catchupWindowSeconds).toBe(10);
  });

  it('refuses the combinations that would not mean the same whatever the outage', () => {
    fails(() => resolvePolicies({ missedFirePolicy: 'fireAll', overlap: 'skip' }), 'body.overlap', /bufferAll or allowAll with missedFirePolicy fireAll/);
    fails(() => resolvePolicies({ missedFirePolicy: 'skip', overlap: 'allowAll' }), 'body.overlap', /skip or bufferOne with missedFirePolicy skip/);
    fails(() => resolvePolicies({ overlap: 'bufferAll' }), 'body.overlap', /with missedFirePolicy fireOnce/);
    fails(() => resolvePolicies({ missedFirePolicy: 'skip', catchupWindowSeconds: 60 }), 'body.catchupWindowSeconds', /applies to fireOnce and fireAll/);
  });

  it('maps onto Temporal\'s overlap policy and catch-up window', () => {
    expect(temporalPoliciesOf(resolvePolicies({ missedFirePolicy: 'skip' }))).toEqual({ overlap: 'SKIP', catchupWindow: 10_000 });
    expect(temporalPoliciesOf(resolvePolicies({ overlap: 'bufferOne', catchupWindowSeconds: 600 }))).toEqual({ overlap: 'BUFFER_ONE', catchupWindow: 600_000 });
    expect(temporalPoliciesOf(resolvePolicies({ missedFirePolicy: 'fireAll' }))).toEqual({ overlap: 'BUFFER_ALL', catchupWindow: 3_600_000 });
    expect(temporalPoliciesOf(resolvePolicies({ missedFirePolicy: 'fireAll', overlap: 'allowAll' })).overlap).toBe('ALLOW_ALL');
  });

  it('keeps what still fits on a change, and takes the new default for what does not', () => {
    const fireOnce = resolvePolicies({ overlap: 'bufferOne', catchupWindowSeconds: 120 });
    expect(resolvePolicies({ missedFirePolicy: 'skip' }, fireOnce)).toEqual({ missedFirePolicy: 'skip', overlap: 'bufferOne', catchupWindowSeconds: 10 });
    expect(resolvePolicies({ missedFirePolicy: 'fireAll' }, fireOnce)).toEqual({ missedFirePolicy: 'fireAll', overlap: 'bufferAll', catchupWindowSeconds: 120 });
    const skip = resolvePolicies({ missedFirePolicy: 'skip' });
    expect(resolvePolicies({ missedFirePolicy: 'fireOnce' }, skip).catchupWindowSeconds).toBe(3600);
  });
});

describe('definitionOf and patchedDefinition', () => {
  const body: ScheduleBody = { alias: 'report', every: '5m' };

  it('fills in the defaults', () => {
    const { template, settings } = definitionOf(body, LIMITS, NOW);
    expect(template).toEqual({
      alias: 'report',
      args: null,
      retry: { maxAttempts: 10, backoff: 'exponential', intervalSeconds: 10, maxIntervalSeconds: 86400 },
      attemptTimeoutSeconds: 30,
    });
    expect(settings).toEqual({
      every: '5m',
      cron: null,
      timezone: 'UTC',
      startAt: null,
      endAt: null,
      limit: null,
      missedFirePolicy: 'fireOnce',
      overlap: 'skip',
      catchupWindowSeconds: 3600,
    });
  });

  it('needs exactly one of every and cron', () => {
    fails(() => definitionOf({ alias: 'a' }, LIMITS, NOW), 'body.every', /one of every or cron is required/);
    fails(() => definitionOf({ alias: 'a', every: '1m', cron: '* * * * *' }, LIMITS, NOW), 'body.cron', /not both/);
  });

  it('keeps the zone for cron only', () => {
    fails(() => definitionOf({ ...body, timezone: 'Europe/Paris' }, LIMITS, NOW), 'body.timezone', /applies to cron/);
    expect(definitionOf({ ...body, timezone: 'UTC' }, LIMITS, NOW).settings.timezone).toBe('UTC');
    expect(definitionOf({ alias: 'a', cron: '0 9 * * *', timezone: 'Europe/Paris' }, LIMITS, NOW).settings.timezone).toBe('Europe/Paris');
  });

  it('checks startAt and endAt', () => {
    const start = '2026-12-03T00:00:00+01:00';
    expect(definitionOf({ ...body, startAt: start }, LIMITS, NOW).settings.startAt).toBe('2026-12-02T23:00:00.000Z');
    fails(() => definitionOf({ ...body, startAt: 'tomorrow' }, LIMITS, NOW), 'body.startAt', /RFC 3339/);
    fails(() => definitionOf({ ...body, endAt: '2026-12-01T00:00:00Z' }, LIMITS, NOW), 'body.endAt', /in the past/);
    fails(() => definitionOf({ ...body, startAt: '2026-12-05T00:00:00Z', endAt: '2026-12-04T00:00:00Z' }, LIMITS, NOW), 'body.endAt', /before startAt/);
  });

  it('applies a PATCH on top: every replaces cron (and its zone), null clears', () => {
    const before = definitionOf({ alias: 'a', cron: '0 9 * * *', timezone: 'Europe/Paris', limit: 5, args: [1] }, LIMITS, NOW);
    const after = patchedDefinition(before, { every: '1h', limit: null }, LIMITS, NOW);
    expect(after.settings).toMatchObject({ every: '1h', cron: null, timezone: 'UTC', limit: null });
    expect(after.template.args).toEqual([1]);
    expect(patchedDefinition(before, { args: null }, LIMITS, NOW).template.args).toBeNull();
    expect(patchedDefinition(before, { timezone: 'Asia/Tokyo' }, LIMITS, NOW).settings).toMatchObject({ cron: '0 9 * * *', timezone: 'Asia/Tokyo' });
    fails(() => patchedDefinition(before, { every: '1h', cron: '* * * * *' }, LIMITS, NOW), 'body.every', /not both/);
  });
});

describe('temporalSpecOf', () => {
  const base = { every: null, cron: null, timezone: 'UTC', startAt: null, endAt: null };

  it('aligns an interval to the epoch, or to startAt', () => {
    expect(temporalSpecOf({ ...base, every: '1h' }, 1e9)).toEqual({ intervals: [{ every: '3600s', offset: '0s' }] });
    const startAt = '2026-12-02T10:17:30.000Z';
    expect(temporalSpecOf({ ...base, every: '1h', startAt }, 1e9)).toEqual({
      intervals: [{ every: '3600s', offset: `${(Date.parse(startAt) / 1000) % 3600}s` }],
      startAt: new Date(startAt),
    });
  });

  it('gives the cron in Temporal\'s form with its zone', () => {
    expect(temporalSpecOf({ ...base, cron: '30 2 * * *', timezone: 'America/New_York', endAt: '2031-01-01T00:00:00.000Z' }, 1e9)).toEqual({
      cronExpressions: ['0 30 2 * * * *'],
      timezone: 'America/New_York',
      endAt: new Date('2031-01-01T00:00:00.000Z'),
    });
  });
});

describe('schedule ids and fingerprints', () => {
  it('takes the client\'s id, else one derived from the Idempotency-Key, else a UUID', () => {
    expect(scheduleIdOf('orders', { alias: 'a', every: '1m', scheduleId: 'mine' }, 'key')).toBe('mine');
    const derived = scheduleIdOf('orders', { alias: 'a', every: '1m' }, 'key-1');
    expect(derived).toBe(scheduleIdOf('orders', { alias: 'a', every: '1m' }, 'key-1'));
    expect(derived).not.toBe(scheduleIdOf('other', { alias: 'a', every: '1m' }, 'key-1'));
    expect(derived).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/);
    expect(scheduleIdOf('orders', { alias: 'a', every: '1m' }, undefined)).not.toBe(scheduleIdOf('orders', { alias: 'a', every: '1m' }, undefined));
  });

  it('compares bodies as sent, whatever the key order', () => {
    expect(fingerprintOf({ alias: 'a', every: '1m', args: { x: 1, y: 2 } })).toBe(fingerprintOf({ every: '1m', args: { y: 2, x: 1 }, alias: 'a' }));
    expect(fingerprintOf({ alias: 'a', every: '1m' })).not.toBe(fingerprintOf({ alias: 'a', every: '2m' }));
  });
});
