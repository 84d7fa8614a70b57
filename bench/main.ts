/**
 * `npm run bench`: lateness, throughput and scale of delay-callback as users run it,
 * side by side with the bare-Temporal baseline and BullMQ delayed jobs in the same run.
 * Modes: --quick, the default sweep, --pending N; stacks: --stack bench (default) or dev.
 * See `npm run bench -- --help` and docs/performance.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CONFIG_VARIABLES } from '../server/config.js';
import { DEV_SERVER_DYNAMIC_CONFIG } from '../scripts/lib/temporal-dev-server.js';
import { buildForBench, buildProject } from './lib/build.js';
import { sweepChart } from './lib/chart.js';
import { parseBenchArgs, USAGE, type BenchOptions } from './lib/cli.js';
import { machineInfo, versions } from './lib/environment.js';
import { pendingChart, printPending, runPending } from './lib/pending.js';
import { printBreakdown, printHeadline, printTable, SYSTEMS, writeResults } from './lib/report.js';
import { setBenchCodeDir, startBenchStack } from './lib/stack.js';
import { runSweep } from './lib/sweep.js';
import { anyFatal, correctnessChecks, printChecks, speedChecks, type TargetCheck } from './lib/targets.js';

const root = resolve(import.meta.dirname, '..');

/** How the default series of ours is configured for pre-dispatch (DISPATCH_LEAD_MS), for the report. */
function leadLabel(options: BenchOptions): string {
  const set = options.env.DISPATCH_LEAD_MS;
  if (set !== undefined) return `DISPATCH_LEAD_MS=${set} (--set)`;
  const variable = CONFIG_VARIABLES.find((v) => v.name === 'DISPATCH_LEAD_MS');
  return variable ? `DISPATCH_LEAD_MS default (${variable.default ?? 'unset'})` : 'no pre-dispatch in this version';
}

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
  const workDir = join(root, 'bench', 'results', 'tmp', `${options.name}-${options.stack}-${stamp}`);
  await mkdir(workDir, { recursive: true });
  const machine = machineInfo();
  const app = `bench-${randomBytes(3).toString('hex')}`;
  console.log(`[bench] ${options.mode} on --stack ${options.stack}: ${machine.cpus} x ${machine.cpuModel}, load ${machine.loadavgAtStart.join(' ')}; logs in ${workDir}`);

  if (options.stack === 'bench') buildProject(); // --stack dev: npm run dev builds, as it does for users
  const codeDir = await buildForBench(join(workDir, 'build'));
  setBenchCodeDir(codeDir);
  const stack = await startBenchStack({ kind: options.stack, workDir, codeDir, env: options.env, dynamicConfig: options.dynamicConfig, app, ...(options.dataDir ? { dataDir: options.dataDir } : {}) });
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
        ourProcesses:
          options.stack === 'dev'
            ? 'npm run dev itself (compiled JavaScript; facade RUN_WORKER=false, service worker, demo worker), RATE_LIMIT_MAX=0'
            : 'node dist/ as npm run dev runs it (facade RUN_WORKER=false, service worker), default settings but RATE_LIMIT_MAX=0',
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
      const outcome = await runSweep(stack, app, options, workDir, codeDir, leadLabel(options));
      printTable(outcome.runs);
      printBreakdown(outcome.runs);
      printHeadline(outcome.headline, outcome.leadSeries);
      const all = outcome.runs.flatMap((run) => SYSTEMS.flatMap((system) => (run[system] ? [run[system]] : [])));
      checks = [...correctnessChecks(all), ...speedChecks(all, outcome.headline)];
      printChecks(checks);
      const results = { ...header, finishedAt: new Date().toISOString(), ...outcome, checks };
      const subtitle =
        `${machine.cpus} x ${machine.cpuModel}, Node ${machine.node}, Temporal ${versionInfo.temporalServer} dev server (SQLite), ` +
        `--stack ${options.stack}, load ${machine.loadavgAtStart[0]} -> ${outcome.loadavgAtEnd[0]}`;
      const svg = sweepChart(outcome.runs, `delay-callback vs bare Temporal and BullMQ: ${options.durationSeconds} s per rate`, subtitle);
      const files = await writeResults(options.outDir, options.name, results, svg);
      console.log(`\n[bench] wrote ${files.join(', ')}`);
    }
    return anyFatal(checks) ? 1 : 0;
  } finally {
    await stack.stop();
    // The SQLite file can be large (pending mode); the logs stay. A --data-dir is the caller's.
    if (stack.kind === 'bench' && stack.dbFile) for (const suffix of ['', '-wal', '-shm']) await rm(`${stack.dbFile}${suffix}`, { force: true });
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
