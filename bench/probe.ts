/**
 * `npm run probe`: an independent load probe against a running stack (by default
 * `npm run dev`'s URLs). It registers at a given rate for a given duration through
 * the SDK (retries off), hosts the app's worker whose handler records each fire,
 * then decides every outcome against Temporal and reports answers by status and
 * code, answer times, refusals, unknown outcomes, ghosts, lost callbacks and
 * lateness. Exits 1 when the overload contract is broken (see probe-report.ts).
 *
 *   npm run probe -- --rate 200 --duration 20 --json probe.json
 */
import { loadavg } from 'node:os';
import { writeFileSync } from 'node:fs';
import { parseProbeOptions } from './lib/probe-options.js';
import { buildReport, classify, formatReport } from './lib/probe-report.js';
import { runLoad, waitForFires } from './lib/probe-run.js';
import { connectLookup } from './lib/probe-verify.js';

const log = (line: string): void => console.error(`[probe] ${line}`);
const load3 = (): number[] => loadavg().map((value) => Math.round(value * 100) / 100);

async function main(): Promise<void> {
  const options = parseProbeOptions(process.argv.slice(2));
  const loadBefore = load3();
  log(`${options.rate}/s for ${options.durationSeconds} s, delays ${options.delaySeconds}..${options.delaySeconds + options.spreadSeconds} s, app "${options.app}", ${options.serverUrl}, Temporal ${options.temporalAddress}; load ${loadBefore.join(' ')}`);
  const lookup = await connectLookup(options.temporalAddress, options.namespace, options.app);
  const load = await runLoad(options, log);
  const loadAfterRegistering = load3();
  const { answers } = load;
  log(`registered in ${((load.finishedAt - load.startedAt) / 1000).toFixed(1)} s (${load.achievedRate.toFixed(1)}/s achieved); load ${loadAfterRegistering.join(' ')}; the probe's own event-loop delay p99 ${load.probeLoopDelayMs.p99} ms, max ${load.probeLoopDelayMs.max} ms`);

  // Unknown outcomes: does the workflow exist? Those that do must fire like accepted ones.
  const unknownLookups = new Map<string, boolean | null>();
  for (const answer of answers) {
    if (classify(answer) === 'unknown' && answer.uid !== undefined) unknownLookups.set(answer.uid, await lookup.exists(answer.uid));
  }
  const mustFire = answers.filter((answer) => classify(answer) === 'accepted' || (answer.uid !== undefined && unknownLookups.get(answer.uid) === true));
  const lastTrigger = Math.max(...answers.map((answer) => Math.max(answer.triggerAt ?? 0, answer.intendedTriggerAt)));
  // Wait past every intended trigger (a refused registration that landed anyway fires then) and for the accepted ones.
  await waitForFires(load, new Set(mustFire.map((answer) => answer.seq)), lastTrigger + options.settleSeconds * 1000, log);

  const firedSeqs = new Set(load.fires.map((fire) => fire.seq));
  const unfiredUids = answers.filter((answer) => classify(answer) === 'accepted' && !firedSeqs.has(answer.seq)).map((answer) => answer.uid as string);
  const seqOfUid = new Map(answers.filter((answer) => answer.uid !== undefined).map((answer) => [answer.uid as string, answer.seq]));
  if (unfiredUids.length > 0) log(`${unfiredUids.length} accepted not fired: asking Temporal, waiting up to ${options.verifySeconds} s for their workflows to close`);
  const unfired = await lookup.settle(unfiredUids, (uid) => load.fires.some((fire) => fire.seq === seqOfUid.get(uid)), Date.now() + options.verifySeconds * 1000);

  // Every workflow of the run that no accepted (or existing unknown-outcome) answer names is a ghost.
  const named = new Set(mustFire.map((answer) => answer.uid as string));
  const started = await lookup.startedSince(load.startedAt - 1_000).catch((err: unknown) => {
    log(`could not list the run's workflows: ${(err as Error).message}`);
    return new Set<string>();
  });
  const ghostWorkflows = [...started].filter((uid) => !named.has(uid));

  const report = buildReport({ answers, fires: load.fires, unfired, unknownLookups, ghostWorkflows });
  await load.stopWorker();
  await lookup.close();
  const loadAfter = load3();
  console.log(formatReport(report));
  console.log(`load average        before ${loadBefore.join(' ')}, after registering ${loadAfterRegistering.join(' ')}, at the end ${loadAfter.join(' ')}`);
  console.log(`probe's own loop    delay p99 ${load.probeLoopDelayMs.p99} ms, max ${load.probeLoopDelayMs.max} ms (answer times include it)`);
  if (options.json) {
    const document = JSON.stringify(
      { options: { ...options, token: options.token ? '***' : undefined }, run: load.run, achievedRate: load.achievedRate, probeLoopDelayMs: load.probeLoopDelayMs, loadavg: { before: loadBefore, afterRegistering: loadAfterRegistering, after: loadAfter }, ghostWorkflows, ...report },
      null,
      2,
    );
    if (options.json === '-') console.log(document);
    else writeFileSync(options.json, `${document}\n`);
  }
  process.exit(report.ok ? 0 : 1);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(2);
});
