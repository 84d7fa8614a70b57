/**
 * The BullMQ side's worker (a child process, like our app worker): consumes the
 * delayed jobs of one queue and reports when each one starts, over IPC.
 */
import { Worker } from 'bullmq';
import { FireReporter, type BenchPayload } from './lib/fire-log.js';

const reporter = new FireReporter();
const queue = process.env.BENCH_QUEUE;
if (!queue) throw new Error('BENCH_QUEUE is required');
const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');

const worker = new Worker<BenchPayload>(
  queue,
  async (job) => {
    reporter.record(job.data, job.attemptsMade + 1);
    return true;
  },
  {
    connection: { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null },
    prefix: process.env.BENCH_PREFIX ?? 'bull',
    // The same number of handlers at once as our app worker runs.
    concurrency: Number(process.env.BENCH_HANDLER_CONCURRENCY ?? 100),
    removeOnComplete: { count: 0 },
  },
);
worker.on('error', (err) => reporter.send({ type: 'error', message: err.message }));
await worker.waitUntilReady();
reporter.send({ type: 'ready' });

reporter.exitOnStop(() => worker.close());
