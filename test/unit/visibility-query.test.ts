import { describe, expect, it } from 'vitest';
import { decodePageToken, encodePageToken, listQuery, overdueQuery, pageTokenTime, statusCondition } from '../../server/callbacks/visibility-query.js';
import { ServiceError } from '../../server/errors.js';

describe('visibility queries', () => {
  it('scopes every listing to the workflow type and the app', () => {
    expect(listQuery('orders')).toBe("WorkflowType = 'delayCallback' AND CallbackApp = 'orders'");
  });

  it('adds each filter', () => {
    const query = listQuery(
      'orders',
      {
        status: 'retrying',
        alias: 'expire',
        triggerAfter: Date.parse('2026-01-01T00:00:00Z'),
        triggerBefore: Date.parse('2026-02-01T00:00:00Z'),
      },
      Date.parse('2026-01-15T00:00:00Z'),
    );
    expect(query).toContain("CallbackStatus = 'retrying' AND ExecutionStatus = 'Running'");
    expect(query).toContain("CallbackAlias = 'expire'");
    expect(query).toContain("CallbackTriggerAt >= '2026-01-01T00:00:00.000Z'");
    expect(query).toContain("CallbackTriggerAt < '2026-02-01T00:00:00.000Z'");
  });

  it('counts workflows terminated from outside as failed, and those cancelled through Temporal as cancelled', () => {
    expect(statusCondition('failed')).toBe(
      "((CallbackStatus = 'failed' AND ExecutionStatus NOT IN ('Terminated', 'TimedOut', 'Canceled')) OR ExecutionStatus IN ('Terminated', 'TimedOut'))",
    );
    expect(statusCondition('cancelled')).toBe(
      "((CallbackStatus = 'cancelled' AND ExecutionStatus NOT IN ('Terminated', 'TimedOut', 'Canceled')) OR ExecutionStatus = 'Canceled')",
    );
    expect(statusCondition('succeeded')).toBe("(CallbackStatus = 'succeeded' AND ExecutionStatus NOT IN ('Terminated', 'TimedOut', 'Canceled'))");
  });

  it('reads scheduled by the time: past its trigger, a callback whose first attempt runs is running', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(statusCondition('scheduled', now)).toBe(
      "CallbackStatus = 'scheduled' AND CallbackTriggerAt > '2026-01-01T12:00:00.000Z' AND ExecutionStatus = 'Running'",
    );
    expect(statusCondition('running', now)).toBe(
      "(CallbackStatus = 'running' OR (CallbackStatus = 'scheduled' AND CallbackTriggerAt <= '2026-01-01T12:00:00.000Z')) AND ExecutionStatus = 'Running'",
    );
  });

  it('finds overdue callbacks among the open ones', () => {
    const query = overdueQuery('orders', Date.parse('2026-01-01T00:01:00Z'), 60_000);
    expect(query).toContain("CallbackStatus IN ('scheduled', 'running')");
    expect(query).toContain("CallbackTriggerAt < '2026-01-01T00:00:00.000Z'");
  });
});

describe('page tokens', () => {
  const query = listQuery('orders');
  const temporalToken = new Uint8Array([1, 2, 3, 250]);

  it('round-trip Temporal\'s token for the same listing', () => {
    expect([...decodePageToken(query, encodePageToken(query, temporalToken))]).toEqual([...temporalToken]);
  });

  it('keep the moment of the first page, so every page of a listing reads statuses as of it', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    const token = encodePageToken(query, temporalToken, now);
    expect(pageTokenTime(token)).toBe(now);
    expect([...decodePageToken(query, token)]).toEqual([...temporalToken]);
    expect(pageTokenTime(encodePageToken(query, temporalToken))).toBeUndefined();
    expect(pageTokenTime('garbage')).toBeUndefined();
  });

  it.each([
    ['garbage', 'not base64 json'],
    ['empty json', Buffer.from('{}').toString('base64url')],
    ['another listing', encodePageToken(listQuery('orders', { status: 'failed' }), temporalToken)],
    ['another app', encodePageToken(listQuery('billing'), temporalToken)],
  ])('refuse %s with VALIDATION_FAILED', (_name, token) => {
    const error = (() => {
      try {
        decodePageToken(query, token);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).code).toBe('VALIDATION_FAILED');
  });
});
