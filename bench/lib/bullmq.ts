/**
 * The BullMQ side of a scenario: delayed jobs on the same Redis, a unique queue
 * per run (removed afterwards), consumed by a BullMQ Worker in a child process
 * with the same concurrency as our app worker. BullMQ has no HTTP facade: its
 * "registration" is `queue.add` straight to Redis.
 */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pick } from './ours.js';
import type { RssSampler } from './rss.js';
import type { SideDriver } from './scenario.js';
import { startWorkerChild, type WorkerChild } from './stack.js';

export const BULLMQ_PREFIX = 'delay-callback-bench-bull';
export const BULLMQ_PROCESSES = ['bullmq-worker', 'redis'] as const;

export interface BullmqSide {
  driver: SideDriver;
  close(): Promise<void>;
}

export function redisConnection(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || 6379) };
}

/** The pid of the Redis server (INFO server), so its RSS can be sampled like ours. */
export async function redisPid(url: string): Promise<number | undefined> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const info = await redis.info('server');
    const match = /process_id:(\d+)/.exec(info);
    return match ? Number(match[1]) : undefined;
  } finally {
    redis.disconnect();
  }
}

export async function startBullmqSide(redisUrl: string, workDir: string, sampler: RssSampler): Promise<BullmqSide> {
  const name = `bench-${randomBytes(4).toString('hex')}`;
  const connection = redisConnection(redisUrl);
  const queue = new Queue(name, { connection, prefix: BULLMQ_PREFIX });
  const worker: WorkerChild = await startWorkerChild(
    'bullmq-worker',
    'bench/bullmq-worker.ts',
    { BENCH_QUEUE: name, BENCH_PREFIX: BULLMQ_PREFIX, REDIS_URL: redisUrl },
    workDir,
  );
  sampler.watch('bullmq-worker', worker.child.pid);
  return {
    driver: {
      system: 'bullmq',
      async register(run, seq, triggerAt) {
        const sent = performance.now();
        try {
          const job = await queue.add(
            'bench',
            { run, seq },
            // The defaults of ours, for a like-for-like job: 10 attempts, exponential from 10 s.
            { delay: Math.max(0, triggerAt - Date.now()), attempts: 10, backoff: { type: 'exponential', delay: 10_000 }, removeOnComplete: true },
          );
          return job.id === undefined
            ? { outcome: 'error', code: 'queue.add returned no job id', latencyMs: performance.now() - sent }
            : { outcome: 'accepted', id: job.id, latencyMs: performance.now() - sent };
        } catch (err) {
          return { outcome: 'error', code: err instanceof Error ? err.message : String(err), latencyMs: performance.now() - sent };
        }
      },
      // A job waiting, delayed or running is open; a completed one is removed (removeOnComplete), a failed one kept.
      async lookup(id) {
        const state = await queue.getJobState(id);
        return state === 'unknown' || state === 'completed' || state === 'failed' ? 'closed' : 'open';
      },
      onFire: (listener) => worker.onFire(listener),
      peaks: () => pick(sampler.peaks(), BULLMQ_PROCESSES),
      cpu: () => pick(sampler.cpuSeconds(), BULLMQ_PROCESSES),
    },
    async close() {
      sampler.unwatch('bullmq-worker');
      await worker.child.stop('SIGTERM', 10_000);
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
    },
  };
}
