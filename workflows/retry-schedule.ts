import type { RetryStrategy } from './contract.js';

/**
 * Seconds to wait before retry `n` (n = 1 is the first retry, i.e. before attempt 2):
 * fixed = interval, linear = n x interval, exponential = 2^(n-1) x interval,
 * always capped at `maxIntervalSeconds`. The original design's formulas, exactly.
 */
export function delayBeforeRetrySeconds(strategy: RetryStrategy, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`retry number must be an integer >= 1, got ${n}`);
  const { backoff, intervalSeconds, maxIntervalSeconds } = strategy;
  let delay: number;
  switch (backoff) {
    case 'fixed':
      delay = intervalSeconds;
      break;
    case 'linear':
      delay = n * intervalSeconds;
      break;
    case 'exponential':
      // 2^(n-1) overflows to Infinity for huge n, which the cap below absorbs.
      delay = 2 ** (n - 1) * intervalSeconds;
      break;
  }
  return Math.min(delay, maxIntervalSeconds);
}
