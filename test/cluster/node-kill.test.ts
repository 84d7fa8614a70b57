/**
 * Two Temporal server nodes on PostgreSQL behind a TCP balancer; the facade
 * (RUN_WORKER=false), the service worker and an app worker all talk to the balancer.
 * A batch of callbacks is registered with short delays, one node is killed with
 * SIGKILL while registrations are still arriving and timers are pending, and every
 * callback must still fire and succeed, each registered exactly once.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DelayCallbackClient } from '../../client-sdk/index.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { installTemporalRuntime } from '../../server/temporal/runtime.js';
import { percentile, readCallback, registerWithRetry, type Registration } from './lib/registrations.js';
import { startServiceProcess, type ServiceProcess } from './lib/service-processes.js';
import { startTcpBalancer, type TcpBalancer } from './lib/tcp-balancer.js';
import { startTemporalCluster, tail, type TemporalCluster } from './lib/temporal-cluster.js';

const CALLBACKS = Number(process.env.CLUSTER_CALLBACKS ?? 80);
/** Registrations per second: the batch takes CALLBACKS / RATE seconds to register. */
const RATE = 8;
/** Delays spread from 4 s to 4 + DELAY_SPREAD s, so timers are pending on both nodes when one dies. */
const DELAY_SPREAD = 16;
/** Seconds after the first registration at which a node is killed (registrations still arriving). */
const KILL_AFTER_S = 6;
/** A failover takes the dead node's shards over within seconds; a minute is a generous bound. */
const MAX_LATENESS_MS = 60_000;

const APP = `cluster-${Date.now().toString(36)}`;

interface Fire {
  uid: string;
  attempt: number;
  at: number;
}

let dir: string;
let cluster: TemporalCluster | undefined;
let balancer: TcpBalancer | undefined;
let facade: ServiceProcess | undefined;
let serviceWorker: ServiceProcess | undefined;
let appClient: DelayCallbackClient | undefined;
const fires: Fire[] = [];
const registrations: Registration[] = [];
const figures: Record<string, unknown> = {};

async function teardown(): Promise<void> {
  await appClient?.stop().catch(() => undefined);
  await Promise.all([facade?.child.stop('SIGTERM', 10_000), serviceWorker?.child.stop('SIGTERM', 10_000)]);
  await balancer?.close();
  await cluster?.stop();
}

