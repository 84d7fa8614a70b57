/**
 * What tracing costs a registration: the facade (server/main.ts, its service worker in the same
 * process) in a child process, tracing off then on, alternately; N registrations over HTTP one
 * at a time (triggers a day away, so nothing fires), after a warm-up. Reports the latency
 * (p50, p99) and the child's CPU time per registration (from /proc). On, spans go over
 * OTLP/HTTP to a local collector that accepts and drops them.
 *
 *   flock /tmp/dc-measure.lock npx tsx bench/tracing-overhead.ts [registrations=2000] [rounds=2]
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import getPort from 'get-port';
import { spawnManaged } from '../scripts/lib/managed-child.js';
import { ensureRedis } from '../scripts/lib/redis-server.js';
import { resolveTemporalBinary } from '../scripts/lib/temporal-binary.js';
import { startTemporalDevServer } from '../scripts/lib/temporal-dev-server.js';
import { waitFor } from '../scripts/lib/wait-for.js';

const root = resolve(import.meta.dirname, '..');
const registrations = Number(process.argv[2] ?? 2000);
const rounds = Number(process.argv[3] ?? 2);
const WARM_UP = 200;
/** Clock ticks per second of /proc/<pid>/stat (100 on Linux). */
const TICKS_PER_SECOND = 100;

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after "pid (comm) ".
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function measure(mode: 'off' | 'on', env: Record<string, string>): Promise<{ p50: number; p99: number; cpuPerRegistrationMs: number }> {
  const port = await getPort({ host: '127.0.0.1' });
  const child = spawnManaged(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    name: `facade-${mode}`,
    cwd: root,
    stdio: 'ignore',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), LOG_LEVEL: 'warn', RATE_LIMIT_MAX: '0', ...env },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor('the facade', async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.ok, { timeoutMs: 120_000, intervalMs: 250 });
    const register = async (): Promise<number> => {
      const started = performance.now();
      const response = await fetch(`${url}/v1/apps/bench-${mode}/callbacks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ alias: 'later', args: { n: 1 }, delaySeconds: 86_400 }),
      });
      await response.arrayBuffer();
      if (response.status !== 201) throw new Error(`registration answered ${response.status}`);
      return performance.now() - started;
    };
    for (let i = 0; i < WARM_UP; i++) await register();
    const cpuBefore = cpuMs(child.pid);
    const latencies: number[] = [];
    for (let i = 0; i < registrations; i++) latencies.push(await register());
    const cpu = cpuMs(child.pid) - cpuBefore;
    latencies.sort((a, b) => a - b);
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), cpuPerRegistrationMs: cpu / registrations };
  } finally {
    await child.stop('SIGTERM', 35_000);
  }
}

const binary = await resolveTemporalBinary();
const [temporal, redis] = await Promise.all([startTemporalDevServer({ binaryPath: binary.path, stdio: 'ignore' }), ensureRedis()]);
let spans = 0;
const collector = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    spans++;
    response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
});
const collectorPort = await getPort({ host: '127.0.0.1' });
await new Promise<void>((done) => collector.listen(collectorPort, '127.0.0.1', done));
const base = { TEMPORAL_ADDRESS: temporal.address, REDIS_URL: redis.url, REDIS_KEY_PREFIX: `bench-tracing-${Date.now()}:` };
const results: Array<{ mode: string; p50: number; p99: number; cpuPerRegistrationMs: number }> = [];
try {
  for (let round = 0; round < rounds; round++) {
    for (const mode of ['off', 'on'] as const) {
      const env = mode === 'on' ? { ...base, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collectorPort}` } : base;
      const result = await measure(mode, env);
      results.push({ mode, ...result });
      console.log(`${mode.padEnd(3)}  p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms  CPU ${result.cpuPerRegistrationMs.toFixed(3)} ms/registration`);
    }
  }
} finally {
  collector.close();
  await Promise.all([temporal.stop(), redis.stop()]);
}
console.log(JSON.stringify({ registrations, rounds, exportRequests: spans, loadavg: readFileSync('/proc/loadavg', 'utf8').trim(), results }));
