import { describe, expect, it } from 'vitest';
import type { RetryStrategy } from '../../workflows/contract.js';
import { delayBeforeRetrySeconds } from '../../workflows/retry-schedule.js';

const strategy = (backoff: RetryStrategy['backoff'], intervalSeconds = 10, maxIntervalSeconds = 86_400): RetryStrategy => ({
  maxAttempts: 10,
  backoff,
  intervalSeconds,
  maxIntervalSeconds,
});

describe('delayBeforeRetrySeconds (the original design formulas)', () => {
  it('fixed = interval for every retry', () => {
    expect([1, 2, 3, 9].map((n) => delayBeforeRetrySeconds(strategy('fixed'), n))).toEqual([10, 10, 10, 10]);
  });

  it('linear = n x interval', () => {
    expect([1, 2, 3, 4].map((n) => delayBeforeRetrySeconds(strategy('linear', 5), n))).toEqual([5, 10, 15, 20]);
  });

  it('exponential = 2^(n-1) x interval', () => {
    expect([1, 2, 3, 4, 5].map((n) => delayBeforeRetrySeconds(strategy('exponential', 10), n))).toEqual([10, 20, 40, 80, 160]);
  });

  it('is always capped at maxIntervalSeconds', () => {
    expect(delayBeforeRetrySeconds(strategy('exponential', 10, 30), 3)).toBe(30);
    expect(delayBeforeRetrySeconds(strategy('linear', 10, 25), 3)).toBe(25);
    expect(delayBeforeRetrySeconds(strategy('fixed', 10, 10), 50)).toBe(10);
  });

  it('caps huge exponents instead of overflowing', () => {
    expect(delayBeforeRetrySeconds(strategy('exponential', 10, 86_400), 999)).toBe(86_400);
  });

  it('keeps fractional intervals', () => {
    expect(delayBeforeRetrySeconds(strategy('exponential', 0.5), 3)).toBe(2);
  });

  it('rejects retry numbers below 1', () => {
    expect(() => delayBeforeRetrySeconds(strategy('fixed'), 0)).toThrow(RangeError);
    expect(() => delayBeforeRetrySeconds(strategy('fixed'), 1.5)).toThrow(RangeError);
  });
});
