/**
 * Lateness of recurring fires: `npx tsx bench/schedules.ts [--schedules 20] [--seconds 60] [--every 1s] [--out file]`.
 *
 * The stack users run with `npm run dev` (a Temporal dev server on a SQLite file, Redis, the
 * facade and the service worker from dist/, two child processes) and an app worker in this process.
 * S schedules fire every second (or --every) from the same start, so each second brings a
 * burst of S fires, for the given duration. Lateness is the handler's start (the worker's
 * clock) minus the fire's trigger time; a sample of fires is read back to split it into
 * Temporal's start of the fire (its run's start) and our dispatch (first task, attempt).
 * Exits non-zero on an early or duplicate fire. Hold the measurement lock:
 * `flock /tmp/dc-measure.lock npx tsx bench/schedules.ts`. Writes bench/results/schedules.json (or --out).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import getPort from 'get-port';
import { DelayCallbackClient } from '../client-sdk/index.js';
import { startServiceProcesses } from '../scripts/lib/service-processes.js';
import { buildProject } from './lib/build.js';
import { ensureRedis } from '../scripts/lib/redis-server.js';
import { resolveTemporalBinary } from '../scripts/lib/temporal-binary.js';
import { startTemporalDevServer } from '../scripts/lib/temporal-dev-server.js';
import { waitFor } from '../scripts/lib/wait-for.js';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    schedules: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '60' },
    every: { type: 'string', default: '1s' },
    out: { type: 'string', default: 'bench/results/schedules.json' },
  },
});
const SCHEDULES = Number(values.schedules);
const SECONDS = Number(values.seconds);
const EVERY = values.every;
const EVERY_MS = Number(EVERY.slice(0, -1)) * ({ s: 1_000, m: 60_000 }[EVERY.slice(-1)] ?? Number.NaN);
const APP = 'bench-schedules';

interface Fire {
  uid: string;
  attempt: number;
  triggerAt: number;
  at: number;
}

function summary(samples: number[]): Record<string, number | null> {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : null);
  return { count: sorted.length, p50: at(50), p90: at(90), p99: at(99), max: sorted.at(-1) ?? null };
}

const log = (line: string) => console.log(`[bench:schedules] ${line}`);

async function main(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'dc-bench-schedules-'));
  const binary = await resolveTemporalBinary();
  const temporal = await startTemporalDevServer({ binaryPath: binary.path, dbFile: join(dir, 'temporal.db'), stdio: 'ignore' });
  const redis = await ensureRedis({ stdio: 'ignore' });
  const port = await getPort({ host: '127.0.0.1' });
  const serverUrl = `http://127.0.0.1:${port}`;
  // As npm run dev runs them: compiled JavaScript, the facade (RUN_WORKER=false) beside the service worker.
  buildProject();
  const facade = await startServiceProcesses({
    facadePort: port,
    workerPort: await getPort({ host: '127.0.0.1' }),
    stdio: () => 'ignore',
    readyTimeoutMs: 180_000,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_UI_URL: temporal.uiUrl,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `dc-bench-schedules-${process.pid}:`,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_MAX: '0',
    },
  });
  const fires: Fire[] = [];
  const client = new DelayCallbackClient({ app: APP, serverUrl, temporal: { address: temporal.address }, requestTimeoutMs: 30_000 });
  try {
    client.define('tick', (request) => {
      fires.push({ uid: request.uid, attempt: request.attempt, triggerAt: Date.parse(request.triggerAt), at: Date.now() });
      return true;
    });
    await client.start();

    const startAt = Math.ceil((Date.now() + 10_000) / 1000) * 1000;
    const endAt = startAt + SECONDS * 1000;
    const ids = Array.from({ length: SCHEDULES }, (_, i) => `s${i}`);
    await Promise.all(ids.map((scheduleId) => client.schedule({ scheduleId, alias: 'tick', every: EVERY, startAt: new Date(startAt), endAt: new Date(endAt) })));
    const expected = SCHEDULES * (Math.floor((endAt - startAt) / EVERY_MS) + 1);
    const loadAtStart = loadavg();
    log(`${SCHEDULES} schedules every ${EVERY} for ${SECONDS} s from ${new Date(startAt).toISOString()}: ${expected} fires expected`);
    await new Promise((done) => setTimeout(done, endAt - Date.now()));
    await waitFor('the last fires', async () => fires.length >= expected, { timeoutMs: 30_000, intervalMs: 250 }).catch(() => undefined);
    const loadAtEnd = loadavg();

    const firsts = fires.filter((fire) => fire.attempt === 1);
    const uids = new Set(firsts.map((fire) => fire.uid));
    const lateness = firsts.map((fire) => fire.at - fire.triggerAt);
    const early = lateness.filter((ms) => ms < 0).length;
    const duplicates = firsts.length - uids.size;
    const described = await Promise.all(ids.map((id) => client.getSchedule(id)));
    const missed = described.reduce((sum, schedule) => sum + schedule.fires.missed, 0);
    const taken = described.reduce((sum, schedule) => sum + schedule.fires.total, 0);

    // Where the time goes, on a sample: Temporal starting the fire's run, then our first task and attempt.
    const sample = firsts.filter((_, i) => i % Math.max(1, Math.floor(firsts.length / 200)) === 0);
    const details = await Promise.all(sample.map((fire) => client.get(fire.uid)));
    const temporalStart = details.map((detail) => Date.parse(detail.createdAt) - Date.parse(detail.triggerAt));
    const dispatch = details.map((detail) => Date.parse(detail.firedAt!) - Date.parse(detail.createdAt));

    const result = {
      scenario: { schedules: SCHEDULES, every: EVERY, seconds: SECONDS, expectedFires: expected },
      fires: { seen: uids.size, takenByTemporal: taken, missed, early, duplicates },
      latenessMs: summary(lateness),
      breakdownMs: { temporalStartsTheFire: summary(temporalStart), firstTaskAndAttempt: summary(dispatch) },
      loadavg: { atStart: loadAtStart.map((v) => Math.round(v * 100) / 100), atEnd: loadAtEnd.map((v) => Math.round(v * 100) / 100) },
      temporal: binary.version,
      node: process.version,
      measuredAt: new Date().toISOString(),
    };
    console.log(JSON.stringify(result, null, 2));
    await writeFile(resolve(root, values.out), `${JSON.stringify(result, null, 2)}\n`);
    for (const id of ids) await client.deleteSchedule(id);
    return early > 0 || duplicates > 0 ? 1 : 0;
  } finally {
    await client.stop();
    await facade.stop(35_000);
    await redis.stop();
    await temporal.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
