/**
 * `npm run bench`: lateness, throughput and scale of delay-callback, side by
 * side with BullMQ delayed jobs on the same Redis. Modes: --quick, the default
 * sweep, --pending N. See `npm run bench -- --help` and docs/performance.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { buildForBench } from './lib/build.js';
import { sweepChart } from './lib/chart.js';
import { parseBenchArgs, USAGE } from './lib/cli.js';
import { machineInfo, versions } from './lib/environment.js';
import { pendingChart, printPending, runPending } from './lib/pending.js';
import { printBreakdown, printTable, writeResults } from './lib/report.js';
import { startBenchStack } from './lib/stack.js';
import { DEV_SERVER_DYNAMIC_CONFIG } from '../scripts/lib/temporal-dev-server.js';
import { runSweep } from './lib/sweep.js';
import { anyFatal, correctnessChecks, printChecks, speedChecks, type TargetCheck } from './lib/targets.js';

const root = resolve(import.meta.dirname, '..');

async function main(): Promise<number> {
  let options;
  try {
    options = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return 2;
  }
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const workDir = join(root, 'bench', 'results', 'tmp', `${options.name}-${stamp}`);
  await mkdir(workDir, { recursive: true });
  const machine = machineInfo();
  const app = `bench-${randomBytes(3).toString('hex')}`;
  console.log(`[bench] ${options.mode}: ${machine.cpus} x ${machine.cpuModel}, load ${machine.loadavgAtStart.join(' ')}; logs in ${workDir}`);

  const codeDir = await buildForBench(join(workDir, 'build'));
  const stack = await startBenchStack({ workDir, codeDir, env: options.env, dynamicConfig: options.dynamicConfig, app });
  try {
    const versionInfo = await versions(stack.temporal.address, stack.temporalVersion, stack.redis.url);
    console.log(`[bench] Temporal ${versionInfo.temporalServer} (CLI ${versionInfo.temporalCli}), Redis ${versionInfo.redis}, BullMQ ${versionInfo.bullmq}`);
    const header = {
      kind: options.mode,
      startedAt: startedAt.toISOString(),
      machine,
      versions: versionInfo,
      parameters: {
        ...options,
        outDir: undefined,
        temporalDb: 'SQLite file, journal_mode=WAL, synchronous=NORMAL',
        temporalDynamicConfig: { ...DEV_SERVER_DYNAMIC_CONFIG, ...options.dynamicConfig },
        ourProcesses: 'node <transpiled JS> (as in production), LOG_LEVEL=warn, RATE_LIMIT_MAX=0',
      },
    };
    let checks: TargetCheck[];
    if (options.mode === 'pending') {
      const outcome = await runPending(stack, app, options);
      printPending(outcome);
      checks = outcome.checks;
      printChecks(checks);
      const results = { ...header, finishedAt: new Date().toISOString(), ...outcome, checks };
      const files = await writeResults(options.outDir, options.name, results, pendingChart(outcome, machine));
      console.log(`\n[bench] wrote ${files.join(', ')}`);
    } else {
      const outcome = await runSweep(stack, app, options, workDir);
      printTable(outcome.runs);
      printBreakdown(outcome.runs);
      const all = outcome.runs.flatMap((run) => [run.ours, run.bullmq].filter((side) => side !== undefined));
      console.log(`\nHeadline: highest sustained rate (p99 lateness < 1 s, nothing lost): delay-callback ${outcome.headline.ours ?? 'none'} fires/s, BullMQ ${outcome.headline.bullmq ?? 'none'} fires/s`);
      checks = [...correctnessChecks(all), ...speedChecks(all, outcome.headline.ours, options.mode === 'quick' ? 'quick' : 'sweep')];
      printChecks(checks);
      const results = { ...header, finishedAt: new Date().toISOString(), ...outcome, checks };
      const subtitle = `${machine.cpus} x ${machine.cpuModel}, Node ${machine.node}, Temporal ${versionInfo.temporalServer} dev server (SQLite), ` +
        `load ${machine.loadavgAtStart[0]} -> ${outcome.loadavgAtEnd[0]}`;
      const svg = sweepChart(outcome.runs, `delay-callback vs BullMQ: ${options.durationSeconds} s per rate`, subtitle);
      const files = await writeResults(options.outDir, options.name, results, svg);
      console.log(`\n[bench] wrote ${files.join(', ')}`);
    }
    return anyFatal(checks) ? 1 : 0;
  } finally {
    await stack.stop();
    // The SQLite file can be large (pending mode); the logs stay.
    for (const suffix of ['', '-wal', '-shm']) await rm(`${stack.dbFile}${suffix}`, { force: true });
    await rm(codeDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('[bench] error:', err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
