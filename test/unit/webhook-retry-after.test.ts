/** Retry-After (seconds or HTTP date) and where it puts the next attempt, within the strategy's cap. */
import { describe, expect, it } from 'vitest';
import { retryAfterMs } from '../../activities/webhook/retry-after.js';
import { callbackWorkflowId, type RetryStrategy } from '../../workflows/contract.js';
import { nextWebhookAttemptAt } from '../../workflows/webhook-attempt.js';
import { webhookMessageId } from '../../workflows/webhook-contract.js';

const NOW = Date.parse('2026-11-27T10:00:00.000Z');

describe('retryAfterMs', () => {
  it('reads delay-seconds', () => {
    expect(retryAfterMs('120', NOW)).toBe(120_000);
    expect(retryAfterMs(' 0 ', NOW)).toBe(0);
    expect(retryAfterMs(['30', '60'], NOW)).toBe(30_000);
  });

  it('reads an HTTP date (IMF-fixdate, RFC 850, asctime); a past one is 0', () => {
    expect(retryAfterMs('Fri, 27 Nov 2026 10:01:30 GMT', NOW)).toBe(90_000);
    expect(retryAfterMs('Friday, 27-Nov-26 10:01:30 GMT', NOW)).toBe(90_000);
    expect(retryAfterMs('Fri Nov 27 10:01:30 2026', NOW)).not.toBeNull();
    expect(retryAfterMs('Fri, 27 Nov 2026 09:00:00 GMT', NOW)).toBe(0);
  });

  it.each([undefined, '', 'soon', '-5', '1.5', '2026-11-27T10:01:30Z', '12abc'])('ignores %j', (value) => {
    expect(retryAfterMs(value, NOW)).toBeNull();
  });
});

describe('nextWebhookAttemptAt', () => {
  const retry: RetryStrategy = { maxAttempts: 5, backoff: 'fixed', intervalSeconds: 10, maxIntervalSeconds: 300 };
  const strategyAt = NOW + 10_000;

  it('keeps the strategy time without Retry-After, or with an earlier one', () => {
    expect(nextWebhookAttemptAt(strategyAt, null, NOW, retry)).toBe(strategyAt);
    expect(nextWebhookAttemptAt(strategyAt, new Date(NOW + 1_000).toISOString(), NOW, retry)).toBe(strategyAt);
  });

  it('waits for a later Retry-After, up to the strategy cap', () => {
    expect(nextWebhookAttemptAt(strategyAt, new Date(NOW + 60_000).toISOString(), NOW, retry)).toBe(NOW + 60_000);
    expect(nextWebhookAttemptAt(strategyAt, new Date(NOW + 3_600_000).toISOString(), NOW, retry)).toBe(NOW + 300_000);
  });
});

describe('webhook-id', () => {
  it("is the callback's workflow id", () => {
    expect(webhookMessageId('orders', 'u-1')).toBe(callbackWorkflowId('orders', 'u-1'));
  });
});
