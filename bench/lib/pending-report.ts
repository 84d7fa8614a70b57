/** The pending mode's summary, printed at the end of the run. */
import { OUR_PROCESSES } from './ours.js';
import type { PendingOutcome } from './pending.js';
import type { Distribution } from './stats.js';

export function printPending(outcome: PendingOutcome): void {
  const ms = (d: Distribution): string => `p50 ${d.p50 ?? '-'} ms, p99 ${d.p99 ?? '-'} ms (n=${d.count})`;
  console.log(`\nPending: ${outcome.registered}/${outcome.pending} callbacks due in 30 days (${outcome.registrationErrors} errors)`);
  console.log(`  registration      ${outcome.registrationsPerSecond}/s over ${outcome.registrationSeconds} s; latency ${ms(outcome.registrationLatencyMs)}`);
  const tasks = outcome.registrationWorkflowTasks;
  console.log(`  workflow tasks    ${tasks.tasks} for ${outcome.registered} registrations, done ${tasks.seconds ?? 'not within 20 min'} s after the last one`);
  console.log(`  RSS peak (MB)     ${Object.entries(outcome.peakRssMb).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log(`  RSS settled (MB)  ${Object.entries(outcome.settledRssMb).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log('  RSS curve (MB)    ' + outcome.curve.map((p) => `${p.registered}: ${OUR_PROCESSES.map((n) => Math.round(p.rssMb[n] ?? 0)).join('/')}`).join('  '));
  console.log(`                    (facade/service-worker/app-worker/temporal)`);
  const db = outcome.database;
  const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;
  console.log(`  Temporal DB       ${mb(db.fileBytes)} (+ WAL ${mb(db.walBytes)}; ${mb(db.baselineBytes)} before): ${db.bytesPerPending} bytes per pending callback; visibility counts ${db.visibleScheduled ?? '?'} scheduled`);
  const op = outcome.operations;
  console.log(`  GET               ${ms(op.get)}`);
  console.log(`  list (${op.listVia})  ${ms(op.list)}`);
  if (op.stats) console.log(`  stats             ${ms(op.stats)}`);
  console.log(`  cancel            ${ms(op.cancel)}${op.errors.length ? `; errors: ${op.errors.slice(0, 3).join('; ')}` : ''}`);
  if (outcome.bullmq) {
    const b = outcome.bullmq;
    console.log(`  BullMQ            ${b.added} delayed jobs at ${b.addsPerSecond}/s, Redis +${(b.redisBytes / 2 ** 20).toFixed(1)} MB = ${b.bytesPerJob} bytes per job`);
  }
  console.log(`  extrapolated to 1 M: ${Object.entries(outcome.extrapolation1M).map(([k, v]) => `${k} ${v}`).join('; ')}`);
}
