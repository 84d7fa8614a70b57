/**
 * Records event histories of the current `delayCallback` workflow into test/histories/,
 * one JSON file per scenario, for the replay test (test/integration/replay.test.ts):
 * a change to the workflow that would break callbacks already running or sleeping
 * fails that test.
 *
 *   npx tsx scripts/record-histories.ts v2        # every scenario into test/histories/v2/ (about a minute)
 *
 * It runs the real thing: a Temporal dev server, Redis, the facade with its service
 * worker, and an SDK worker whose handlers succeed, fail, return false or outlive the
 * attempt timeout (plus a worker that loses every attempt, and an app with none),
 * driven through the HTTP API like an application would. Re-record
 * after a deliberate change only once the old histories replay (see
 * docs/workflow-changes.md): the files committed are what production has.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { NativeConnection, Worker } from '@temporalio/worker';
import pino from 'pino';
import { DelayCallbackClient } from '../client-sdk/index.js';
import { buildApp } from '../server/app.js';
import { loadConfig } from '../server/config.js';
import { createServiceMetrics } from '../server/metrics.js';
import { createRedisClient } from '../server/redis.js';
import { installTemporalRuntime } from '../server/temporal/runtime.js';
import { superviseServiceWorker } from '../server/worker.js';
import { PendingActivityState } from '../server/temporal/enums.js';
import { INVOKE_CALLBACK_ACTIVITY, appTaskQueue, callbackWorkflowId, cancelSignal } from '../workflows/contract.js';
import { ensureRedis } from './lib/redis-server.js';
import { HISTORY_SCENARIOS, LOST_APP, type Api } from './lib/history-scenarios.js';
import { resolveTemporalBinary } from './lib/temporal-binary.js';
import { startTemporalDevServer } from './lib/temporal-dev-server.js';
import { waitFor } from './lib/wait-for.js';

/** The sub-folder of test/histories/ named by the argument: the workflow version recorded. */
if (!process.argv[2]) throw new Error('usage: npx tsx scripts/record-histories.ts <folder in test/histories/, e.g. v2>');
const OUT_DIR = join(import.meta.dirname, '..', 'test', 'histories', process.argv[2]);
const APP = 'histories';

installTemporalRuntime('warn');
const binary = await resolveTemporalBinary();
const [server, redisHandle] = await Promise.all([
  startTemporalDevServer({
    binaryPath: binary.path,
    stdio: 'ignore',
    // Temporal suggests continue-as-new after 60 events here (4096 by default): the continue-as-new
    // scenarios get there in a few reschedules, and every other scenario stays below it.
    dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 60 },
  }),
  ensureRedis(),
]);
const config = loadConfig({
  TEMPORAL_ADDRESS: server.address,
  TEMPORAL_UI_URL: server.uiUrl,
  REDIS_URL: redisHandle.url,
  REDIS_KEY_PREFIX: `record-histories-${Date.now()}:`,
  LOG_LEVEL: 'silent',
  RATE_LIMIT_MAX: '0',
  // One delivery per attempt: the lost-worker scenario ends with WORKER_LOST after one heartbeat timeout.
  WORKER_LOSS_REDELIVERIES: '0',
  // A wide armed window: the armed scenarios act on an attempt held by the worker, on a busy machine too.
  DISPATCH_LEAD_MS: '4000',
});
const connection = await Connection.connect({ address: server.address });
const temporal = new Client({ connection, namespace: config.temporal.namespace });
const redis = createRedisClient(config.redis.url);
const metrics = createServiceMetrics({ defaultMetrics: false });
const worker = superviseServiceWorker(config, { metrics, log: pino({ level: 'warn' }) });
const app = await buildApp(config, { temporal, redis, metrics, workerState: worker.state, logger: false });
await waitFor('service worker running', async () => worker.state() === 'running', { timeoutMs: 60_000 });

const sdk = new DelayCallbackClient({ app: APP, serverUrl: 'http://unused', temporal: { address: server.address } });
sdk.define('ok', () => ({ done: true }));
sdk.define<{ failUntil: number }>('flaky', (request) => {
  if (request.attempt <= request.args.failUntil) throw new Error(`failing attempt ${request.attempt}`);
  return true;
});
sdk.define('refuse', () => false);
// Ignores the abort signal on purpose: the attempt times out, the handler finishes later.
sdk.define<{ ms: number }>('slow', (request) => new Promise((resolve) => setTimeout(() => resolve(true), request.args.ms)));
const gates = new Map<string, () => void>();
sdk.define<{ gate: string }>('gated', (request) => new Promise((resolve) => gates.set(request.args.gate, () => resolve(true))));
await sdk.start();

