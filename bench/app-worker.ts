/**
 * The bench's application worker (a child process, so its RSS is its own): a
 * DelayCallbackClient hosting one handler that records when each callback fires
 * and reports it to the parent over IPC.
 */
import { DelayCallbackClient } from '../client-sdk/index.js';
import { FireReporter, type BenchPayload } from './lib/fire-log.js';

const reporter = new FireReporter();
const client = new DelayCallbackClient({
  app: process.env.BENCH_APP ?? 'bench',
  serverUrl: process.env.BENCH_SERVER_URL ?? 'http://127.0.0.1:8080',
  temporal: { address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' },
  worker: {
    maxConcurrentHandlers: Number(process.env.BENCH_HANDLER_CONCURRENCY ?? 100),
    shutdownGraceTimeMs: 5_000,
  },
});

client.define<BenchPayload>('bench', (request) => {
  reporter.record(request.args, request.attempt);
  return true;
});

try {
  await client.start();
  reporter.send({ type: 'ready' });
} catch (err) {
  reporter.send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
}

reporter.exitOnStop(() => client.stop());
