/**
 * /metrics after real traffic: registrations, idempotent replays, cancels,
 * reschedules, fires, attempts by outcome, final statuses, the fire-lateness
 * histogram, HTTP latency per route, and Node's default process metrics.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';
import { parseMetrics } from '../helpers/metrics.js';

const app = uniqueName('metrics');
let stack: TestStack;
beforeAll(async () => {
  // A namespace of its own: in the shared one, another test file's service worker (another process,
  // another registry) may run these workflows, and their fires would count there.
  stack = await startTestStack({ defaultMetrics: true, env: { TEMPORAL_NAMESPACE: inject('metricsNamespace') } });
});
afterAll(async () => stack?.close());

async function scrape(): Promise<{ text: string; samples: Map<string, number> }> {
  const response = await fetch(`${stack.baseUrl}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  const text = await response.text();
  return { text, samples: parseMetrics(text) };
}

describe('/metrics', () => {
  it('counts what happened to real callbacks', async () => {
    const before = await scrape();
    expect(before.samples.get(`delay_callback_fires_total{app="${app}"}`)).toBeUndefined();

    const client = stack.client(app);
    client.define('ok', async () => true);
    client.define('nope', async () => false);
    await client.start();

    const fired = await client.register({ alias: 'ok', delaySeconds: 0 });
    const keyed = { alias: 'ok', delaySeconds: 3600, idempotencyKey: 'metrics-key-1' };
    const first = await client.register(keyed);
    const replay = await stack.http('POST', `/v1/apps/${app}/callbacks`, keyed);
    expect(replay.status).toBe(200);
    expect(replay.body.uid).toBe(first.uid);
    await client.unregister(first.uid);
    const moved = await client.register({ alias: 'ok', delaySeconds: 3600 });
    await client.reschedule(moved.uid, { delaySeconds: 1 });
    const failing = await client.register({ alias: 'nope', delaySeconds: 0, retry: null });

    for (const [uid, status] of [[fired.uid, 'succeeded'], [moved.uid, 'succeeded'], [failing.uid, 'failed']] as const) {
      await waitFor(`${uid} ${status}`, async () => (await client.get(uid)).status === status, { timeoutMs: 20_000, intervalMs: 200 });
    }
    // The workflows report through the worker's sinks as they finish: give the last report a moment.
    const { text, samples } = await waitFor('final metrics', async () => {
      const scraped = await scrape();
      return scraped.samples.get(`delay_callback_finished_total{app="${app}",status="failed"}`) === 1 ? scraped : undefined;
    }, { timeoutMs: 10_000, intervalMs: 200 });

    const value = (sample: string): number | undefined => samples.get(sample);
    expect(value(`delay_callback_registrations_total{app="${app}",replayed="false"}`)).toBe(4);
    expect(value(`delay_callback_registrations_total{app="${app}",replayed="true"}`)).toBe(1);
    expect(value(`delay_callback_cancels_total{app="${app}"}`)).toBe(1);
    expect(value(`delay_callback_reschedules_total{app="${app}"}`)).toBe(1);
    expect(value(`delay_callback_fires_total{app="${app}"}`)).toBe(3);
    expect(value(`delay_callback_attempts_total{app="${app}",outcome="succeeded"}`)).toBe(2);
    expect(value(`delay_callback_attempts_total{app="${app}",outcome="HANDLER_RETURNED_FALSE"}`)).toBe(1);
    expect(value(`delay_callback_finished_total{app="${app}",status="succeeded"}`)).toBe(2);
    expect(value(`delay_callback_finished_total{app="${app}",status="failed"}`)).toBe(1);
    expect(value(`delay_callback_finished_total{app="${app}",status="cancelled"}`)).toBe(1);

    // Fire lateness: one observation per fire, each the lateness the callback itself records.
    expect(value(`delay_callback_fire_lateness_seconds_count{app="${app}"}`)).toBe(3);
    expect(value(`delay_callback_fire_lateness_seconds_bucket{le="+Inf",app="${app}"}`)).toBe(3);
    const recorded = await Promise.all([fired.uid, moved.uid, failing.uid].map(async (uid) => (await client.get(uid)).latenessMs));
    expect(recorded.every((ms) => typeof ms === 'number' && ms >= 0)).toBe(true);
    const recordedSeconds = recorded.reduce<number>((sum, ms) => sum + ms! / 1000, 0);
    expect(value(`delay_callback_fire_lateness_seconds_sum{app="${app}"}`)).toBeCloseTo(recordedSeconds, 6);

    // HTTP latency by route pattern and status.
    const registered = value('delay_callback_http_request_duration_seconds_count{method="POST",route="/v1/apps/:app/callbacks",status_code="201"}');
    expect(registered).toBeGreaterThanOrEqual(4);
    expect(value('delay_callback_http_request_duration_seconds_count{method="POST",route="/v1/apps/:app/callbacks",status_code="200"}')).toBeGreaterThanOrEqual(1);
    expect(text).toContain('delay_callback_http_request_duration_seconds_bucket{le="0.005",method="POST",route="/v1/apps/:app/callbacks",status_code="201"}');

    // Node's default process metrics.
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
      expect(samples.has(name), name).toBe(true);
    }
    console.log(
      `[metrics] fire lateness of ${app}: ${((value(`delay_callback_fire_lateness_seconds_sum{app="${app}"}`) ?? 0) / 3 * 1000).toFixed(1)} ms on average over 3 fires`,
    );
  });

  it('keeps label cardinality bounded: unknown paths count as one route', async () => {
    for (const path of ['/nope-1', '/nope-2', '/nope-3']) await (await fetch(`${stack.baseUrl}${path}`)).arrayBuffer();
    const { text } = await scrape();
    expect(text).not.toContain('nope-1');
  });
});