// A worker of LOST_APP that takes every attempt and never answers nor heartbeats: each delivery is lost.
const lostConnection = await NativeConnection.connect({ address: server.address });
const lostWorker = await Worker.create({
  connection: lostConnection,
  taskQueue: appTaskQueue(LOST_APP),
  // Ends only when the worker shuts down (its cancellation), never on its own.
  activities: { [INVOKE_CALLBACK_ACTIVITY]: () => Context.current().cancelled },
  shutdownGraceTime: 100,
});
const lostRunning = lostWorker.run().catch(() => undefined);

const handle = (uid: string) => temporal.workflow.getHandle(callbackWorkflowId(APP, uid));
const request = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body: unknown, appName = APP) =>
  app.inject({ method, url: `/v1/apps/${appName}${path}`, payload: body as object | undefined });
const api: Api = {
  async call(method, path, body, appName = APP) {
    const response = await request(method, path, body, appName);
    if (response.statusCode >= 300) throw new Error(`${method} ${path}: ${response.statusCode} ${response.body}`);
    return response.json();
  },
  async statusOf(method, path, body) {
    return (await request(method, path, body)).statusCode;
  },
  async status(uid, appName = APP) {
    return ((await api.call('GET', `/callbacks/${uid}`, undefined, appName)) as { status: string }).status;
  },
  signalCancel: (uid) => handle(uid).signal(cancelSignal, { reason: 'operator' }),
  terminate: (uid) => handle(uid).terminate('operator: recorded history').then(() => undefined),
  async armed(uid) {
    await waitFor(`${uid} armed`, async () => {
      const pending = (await handle(uid).describe()).raw.pendingActivities ?? [];
      return pending.some((activity) => activity.state === PendingActivityState.PENDING_ACTIVITY_STATE_STARTED);
    }, { timeoutMs: 30_000, intervalMs: 25 });
  },
  runId: async (uid) => (await handle(uid).describe()).runId,
  async closed(uid) {
    await waitFor(`${uid} closed`, async () => (await handle(uid).describe()).status.name !== 'RUNNING', { timeoutMs: 60_000, intervalMs: 200 });
  },
  async waitForGate(gate) {
    await waitFor(`handler at gate ${gate}`, async () => gates.has(gate), { timeoutMs: 30_000, intervalMs: 25 });
  },
  openGate: (gate) => gates.get(gate)?.(),
};

const started = Date.now();
try {
  await mkdir(OUT_DIR, { recursive: true });
  const settled = await Promise.allSettled(
    HISTORY_SCENARIOS.map(async (scenario) => {
      const ran = await scenario.run(api);
      const { uid, runId } = typeof ran === 'string' ? { uid: ran, runId: undefined } : ran;
      const final = await waitFor(`${scenario.name} ${scenario.expect}`, async () => {
        const status = await api.status(uid, scenario.app);
        return [scenario.expect, 'succeeded', 'failed', 'cancelled'].includes(status) ? status : undefined;
      }, { timeoutMs: 90_000, intervalMs: 200 });
      if (final !== scenario.expect) throw new Error(`${scenario.name}: reached ${final}, expected ${scenario.expect}`);
      // The CLI's JSON is the standard history format (what `temporal workflow show -o json` and the Web UI export).
      const { stdout } = await promisify(execFile)(
        binary.path,
        [
          'workflow', 'show',
          '--workflow-id', callbackWorkflowId(scenario.app ?? APP, uid),
          ...(runId ? ['--run-id', runId] : []),
          '--output', 'json', '--address', server.address,
        ],
        { maxBuffer: 64 * 1024 * 1024 },
      );
      const history = JSON.parse(stdout) as { events: unknown[] };
      await writeFile(join(OUT_DIR, `${scenario.name}.json`), `${JSON.stringify(history, null, 1)}\n`);
      return `${scenario.name}: ${final}, ${history.events.length} events`;
    }),
  );
  const failures = settled.flatMap((outcome, i) => (outcome.status === 'rejected' ? [`${HISTORY_SCENARIOS[i]!.name}: ${String(outcome.reason)}`] : []));
  const results = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  for (const line of results) console.log(`recorded ${line}`);
  if (failures.length > 0) throw new Error(`not recorded:\n${failures.join('\n')}`);
  console.log(`${results.length} histories in ${OUT_DIR} (${Math.round((Date.now() - started) / 1000)} s)`);
} finally {
  for (const open of gates.values()) open();
  lostWorker.shutdown();
  await lostRunning;
  await lostConnection.close();
  await sdk.stop();
  await app.close();
  await worker.stop();
  redis.disconnect();
  await connection.close();
  await Promise.all([server.stop(), redisHandle.stop()]);
}
