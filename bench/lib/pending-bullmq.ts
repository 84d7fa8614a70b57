/** BullMQ's counterpart of the pending set: N delayed jobs 30 days out, Redis memory per job, then removed. */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { BULLMQ_PREFIX, redisConnection } from './bullmq.js';
import { closedLoop } from './pending-probes.js';
import { Progress } from './progress.js';
import { round1 } from './scenario.js';

export interface BullmqPending {
  added: number;
  addsPerSecond: number;
  /** used_memory after minus before (the Redis may be shared: an estimate). */
  redisBytes: number;
  bytesPerJob: number;
}

export async function measureBullmqPending(redisUrl: string, count: number, concurrency: number): Promise<BullmqPending> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const queue = new Queue(`pending-${randomBytes(4).toString('hex')}`, { connection: redisConnection(redisUrl), prefix: BULLMQ_PREFIX });
  const usedMemory = async (): Promise<number> => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
  try {
    await queue.waitUntilReady();
    const before = await usedMemory();
    const progress = new Progress('bullmq pending');
    const delay = 30 * 86_400_000;
    let added = 0;
    const started = Date.now();
    await closedLoop(count, concurrency, async (seq) => {
      await queue.add('bench', { run: 'pending', seq }, { delay: delay + seq, attempts: 10, backoff: { type: 'exponential', delay: 10_000 } });
      added++;
      progress.update(added, count, `${added}/${count}`);
    });
    const seconds = (Date.now() - started) / 1000;
    const redisBytes = (await usedMemory()) - before;
    progress.done(`added ${added} delayed jobs in ${round1(seconds)} s`);
    return { added, addsPerSecond: round1(added / seconds), redisBytes, bytesPerJob: Math.round(redisBytes / Math.max(1, added)) };
  } finally {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    redis.disconnect();
  }
}
