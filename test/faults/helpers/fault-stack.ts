/**
 * One scenario's whole deployment, every part a real process of its own:
 * the Temporal dev server on a SQLite file (restartable on the same file and
 * port), a Redis child (restartable on the same port), the facade
 * (`server/main.ts`, RUN_WORKER=false), the service worker
 * (`server/worker-main.ts`) and the application's SDK workers (the fixture).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import getPort from 'get-port';
import { inject } from 'vitest';
import { DelayCallbackClient } from '../../../client-sdk/index.js';
import type { ManagedChild } from '../../../scripts/lib/managed-child.js';
import { startRedisChild, type RedisHandle } from '../../../scripts/lib/redis-server.js';
import { startTemporalDevServer, type TemporalDevServer } from '../../../scripts/lib/temporal-dev-server.js';
import { waitFor } from '../../../scripts/lib/wait-for.js';
import { AppWorkerProcess } from './app-worker-process.js';
import { killHard, startNodeProcess, tailOf } from './node-process.js';

const host = '127.0.0.1';

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok;
  } catch {
    return false;
  }
}

export class FaultStack {
  private facadeChild: ManagedChild | undefined;
  private serviceWorkerChild: ManagedChild | undefined;
  readonly appWorkers: AppWorkerProcess[] = [];
  private readonly clients: DelayCallbackClient[] = [];
  private readonly children: ManagedChild[] = [];

  private constructor(
    /** Scratch folder: the SQLite file, logs, run records. Removed by close() unless kept. */
    readonly dir: string,
    public temporal: TemporalDevServer,
    readonly redis: RedisHandle,
    readonly temporalClient: Client,
    private readonly connection: Connection,
    private readonly ports: { temporal: number; ui: number; facade: number; worker: number },
    /** More environment for the facade and the service worker (a scenario's settings). */
    private readonly extraEnv: Record<string, string> = {},
  ) {}

  static async start(scenario: string, options: { env?: Record<string, string> } = {}): Promise<FaultStack> {
    const dir = await mkdtemp(join(tmpdir(), `delay-callback-faults-${scenario}-`));
    const temporalPort = await getPort({ host });
    const uiPort = await getPort({ host, exclude: [temporalPort] });
    const facadePort = await getPort({ host, exclude: [temporalPort, uiPort] });
    const workerPort = await getPort({ host, exclude: [temporalPort, uiPort, facadePort] });
    const [temporal, redis] = await Promise.all([
      startTemporalDevServer({ binaryPath: inject('temporalBinary'), port: temporalPort, uiPort, dbFile: join(dir, 'temporal.db'), stdio: 'ignore' }),
      startRedisChild('ignore'),
    ]);
    const connection = await Connection.connect({ address: temporal.address });
    const stack = new FaultStack(dir, temporal, redis, new Client({ connection }), connection, {
      temporal: temporalPort, ui: uiPort, facade: facadePort, worker: workerPort,
    }, options.env);
    try {
      await Promise.all([stack.startFacade(), stack.startServiceWorker()]);
    } catch (err) {
      await stack.close(true);
      throw err;
    }
    return stack;
  }

  /** The facade process now running (replaced by startFacade). */
  get facade(): ManagedChild {
    if (!this.facadeChild) throw new Error('the facade was never started');
    return this.facadeChild;
  }

  /** The service worker process now running (replaced by startServiceWorker). */
  get serviceWorker(): ManagedChild {
    if (!this.serviceWorkerChild) throw new Error('the service worker was never started');
    return this.serviceWorkerChild;
  }

  get facadeUrl(): string {
    return `http://${host}:${this.ports.facade}`;
  }

  /** Environment of our server processes. */
  serverEnv(port: number): Record<string, string> {
    return {
      TEMPORAL_ADDRESS: this.temporal.address,
      TEMPORAL_UI_URL: this.temporal.uiUrl,
      REDIS_URL: this.redis.url,
      REDIS_KEY_PREFIX: 'dc-faults:',
      HOST: host,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      RATE_LIMIT_MAX: '0',
      RUN_WORKER: 'false',
      // Whatever the surrounding shell holds, this deployment runs open.
      DELAY_CALLBACK_TOKENS: '',
      DELAY_CALLBACK_TOKENS_FILE: '',
      DELAY_CALLBACK_ADMIN_TOKEN: '',
      ...this.extraEnv,
    };
  }

  /** Starts the facade on its port and waits until it is ready (Redis and Temporal reachable). */
  async startFacade(): Promise<ManagedChild> {
    const logFile = join(this.dir, 'facade.log');
    const child = startNodeProcess({ name: 'facade', script: 'server/main.ts', env: this.serverEnv(this.ports.facade), logFile });
    this.facadeChild = child;
    await this.untilUp('facade', child, `${this.facadeUrl}/readyz`, logFile);
    return child;
  }

  async startServiceWorker(): Promise<ManagedChild> {
    const logFile = join(this.dir, 'service-worker.log');
    const child = startNodeProcess({
      name: 'service-worker', script: 'server/worker-main.ts', env: this.serverEnv(this.ports.worker), logFile,
    });
    this.serviceWorkerChild = child;
    // Its /healthz answers 200 once the worker polls (after bundling the workflow code).
    await this.untilUp('service worker', child, `http://${host}:${this.ports.worker}/healthz`, logFile);
    return child;
  }

  /** Stops the Temporal server (SIGKILL: a crash, or SIGTERM) and starts it again on the same file and port. */
  async restartTemporal(signal: 'SIGKILL' | 'SIGTERM', downMs: number): Promise<void> {
    await this.temporal.child.stop(signal, 15_000);
    await new Promise((resolve) => setTimeout(resolve, downMs));
    this.temporal = await startTemporalDevServer({
      binaryPath: inject('temporalBinary'),
      port: this.ports.temporal,
      uiPort: this.ports.ui,
      dbFile: join(this.dir, 'temporal.db'),
      stdio: 'ignore',
    });
  }

  /** Starts an SDK worker of `app` (the fixture) recording its handler runs to `runsFile`. */
  async startAppWorker(app: string, runsFile: string, graceMs = 30_000): Promise<AppWorkerProcess> {
    const worker = await AppWorkerProcess.start({
      app, runsFile, graceMs, dir: this.dir, serverUrl: this.facadeUrl, temporalAddress: this.temporal.address,
    });
    this.appWorkers.push(worker);
    return worker;
  }

  /** Another process of the scenario's (say the demo worker), killed by close() if still running. */
  track(child: ManagedChild): ManagedChild {
    this.children.push(child);
    return child;
  }

  /** The application's HTTP client (the SDK, without a worker). */
  /** An SDK client of `app`; `retries` as the SDK's option (the scenarios that count client retries pass 0). */
  sdk(app: string, retries?: number): DelayCallbackClient {
    const client = new DelayCallbackClient({ app, serverUrl: this.facadeUrl, requestTimeoutMs: 10_000, retries });
    this.clients.push(client);
    return client;
  }

  /** How many requests the running facade has answered with `status` (from its /metrics). */
  async facadeAnswers(status: number): Promise<number> {
    const text = await (await fetch(`${this.facadeUrl}/metrics`)).text();
    return text
      .split('\n')
      .filter((line) => line.startsWith('delay_callback_http_request_duration_seconds_count') && line.includes(`status_code="${status}"`))
      .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
  }

  private async untilUp(what: string, child: ManagedChild, url: string, logFile: string): Promise<void> {
    const died = child.exited.then((code) => {
      throw new Error(`${what} exited (${code}) during start-up:\n${tailOf(logFile)}`);
    });
    died.catch(() => undefined); // once up, a later exit is the scenario's business
    await Promise.race([waitFor(`${what} at ${url}`, () => answers(url), { timeoutMs: 120_000, intervalMs: 200 }), died]);
  }

  /** Stops everything; keeps the scratch folder (logs, database) when `keep` is set, for a post-mortem. */
  async close(keep = false): Promise<void> {
    await Promise.all(this.clients.map((client) => client.stop()));
    await Promise.all([...this.appWorkers.map((worker) => worker.child), ...this.children, this.facadeChild, this.serviceWorkerChild].map(
      (child) => child && killHard(child),
    ));
    await this.connection.close().catch(() => undefined);
    await Promise.all([this.temporal.stop(), this.redis.stop()]);
    if (keep) console.log(`[faults] kept ${this.dir} for inspection`);
    else await rm(this.dir, { recursive: true, force: true });
  }
}
