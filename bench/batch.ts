/**
 * `npm run bench:batch`: registrations per second through bulk registration
 * (`POST …/callbacks/batch`, 1000 items a request) against single requests
 * (`POST …/callbacks`, many in flight), on the stack users run (facade and
 * service worker as processes, Temporal on SQLite, Redis). Each mode registers
 * the same number of callbacks, due far in the future so no fire competes, with
 * and without idempotency keys. Target: batches at least 5 times the single
 * rate; a miss is printed as MISSED, never a failure. Exits non-zero only when a
 * registration was refused or Temporal does not hold exactly what was answered.
 *
 *   npm run bench:batch -- [--total 10000] [--single-concurrency 32] [--batch-concurrency 2]
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import pMap from 'p-map';
import { searchAttributes } from '../workflows/contract.js';
import { waitFor } from '../scripts/lib/wait-for.js';
import { buildForBench, buildProject } from './lib/build.js';
import { machineInfo } from './lib/environment.js';
import { readCpuSeconds } from './lib/rss.js';
import { setBenchCodeDir, startBenchStack, type BenchStack } from './lib/stack.js';

const root = resolve(import.meta.dirname, '..');
const TARGET_RATIO = 5;
const BATCH_SIZE = 1000;

interface ModeResult {
  mode: string;
  keyed: boolean;
  registrations: number;
  requests: number;
  seconds: number;
  perSecond: number;
  refused: number;
  loadavg: number[];
  /** CPU milliseconds per registration of each process (this client included): load-independent cost. */
  cpuMsPerRegistration: Record<string, number>;
}

/** CPU seconds used so far by the processes that take part in a registration. */
function cpuNow(stack: BenchStack): Record<string, number> {
  const usage = process.cpuUsage();
  return {
    client: (usage.user + usage.system) / 1e6,
    facade: readCpuSeconds(stack.pids().facade ?? 0) ?? 0,
    temporal: readCpuSeconds(stack.pids().temporal ?? 0) ?? 0,
  };
}

/** Runs one mode and charges each process's CPU to it. */
async function measured(stack: BenchStack, run: () => Promise<Omit<ModeResult, 'cpuMsPerRegistration'>>): Promise<ModeResult> {
  const before = cpuNow(stack);
  const result = await run();
  const after = cpuNow(stack);
  const perRegistration = Object.fromEntries(
    Object.keys(before).map((name) => [name, Math.round((((after[name] ?? 0) - (before[name] ?? 0)) * 1000 * 100) / result.registrations) / 100]),
  );
  return { ...result, cpuMsPerRegistration: perRegistration };
}

const { values } = parseArgs({
  options: {
    total: { type: 'string', default: '10000' },
    'single-concurrency': { type: 'string', default: '32' },
    'batch-concurrency': { type: 'string', default: '2' },
  },
});
const total = Number(values.total);
const singleConcurrency = Number(values['single-concurrency']);
const batchConcurrency = Number(values['batch-concurrency']);
if (!(total >= BATCH_SIZE && total % BATCH_SIZE === 0) || !(singleConcurrency >= 1) || !(batchConcurrency >= 1)) {
  console.error('--total must be a multiple of 1000; concurrencies at least 1');
  process.exit(2);
}

const load = (): number[] => loadavg().map((value) => Math.round(value * 100) / 100);
const body = (i: number, key: string | undefined) => ({
  alias: 'bench-noop',
  args: { n: i, note: 'bulk registration bench' },
  delaySeconds: 86_400 + (i % 3_600),
  ...(key === undefined ? {} : { idempotencyKey: `${key}:${i}` }),
});

async function post(url: string, payload: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(payload) });
  return { status: response.status, json: await response.json() };
}

async function runSingle(facadeUrl: string, app: string, keyed: boolean, count = total): Promise<Omit<ModeResult, 'cpuMsPerRegistration'>> {
  const key = keyed ? `single-${randomBytes(4).toString('hex')}` : undefined;
  const url = `${facadeUrl}/v1/apps/${app}/callbacks`;
  let refused = 0;
  const started = performance.now();
  await pMap(
    Array.from({ length: count }, (_, i) => i),
    async (i) => {
      const { status } = await post(url, body(i, key));
      if (status !== 201) refused++;
    },
    { concurrency: singleConcurrency },
  );
  const seconds = (performance.now() - started) / 1000;
  return { mode: `single (${singleConcurrency} in flight)`, keyed, registrations: count, requests: count, seconds, perSecond: count / seconds, refused, loadavg: load() };
}

