/**
 * Records event histories of the current `delayCallback` workflow into test/histories/,
 * one JSON file per scenario, for the replay test (test/integration/replay.test.ts):
 * a change to the workflow that would break callbacks already running or sleeping
 * fails that test.
 *
 *   npx tsx scripts/record-histories.ts           # every scenario into test/histories/ (about 15 s)
 *   npx tsx scripts/record-histories.ts v2        # into test/histories/v2/ instead
 *
 * It runs the real thing: a Temporal dev server, Redis, the facade with its service
 * worker, and an SDK worker whose handlers succeed, fail, return false or outlive the
 * attempt timeout, driven through the HTTP API like an application would. Re-record
 * after a deliberate change only once the old histories replay (see
 * docs/workflow-changes.md): the files committed are what production has.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { DelayCallbackClient } from '../client-sdk/index.js';
import { buildApp } from '../server/app.js';
import { loadConfig } from '../server/config.js';
import { createServiceMetrics } from '../server/metrics.js';
import { createRedisClient } from '../server/redis.js';
import { installTemporalRuntime } from '../server/temporal/runtime.js';
import { superviseServiceWorker } from '../server/worker.js';
import { callbackWorkflowId, cancelSignal } from '../workflows/contract.js';
import { ensureRedis } from './lib/redis-server.js';
import { HISTORY_SCENARIOS, type Api } from './lib/history-scenarios.js';
import { resolveTemporalBinary } from './lib/temporal-binary.js';
import { startTemporalDevServer } from './lib/temporal-dev-server.js';
import { waitFor } from './lib/wait-for.js';

/** test/histories/, or a sub-folder of it given as the argument (to keep an earlier version's histories). */
const OUT_DIR = join(import.meta.dirname, '..', 'test', 'histories', process.argv[2] ?? '');
const APP = 'histories';

installTemporalRuntime('warn');
const binary = await resolveTemporalBinary();
const [server, redisHandle] = await Promise.all([startTemporalDevServer({ binaryPath: binary.path, stdio: 'ignore' }), ensureRedis()]);
const config = loadConfig({
  TEMPORAL_ADDRESS: server.address,
  TEMPORAL_UI_URL: server.uiUrl,
  REDIS_URL: redisHandle.url,
  REDIS_KEY_PREFIX: `record-histories-${Date.now()}:`,
  LOG_LEVEL: 'silent',
  RATE_LIMIT_MAX: '0',
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
await sdk.start();

const api: Api = {
  async call(method, path, body) {
    const response = await app.inject({ method, url: `/v1/apps/${APP}${path}`, payload: body as object | undefined });
    if (response.statusCode >= 300) throw new Error(`${method} ${path}: ${response.statusCode} ${response.body}`);
    return response.json();
  },
  async status(uid) {
    return ((await api.call('GET', `/callbacks/${uid}`)) as { status: string }).status;
  },
  signalCancel: (uid) => temporal.workflow.getHandle(callbackWorkflowId(APP, uid)).signal(cancelSignal, { reason: 'operator' }),
};

const started = Date.now();
try {
  await mkdir(OUT_DIR, { recursive: true });
  const results = await Promise.all(
    HISTORY_SCENARIOS.map(async (scenario) => {
      const uid = await scenario.run(api);
      const final = await waitFor(`${scenario.name} ${scenario.expect}`, async () => {
        const status = await api.status(uid);
        return [scenario.expect, 'succeeded', 'failed', 'cancelled'].includes(status) ? status : undefined;
      }, { timeoutMs: 90_000, intervalMs: 200 });
      if (final !== scenario.expect) throw new Error(`${scenario.name}: reached ${final}, expected ${scenario.expect}`);
      // The CLI's JSON is the standard history format (what `temporal workflow show -o json` and the Web UI export).
      const { stdout } = await promisify(execFile)(
        binary.path,
        ['workflow', 'show', '--workflow-id', callbackWorkflowId(APP, uid), '--output', 'json', '--address', server.address],
        { maxBuffer: 64 * 1024 * 1024 },
      );
      const history = JSON.parse(stdout) as { events: unknown[] };
      await writeFile(join(OUT_DIR, `${scenario.name}.json`), `${JSON.stringify(history, null, 1)}\n`);
      return `${scenario.name}: ${final}, ${history.events.length} events`;
    }),
  );
  for (const line of results) console.log(`recorded ${line}`);
  console.log(`${results.length} histories in ${OUT_DIR} (${Math.round((Date.now() - started) / 1000)} s)`);
} finally {
  await sdk.stop();
  await app.close();
  await worker.stop();
  redis.disconnect();
  await connection.close();
  await Promise.all([server.stop(), redisHandle.stop()]);
}
