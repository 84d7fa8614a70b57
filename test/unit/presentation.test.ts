import { describe, expect, it } from 'vitest';
import { presentState, visibleStatus } from '../../server/callbacks/presentation.js';
import { registeredState, type CallbackState } from '../../workflows/contract.js';

const base = registeredState({
  app: 'orders',
  uid: 'u1',
  alias: 'expire',
  args: null,
  triggerAt: '2026-01-01T12:00:00.000Z',
  createdAt: '2026-01-01T11:00:00.000Z',
  retry: { maxAttempts: 3, backoff: 'fixed', intervalSeconds: 10, maxIntervalSeconds: 10 },
  attemptTimeoutSeconds: 30,
});
const due = Date.parse('2026-01-01T12:00:00.000Z');
const armed: CallbackState = { ...base, pendingAttempt: { attempt: 1, dueAt: '2026-01-01T12:00:00.000Z', handlerStarted: false } };

describe('what GET shows of a dispatched attempt', () => {
  it('is still scheduled before its due time, and running (attempt made) from it on', () => {
    expect(presentState(armed, due - 1)).toMatchObject({ status: 'scheduled', attempts: 0 });
    expect(presentState(armed, due)).toMatchObject({ status: 'running', attempts: 1, nextAttemptAt: null });
  });

  it('is running as soon as its handler is known to have started', () => {
    const started = { ...armed, pendingAttempt: { ...armed.pendingAttempt!, handlerStarted: true } };
    expect(presentState(started, due - 1_000).status).toBe('running');
  });

  it('shows a retry armed before its due time as retrying, with nextAttemptAt', () => {
    const retrying: CallbackState = {
      ...base,
      status: 'retrying',
      attempts: 1,
      nextAttemptAt: '2026-01-01T12:00:10.000Z',
      pendingAttempt: { attempt: 2, dueAt: '2026-01-01T12:00:10.000Z', handlerStarted: false },
    };
    expect(presentState(retrying, due + 5_000)).toMatchObject({ status: 'retrying', attempts: 1, nextAttemptAt: '2026-01-01T12:00:10.000Z' });
    expect(presentState(retrying, due + 10_000)).toMatchObject({ status: 'running', attempts: 2, nextAttemptAt: null });
  });

  it('never shows the internal field, and leaves final states alone', () => {
    expect('pendingAttempt' in presentState(armed, due - 1)).toBe(false);
    expect(presentState({ ...armed, status: 'cancelled' }, due + 1).status).toBe('cancelled');
  });
});

describe('what a visibility record stands for', () => {
  it('reads scheduled past its trigger as running (the first attempt writes no status)', () => {
    expect(visibleStatus('scheduled', due, due - 1)).toBe('scheduled');
    expect(visibleStatus('scheduled', due, due)).toBe('running');
    expect(visibleStatus('retrying', due, due + 1)).toBe('retrying');
  });
});
