/**
 * How the workflow reads an attempt that did not complete (workflows/attempt.ts): business failures
 * count, a stand-down does not, and a lost worker is WORKER_LOST, unless a stand-down was pending,
 * when the last heartbeat's phase decides whether the handler may have run.
 */
import { ActivityFailure, ApplicationFailure, CancelledFailure, RetryState, TimeoutFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { classifyAttemptError } from '../../workflows/attempt.js';

const activityFailure = (cause: Error): ActivityFailure =>
  new ActivityFailure('activity failed', 'invokeCallback', '1', RetryState.NON_RETRYABLE_FAILURE, 'worker', cause);
const options = (standDownRequested: boolean) => ({ standDownRequested, assumedStart: '2026-01-01T12:00:00.000Z' });
const heartbeatTimeout = (details?: unknown) => activityFailure(new TimeoutFailure('activity Heartbeat timeout', details, 'HEARTBEAT'));

describe('an attempt that did not complete', () => {
  it('counts a business failure with the start the worker reported', () => {
    const failure = ApplicationFailure.create({ type: 'HANDLER_FAILED', message: 'boom', nonRetryable: true, details: [{ startedAt: '2026-01-01T12:00:00.005Z' }] });
    expect(classifyAttemptError(activityFailure(failure), options(false))).toEqual({
      kind: 'made',
      startedAt: '2026-01-01T12:00:00.005Z',
      error: { code: 'HANDLER_FAILED', message: 'boom' },
    });
  });

  it('is not an attempt when it stood down: cancelled, or ATTEMPT_STOOD_DOWN', () => {
    expect(classifyAttemptError(activityFailure(new CancelledFailure('CANCELLED')), options(true))).toEqual({ kind: 'stood-down' });
    expect(classifyAttemptError(activityFailure(ApplicationFailure.nonRetryable('stood down', 'ATTEMPT_STOOD_DOWN')), options(true))).toEqual({ kind: 'stood-down' });
  });

  it('is ATTEMPT_TIMEOUT when the start-to-close backstop ended it', () => {
    const outcome = classifyAttemptError(activityFailure(new TimeoutFailure('timeout', undefined, 'START_TO_CLOSE')), options(false));
    expect(outcome).toMatchObject({ kind: 'made', error: { code: 'ATTEMPT_TIMEOUT' } });
  });

  it('is WORKER_LOST when every delivery lost its worker', () => {
    expect(classifyAttemptError(heartbeatTimeout({ phase: 'running' }), options(false))).toMatchObject({ kind: 'made', error: { code: 'WORKER_LOST' } });
    const shutdown = activityFailure(ApplicationFailure.retryable('WORKER_SHUTDOWN', 'CancelledFailure'));
    expect(classifyAttemptError(shutdown, options(false))).toMatchObject({ kind: 'made', error: { code: 'WORKER_LOST' } });
  });

  describe('lost while a stand-down was pending', () => {
    it('stood down when the worker never passed its pre-start check', () => {
      expect(classifyAttemptError(heartbeatTimeout(undefined), options(true))).toEqual({ kind: 'stood-down' });
      expect(classifyAttemptError(heartbeatTimeout({ phase: 'armed' }), options(true))).toEqual({ kind: 'stood-down' });
      expect(classifyAttemptError(heartbeatTimeout({ phase: 'standing-down' }), options(true))).toEqual({ kind: 'stood-down' });
      const cutWhileArmed = activityFailure(ApplicationFailure.retryable('cut', 'ARMED_ATTEMPT_CUT', { phase: 'armed' }));
      expect(classifyAttemptError(cutWhileArmed, options(true))).toEqual({ kind: 'stood-down' });
    });

    it('is cut (delivered again) when the handler may have started', () => {
      expect(classifyAttemptError(heartbeatTimeout({ phase: 'checked' }), options(true))).toEqual({ kind: 'cut' });
      expect(classifyAttemptError(heartbeatTimeout({ phase: 'running' }), options(true))).toEqual({ kind: 'cut' });
      // A failure the worker reported without saying where it was: assume the worst.
      expect(classifyAttemptError(activityFailure(ApplicationFailure.retryable('gone', 'CancelledFailure')), options(true))).toEqual({ kind: 'cut' });
    });
  });
});