describe('two-node Temporal cluster on PostgreSQL, one node killed mid-run', () => {
  beforeAll(async () => {
    const started = Date.now();
    dir = await mkdtemp(join(tmpdir(), 'delay-callback-cluster-'));
    installTemporalRuntime('warn');
    cluster = await startTemporalCluster({ serverBinary: inject('temporalServerBinary'), sqlTool: inject('temporalSqlTool'), dir });
    balancer = await startTcpBalancer(cluster.nodes.map((node) => node.address));
    const env = {
      TEMPORAL_ADDRESS: balancer.address,
      TEMPORAL_NAMESPACE: cluster.namespace,
      REDIS_URL: inject('clusterRedisUrl'),
      REDIS_KEY_PREFIX: `${APP}:`,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_MAX: '0',
      RUN_WORKER: 'false',
    };
    [facade, serviceWorker] = await Promise.all([
      startServiceProcess({ name: 'facade', script: 'server/main.ts', env, dir, readyPath: '/readyz' }),
      startServiceProcess({ name: 'service-worker', script: 'server/worker-main.ts', env, dir, readyPath: '/healthz' }),
    ]);
    appClient = new DelayCallbackClient({
      app: APP,
      serverUrl: facade.url,
      temporal: { address: balancer.address, namespace: cluster.namespace },
      worker: { shutdownGraceTimeMs: 5_000 },
    });
    appClient.define('tick', (request) => {
      fires.push({ uid: request.uid, attempt: request.attempt, at: Date.now() });
      return true;
    });
    await appClient.start();
    figures.setupSeconds = (Date.now() - started) / 1000;
    console.log(`[cluster] up in ${figures.setupSeconds} s: nodes ${cluster.nodes.map((n) => n.address).join(', ')}, balancer ${balancer.address}, logs in ${dir}`);
  });

  afterAll(async () => {
    await teardown().catch((err: unknown) => console.error('[cluster] teardown failed', err));
    if (process.env.CLUSTER_KEEP_LOGS !== 'true') await rm(dir, { recursive: true, force: true });
  });

  it(`fires all ${CALLBACKS} callbacks exactly as registered although a node dies`, async () => {
    const t0 = Date.now();
    let killedAt = 0;
    const killer = new Promise<void>((resolve, reject) => {
      setTimeout(() => {
        // The node serving most of our processes' connections: their clients must fail over too.
        const victim = [...cluster!.nodes].sort((a, b) => (balancer!.active.get(b.address) ?? 0) - (balancer!.active.get(a.address) ?? 0))[0]!;
        figures.killedNode = victim.name;
        figures.connectionsOnKilledNode = balancer!.active.get(victim.address);
        killedAt = Date.now();
        victim.kill9().then(resolve, reject);
      }, KILL_AFTER_S * 1000);
    });

    const pending: Promise<void>[] = [];
    for (let i = 0; i < CALLBACKS; i++) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, t0 + (i * 1000) / RATE - Date.now())));
      const body = { alias: 'tick', args: { i }, delaySeconds: 4 + (i % (DELAY_SPREAD + 1)), idempotencyKey: `${APP}-key-${i}` };
      pending.push(registerWithRetry(facade!.url, APP, body).then((registration) => void registrations.push(registration)));
    }
    await Promise.all(pending);
    await killer;
    expect(registrations).toHaveLength(CALLBACKS);

    // Every registered callback fires (retrying would show as attempt > 1: none is expected).
    const uids = new Set(registrations.map((r) => r.uid));
    const lastTrigger = Math.max(...registrations.map((r) => Date.parse(r.triggerAt)));
    await waitFor('every callback fired', async () => uids.size > 0 && [...uids].every((uid) => fires.some((f) => f.uid === uid)), {
      timeoutMs: Math.max(0, lastTrigger - Date.now()) + 120_000,
      intervalMs: 250,
    }).catch((err: Error) => {
      const missing = [...uids].filter((uid) => !fires.some((f) => f.uid === uid));
      throw new Error(`${err.message}; ${missing.length} never fired (${missing.slice(0, 5).join(', ')})\nnode-b log:\n${tail(cluster!.nodes[1]!.logFile)}`);
    });

    // Lateness: first delivery minus trigger time, per callback.
    const lateness = registrations
      .map((r) => Math.min(...fires.filter((f) => f.uid === r.uid).map((f) => f.at)) - Date.parse(r.triggerAt))
      .sort((a, b) => a - b);
    const pendingAtKill = registrations.filter((r) => Date.parse(r.triggerAt) > killedAt).length;
    const deliveries = new Map<string, number>();
    for (const fire of fires) deliveries.set(fire.uid, (deliveries.get(fire.uid) ?? 0) + 1);
    Object.assign(figures, {
      callbacks: CALLBACKS,
      killAfterSeconds: (killedAt - t0) / 1000,
      pendingAtKill,
      registrationRetries: registrations.reduce((sum, r) => sum + r.requests - 1, 0),
      lost: [...uids].filter((uid) => !deliveries.has(uid)).length,
      registeredTwice: registrations.filter((r) => r.uids.size > 1).length,
      redeliveries: [...deliveries.values()].reduce((sum, n) => sum + n - 1, 0),
      earliestMs: lateness[0],
      latenessP50Ms: percentile(lateness, 50),
      latenessP90Ms: percentile(lateness, 90),
      latenessMaxMs: lateness.at(-1),
      balancerConnections: Object.fromEntries(balancer!.connections),
    });

    expect(uids.size).toBe(CALLBACKS);
    expect(figures.lost).toBe(0);
    expect(figures.registeredTwice).toBe(0);
    expect(pendingAtKill).toBeGreaterThan(CALLBACKS / 4);
    expect(figures.connectionsOnKilledNode).toBeGreaterThan(0);
    // Never early (the same clock measures both ends).
    expect(lateness[0]).toBeGreaterThanOrEqual(0);
    expect(lateness.at(-1)).toBeLessThan(MAX_LATENESS_MS);
  });

  it('records each callback as one succeeded workflow, with no second workflow for any key', async () => {
    for (const registration of registrations) {
      const callback = await readCallback(facade!.url, APP, registration.uid);
      expect({ uid: registration.uid, status: callback.status, attempts: callback.attempts }).toEqual({
        uid: registration.uid,
        status: 'succeeded',
        attempts: 1,
      });
    }
    // Visibility on the surviving node: exactly one workflow per registration, and no others for the app.
    const connection = await Connection.connect({ address: balancer!.address });
    try {
      const client = new Client({ connection, namespace: cluster!.namespace });
      const query = `CallbackApp = "${APP}"`;
      const ids = await waitFor('visibility caught up', async () => {
        const found: string[] = [];
        for await (const execution of client.workflow.list({ query })) found.push(execution.workflowId);
        return found.length >= CALLBACKS ? found : undefined;
      }, { timeoutMs: 60_000, intervalMs: 1_000 });
      figures.workflows = ids.length;
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.sort()).toEqual(registrations.map((r) => `callback:${APP}:${r.uid}`).sort());
      const succeeded = await waitFor('visibility shows every callback succeeded', async () => {
        const { count } = await client.workflow.count(`${query} AND CallbackStatus = "succeeded"`);
        return count === CALLBACKS ? count : undefined;
      }, { timeoutMs: 60_000, intervalMs: 1_000 }).catch(() => undefined);
      expect(succeeded).toBe(CALLBACKS);
    } finally {
      await connection.close();
    }
  });

  it('drops its databases at the end', async () => {
    const { temporal, visibility, target } = cluster!.databases;
    await teardown();
    cluster = undefined;
    // The SQL tool cannot connect to a database that no longer exists.
    for (const db of [temporal, visibility]) {
      const probe = await promisify(execFile)(
        inject('temporalSqlTool'),
        ['--plugin', 'postgres12', '--ep', target.host, '--port', String(target.port), '--user', target.user, '--db', db, 'setup-schema', '-v', '0.0'],
        { timeout: 30_000, env: { ...process.env, SQL_PASSWORD: target.password } },
      ).then(() => 'connected', (err: Error & { stderr?: string }) => err.stderr ?? err.message);
      expect(probe).toMatch(/does not exist/);
    }
    console.log(`[cluster] figures ${JSON.stringify(figures)}`);
    await mkdir('test-results', { recursive: true });
    await writeFile('test-results/cluster-figures.json', `${JSON.stringify(figures, null, 2)}\n`);
  });
});