async function runBatches(facadeUrl: string, app: string, keyed: boolean): Promise<Omit<ModeResult, 'cpuMsPerRegistration'>> {
  const key = keyed ? `batch-${randomBytes(4).toString('hex')}` : undefined;
  const url = `${facadeUrl}/v1/apps/${app}/callbacks/batch`;
  let refused = 0;
  const started = performance.now();
  await pMap(
    Array.from({ length: total / BATCH_SIZE }, (_, b) => b),
    async (b) => {
      const items = Array.from({ length: BATCH_SIZE }, (_, j) => body(b * BATCH_SIZE + j, undefined));
      const { status, json } = await post(url, { items }, key === undefined ? {} : { 'idempotency-key': `${key}:${b}` });
      if (status !== 200) throw new Error(`a batch was answered ${status}: ${JSON.stringify(json).slice(0, 300)}`);
      refused += (json.items as Array<{ status: number }>).filter((item) => item.status !== 201).length;
    },
    { concurrency: batchConcurrency },
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    mode: `batch of ${BATCH_SIZE} (${batchConcurrency} in flight)`,
    keyed,
    registrations: total,
    requests: total / BATCH_SIZE,
    seconds,
    perSecond: total / seconds,
    refused,
    loadavg: load(),
  };
}

async function main(): Promise<number> {
  const machine = machineInfo();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const workDir = join(root, 'bench', 'results', 'tmp', `batch-${stamp}`);
  await mkdir(workDir, { recursive: true });
  const app = `bench-batch-${randomBytes(3).toString('hex')}`;
  console.log(`[bench:batch] ${total} registrations per mode; ${machine.cpus} x ${machine.cpuModel}, load ${machine.loadavgAtStart.join(' ')}; logs in ${workDir}`);
  buildProject();
  const codeDir = await buildForBench(join(workDir, 'build'));
  setBenchCodeDir(codeDir);
  const stack = await startBenchStack({ kind: 'bench', workDir, codeDir, env: {}, dynamicConfig: {}, app });
  const connection = await Connection.connect({ address: stack.temporal.address });
  const temporal = new Client({ connection });
  try {
    // Warm-up: connections, JIT, the first workflow of the app.
    await runSingle(stack.facadeUrl, `${app}-warmup`, false, 500).catch(() => undefined);
    const results: ModeResult[] = [];
    const report = (r: ModeResult): void => {
      results.push(r);
      console.log(
        `[bench:batch] ${r.mode.padEnd(26)} ${r.keyed ? 'keyed  ' : 'unkeyed'} ${r.perSecond.toFixed(0).padStart(6)} registrations/s ` +
          `(${r.registrations} in ${r.seconds.toFixed(1)} s, ${r.requests} requests, ${r.refused} refused; load ${r.loadavg.join(' ')}); ` +
          `CPU ms per registration: ${Object.entries(r.cpuMsPerRegistration).map(([name, ms]) => `${name} ${ms}`).join(', ')}`,
      );
    };
    for (const keyed of [false, true]) {
      // Interleaved, so a change in the machine's load hits both modes alike.
      report(await measured(stack, () => runSingle(stack.facadeUrl, app, keyed)));
      report(await measured(stack, () => runBatches(stack.facadeUrl, app, keyed)));
    }
    let ok = results.every((r) => r.refused === 0);
    for (const keyed of [false, true]) {
      const [single, batch] = results.filter((r) => r.keyed === keyed);
      const ratio = (batch?.perSecond ?? 0) / (single?.perSecond ?? 1);
      const cpu = (r: ModeResult | undefined): number => Object.values(r?.cpuMsPerRegistration ?? {}).reduce((a, b) => a + b, 0);
      console.log(
        `[bench:batch] ${keyed ? 'keyed' : 'unkeyed'}: batch / single = ${ratio.toFixed(2)}x ${ratio >= TARGET_RATIO ? 'met' : `MISSED (target ${TARGET_RATIO}x)`}; ` +
          `CPU per registration, all processes: single ${cpu(single).toFixed(2)} ms, batch ${cpu(batch).toFixed(2)} ms (${(cpu(single) / Math.max(cpu(batch), 0.01)).toFixed(2)}x less)`,
      );
    }
    // Nothing lost, nothing twice: Temporal holds exactly the registrations answered 201.
    const expected = results.reduce((sum, r) => sum + r.registrations - r.refused, 0);
    const query = `${searchAttributes.app.name} = '${app}'`;
    const count = await waitFor('visibility to show every registration', async () => {
      const { count: seen } = await temporal.workflow.count(query);
      return seen >= expected ? seen : undefined;
    }, { timeoutMs: 120_000, intervalMs: 1_000 }).catch(async () => (await temporal.workflow.count(query)).count);
    console.log(`[bench:batch] Temporal holds ${count} callbacks of ${app}; ${expected} were answered 201`);
    if (count !== expected) ok = false;
    const outFile = join(workDir, 'batch.json');
    await writeFile(outFile, `${JSON.stringify({ machine, total, singleConcurrency, batchConcurrency, results, temporalCount: count }, null, 2)}\n`);
    console.log(`[bench:batch] results in ${outFile}`);
    return ok ? 0 : 1;
  } finally {
    await connection.close();
    await stack.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
