/** A fire's uid and workflow id map one-to-one; a fire's input is completed from what Temporal tells the run. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, callbackUidOf, callbackWorkflowId, searchAttributes, type DelayCallbackInput, type ScheduleFireInput } from '../../workflows/contract.js';
import { fireTimeOfWorkflowIdSuffix, fireUid, uidOfWorkflowIdSuffix, workflowIdSuffixOf } from '../../workflows/fire-uid.js';
import { fireVisibility, isScheduleFireInput, runInputOf, scheduleActionWorkflowId, temporalScheduleId } from '../../workflows/schedule-fire.js';
import { UID_PATTERN } from '../../shared/schemas/common.js';

const UID = new RegExp(UID_PATTERN);
const at = new Date('2026-12-02T10:00:00Z');

describe('fire uids', () => {
  it('writes the scheduled time without colons, and maps to the id Temporal gives the fire', () => {
    const uid = fireUid('daily-report', at);
    expect(uid).toBe('daily-report-20261202T100000Z');
    expect(UID.test(uid)).toBe(true);
    // Temporal appends "-" + the nominal time in RFC 3339 (UTC, whole seconds) to the action's workflow id.
    const temporalId = `${scheduleActionWorkflowId('orders', 'daily-report')}-2026-12-02T10:00:00Z`;
    expect(callbackWorkflowId('orders', uid)).toBe(temporalId);
    expect(callbackUidOf('orders', temporalId)).toBe(uid);
  });

  it('leaves other uids as they are, both ways', () => {
    const uuid = '3f1c2a9e-4b7d-4d2e-9a51-0c8e6f2b7d10';
    expect(callbackWorkflowId('orders', uuid)).toBe(`callback:orders:${uuid}`);
    expect(callbackUidOf('orders', `callback:orders:${uuid}`)).toBe(uuid);
    expect(workflowIdSuffixOf('report-2026')).toBe('report-2026');
  });

  it('maps only the last timestamp, so a schedule id that ends in one still round-trips', () => {
    const scheduleId = 'x-20261202T100000Z';
    const uid = fireUid(scheduleId, new Date('2026-12-03T00:00:05Z'));
    expect(uid).toBe('x-20261202T100000Z-20261203T000005Z');
    const suffix = workflowIdSuffixOf(uid);
    expect(suffix).toBe('x-20261202T100000Z-2026-12-03T00:00:05Z');
    expect(uidOfWorkflowIdSuffix(suffix)).toBe(uid);
    expect(fireTimeOfWorkflowIdSuffix(suffix)?.toISOString()).toBe('2026-12-03T00:00:05.000Z');
  });

  it('keeps the longest schedule id within the uid pattern', () => {
    expect(UID.test(fireUid('a'.repeat(64), at))).toBe(true);
  });

  it('names the schedule in Temporal apart from callbacks', () => {
    expect(temporalScheduleId('orders', 'daily-report')).toBe('schedule:orders:daily-report');
  });
});

describe('runInputOf', () => {
  const fire: ScheduleFireInput = { app: 'orders', scheduleId: 'daily', alias: 'report', args: [1], retry: DEFAULT_RETRY, attemptTimeoutSeconds: 30 };
  const startTime = new Date('2026-12-02T10:00:00.040Z');
  const workflowId = 'callback:orders:daily-2026-12-02T10:00:00Z';

  it('completes a fire with its uid, its scheduled time and its start', () => {
    const input = runInputOf(fire, { workflowId, scheduledStartTime: at, startTime });
    expect(input).toEqual({ ...fire, uid: 'daily-20261202T100000Z', triggerAt: '2026-12-02T10:00:00.000Z', createdAt: '2026-12-02T10:00:00.040Z' });
    expect(fireVisibility(fire, input)).toEqual([{ key: searchAttributes.triggerAt, value: at }]);
  });

  it('falls back to the time in the workflow id, then to the start', () => {
    expect(runInputOf(fire, { workflowId, scheduledStartTime: undefined, startTime }).triggerAt).toBe('2026-12-02T10:00:00.000Z');
    expect(runInputOf(fire, { workflowId: 'callback:orders:daily', scheduledStartTime: undefined, startTime }).triggerAt).toBe(startTime.toISOString());
  });

  it('leaves a registration untouched and writes nothing more for it', () => {
    const registration: DelayCallbackInput = {
      app: 'orders',
      uid: 'u-1',
      alias: 'a',
      args: null,
      triggerAt: '2026-12-02T09:00:00.000Z',
      createdAt: '2026-12-02T08:00:00.000Z',
      retry: DEFAULT_RETRY,
      attemptTimeoutSeconds: 30,
    };
    expect(isScheduleFireInput(registration)).toBe(false);
    expect(runInputOf(registration, { workflowId: 'callback:orders:u-1', scheduledStartTime: at, startTime })).toBe(registration);
    expect(fireVisibility(registration, registration)).toEqual([]);
  });
});
