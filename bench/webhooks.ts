/**
 * `npm run bench:webhooks`: webhook delivery against the SDK path on the same embedded stack
 * (`--stack bench`: the Temporal dev server on a SQLite file, Redis, the facade and the service
 * worker from dist/, as `npm run dev` runs them; the app worker for the SDK path). At each offered
 * rate, the same scenario (bench/lib/scenario.ts) runs on the SDK path, then with every callback
 * delivered as a webhook to a receiver in this process; both sides run every rate (the peak
 * delivered/s needs rates past each side's capacity). Reports the highest rate each sustained and their ratio (issue 15's target:
 * webhooks at least 1.5 times the SDK path), lateness, CPU per callback, and the history events
 * of one callback of each kind. Hold the measurement lock:
 * `flock /tmp/dc-measure.lock npm run bench:webhooks -- [--rates 30,50,...] [--duration S]`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DelayCallbackClient } from '../client-sdk/index.js';
import { callbackWorkflowId } from '../workflows/contract.js';
import { waitFor } from '../scripts/lib/wait-for.js';
import { buildForBench, buildProject } from './lib/build.js';
import { machineInfo } from './lib/environment.js';
import { oursDriver, watchOurProcesses } from './lib/ours.js';
import { sleep } from './lib/pacer.js';
import { printTable } from './lib/report.js';
import { RssSampler } from './lib/rss.js';
import { loadavg, runScenario, type ScenarioParams, type SideDriver, type SideResult } from './lib/scenario.js';
import { setBenchCodeDir, startBenchStack, type BenchStack } from './lib/stack.js';
import type { RateRun } from './lib/sweep.js';
import { startWebhookReceiver, webhookDriver, type WebhookReceiver } from './lib/webhook-side.js';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '15,30,45,60' },
    duration: { type: 'string', default: '20' },
    lead: { type: 'string', default: '3' },
    'lost-wait': { type: 'string', default: '120' },
    out: { type: 'string', default: 'bench/results/webhooks.json' },
  },
});
const RATES = values.rates.split(',').map(Number);
const COOL_DOWN_MS = 3_000;
const log = (line: string): void => console.log(`[bench:webhooks] ${line}`);

async function main(): Promise<number> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const workDir = join(root, 'bench', 'results', 'tmp', `webhooks-${stamp}`);
  await mkdir(workDir, { recursive: true });
  const app = `bench-${randomBytes(3).toString('hex')}`;
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const machine = machineInfo();
  log(`${machine.cpus} x ${machine.cpuModel}, load ${machine.loadavgAtStart.join(' ')}; logs in ${workDir}`);
  buildProject();
  const codeDir = await buildForBench(join(workDir, 'build'));
  setBenchCodeDir(codeDir);
  const env = { WEBHOOK_SIGNING_SECRETS: `*=${secret}`, WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32' };
  const stack = await startBenchStack({ kind: 'bench', workDir, codeDir, env, dynamicConfig: {}, app });
  const receiver = await startWebhookReceiver();
  const sampler = new RssSampler();
  try {
    watchOurProcesses(sampler, stack);
    sampler.start();
    const sdk = await oursDriver(stack, app, sampler);
    const hook = await webhookDriver(stack, app, sampler, receiver);
    const params = (rate: number): ScenarioParams => ({
      rate,
      durationSeconds: Number(values.duration),
      leadSeconds: Number(values.lead),
      stallMs: 15_000,
      lostWaitMs: Number(values['lost-wait']) * 1000,
      maxInFlight: 512,
    });
    for (const driver of [sdk, hook]) {
      // Not recorded: JIT, connections and caches of freshly started processes.
      await runScenario(driver, `warm-up-${driver.system}-${randomBytes(2).toString('hex')}`, { ...params(30), durationSeconds: 4, leadSeconds: 2 });
      await sleep(COOL_DOWN_MS);
    }

    const runs: RateRun[] = [];
    for (const rate of RATES) {
      const run: RateRun = { rate };
      runs.push(run);
      for (const driver of [sdk, hook] as SideDriver[]) {
        sampler.reset();
        run[driver.system] = await runScenario(driver, `${driver.system}-${rate}-${randomBytes(2).toString('hex')}`, params(rate));
        await sleep(COOL_DOWN_MS);
      }
    }
    printTable(runs);

    const sides = (system: 'ours' | 'ours-webhook'): SideResult[] => runs.flatMap((run) => (run[system] ? [run[system]] : []));
    const highest = (system: 'ours' | 'ours-webhook'): number | null =>
      sides(system).filter((side) => side.sustained).reduce<number | null>((best, side) => Math.max(best ?? 0, side.rate), null);
    const peak = (system: 'ours' | 'ours-webhook'): number => Math.max(0, ...sides(system).map((side) => side.deliveredPerSecond));
    const cpuPerCallbackMs = (side: SideResult): number =>
      Math.round((Object.values(side.cpuSeconds).reduce((a, b) => a + b, 0) / Math.max(1, side.fired)) * 1000 * 10) / 10;
    const sustained = { sdk: highest('ours'), webhook: highest('ours-webhook') };
    const ratio = sustained.sdk && sustained.webhook ? Math.round((sustained.webhook / sustained.sdk) * 100) / 100 : null;
    const peakDelivered = { sdk: peak('ours'), webhook: peak('ours-webhook') };
    const events = await historyEvents(stack, app, receiver);
    const headline = {
      highestSustainedRate: sustained,
      webhookOverSdkSustained: ratio,
      webhookOverSdkPeakDelivered: peakDelivered.sdk ? Math.round((peakDelivered.webhook / peakDelivered.sdk) * 100) / 100 : null,
      peakDeliveredPerSecond: peakDelivered,
      target: 'webhook fires/s at least 1.5 x the SDK path',
      targetMet: ratio !== null ? ratio >= 1.5 : null,
      cpuMsPerCallback: Object.fromEntries(runs.map((run) => [run.rate, { sdk: run.ours ? cpuPerCallbackMs(run.ours) : null, webhook: run['ours-webhook'] ? cpuPerCallbackMs(run['ours-webhook']) : null }])),
      historyEventsPerCallback: events,
    };
    console.log(`\n${JSON.stringify(headline, null, 2)}`);
    const out = resolve(root, values.out);
    await mkdir(dirname(out), { recursive: true });
    const result = { kind: 'webhooks', machine, loadavgAtEnd: loadavg(), parameters: { ...values, rates: RATES }, headline, runs, measuredAt: new Date().toISOString() };
    await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
    log(`wrote ${out}`);
    const anomalies = runs.flatMap((run) => [run.ours, run['ours-webhook']]).filter((side) => side && (side.early > 0 || side.duplicates > 0 || side.lost > 0 || side.ghosts > 0));
    return anomalies.length > 0 ? 1 : 0;
  } finally {
    sampler.stop();
    await receiver.close();
    await stack.stop();
  }
}

/** History events of one callback fired, delivered and completed on each path (the cost in Temporal writes). */
async function historyEvents(stack: BenchStack, app: string, receiver: WebhookReceiver): Promise<{ sdk: number; webhook: number }> {
  const http = new DelayCallbackClient({ app, serverUrl: stack.facadeUrl, requestTimeoutMs: 30_000 });
  const connection = await Connection.connect({ address: stack.temporal.address });
  const temporal = new Client({ connection, namespace: stack.temporal.namespace });
  try {
    const count = async (webhook: boolean): Promise<number> => {
      const { uid } = await http.register({ alias: 'bench', args: { run: 'history', seq: 0 }, delaySeconds: 1, ...(webhook ? { webhook: { url: receiver.url } } : {}) });
      const handle = temporal.workflow.getHandle(callbackWorkflowId(app, uid));
      await waitFor(`${uid} closed`, async () => (await handle.describe()).status.name !== 'RUNNING', { timeoutMs: 60_000, intervalMs: 200 });
      return (await handle.fetchHistory()).events?.length ?? 0;
    };
    return { sdk: await count(false), webhook: await count(true) };
  } finally {
    await connection.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
