/**
 * The backlog is visible: with no service worker (a namespace none polls) due
 * callbacks cannot start, and with no worker of the app its attempts cannot run.
 * `GET /stats` says so in `backlog`, and /metrics carries the sampled task queue
 * backlog, pollers and the count of due callbacks.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';
import { parseMetrics } from '../helpers/metrics.js';

const app = uniqueName('backlog');
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({
    serviceWorker: false,
    env: { TEMPORAL_NAMESPACE: inject('isolatedNamespace'), BACKLOG_SAMPLE_INTERVAL_MS: '300' },
  });
});
afterAll(async () => stack?.close());

async function scrape(): Promise<Map<string, number>> {
  return parseMetrics(await (await fetch(`${stack.baseUrl}/metrics`)).text());
}

describe('backlog', () => {
  it('stats and /metrics show callbacks due but not started, and an app queue without workers', async () => {
    const empty = await stack.http('GET', `/v1/apps/${app}/stats`);
    expect(empty.status).toBe(200);
    expect(empty.body.backlog).toEqual({ due: 0, oldestDueMs: null, waitingForWorker: 0, oldestWaitingMs: null, pollers: 0 });

    const registeredAt = Date.now();
    for (let i = 0; i < 3; i++) {
      expect((await stack.http('POST', `/v1/apps/${app}/callbacks`, { alias: 'tick', delaySeconds: 0 })).status).toBe(201);
    }
    // Nobody runs these: each is due and not started, or (if some other test's worker polls this
    // namespace meanwhile) its attempt waits in the app's queue, where no worker of the app polls.
    const stats = await waitFor('the due callbacks in stats', async () => {
      const response = await stack.http('GET', `/v1/apps/${app}/stats`);
      const backlog = response.body.backlog as { due: number; waitingForWorker: number };
      return backlog.due + backlog.waitingForWorker >= 3 ? response.body : undefined;
    }, { timeoutMs: 20_000, intervalMs: 250 });
    expect(stats.backlog.pollers).toBe(0);
    const oldest = stats.backlog.due > 0 ? stats.backlog.oldestDueMs : stats.backlog.oldestWaitingMs;
    expect(oldest).toBeGreaterThanOrEqual(0);
    expect(oldest).toBeLessThanOrEqual(Date.now() - registeredAt + 1_000);

    const samples = await waitFor('the backlog gauges', async () => {
      const scraped = await scrape();
      const due = scraped.get('delay_callback_due_callbacks') ?? 0;
      const appQueue = scraped.get(`delay_callback_task_queue_backlog_tasks{task_queue="delay-callback.${app}",type="activity"}`);
      return due + (appQueue ?? 0) >= 3 && appQueue !== undefined ? scraped : undefined;
    }, { timeoutMs: 20_000, intervalMs: 300 });
    expect(samples.get('delay_callback_task_queue_backlog_tasks{task_queue="delay-callback",type="workflow"}')).toBeGreaterThanOrEqual(0);
    expect(samples.get(`delay_callback_task_queue_pollers{task_queue="delay-callback.${app}",type="activity"}`)).toBe(0);
    expect(samples.get('delay_callback_backlog_sampled_timestamp_seconds')).toBeGreaterThan(registeredAt / 1000 - 1);
  });
});
