/**
 * The idempotency store against the run's real Redis: its Lua scripts are registered once
 * (ioredis defineCommand) and called by hash (EVALSHA), the script text sent again only when
 * Redis lost it (SCRIPT FLUSH stands in for a restart). A Redis child of this file's own (the
 * flush is server-wide), a second connection MONITORing the commands of this test's keys.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisChild, type RedisHandle } from '../../scripts/lib/redis-server.js';
import { IdempotencyStore } from '../../server/idempotency-store.js';
import { createRedisClient } from '../../server/redis.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { uniqueName } from '../helpers/stack.js';

let server: RedisHandle;
let redis: Redis;
let monitor: Awaited<ReturnType<Redis['monitor']>>;
const prefix = `${uniqueName('dc-store')}:`;
const seen: string[][] = [];

beforeAll(async () => {
  server = await startRedisChild();
  redis = createRedisClient(server.url);
  await waitFor('redis ready', async () => redis.status === 'ready', { timeoutMs: 10_000 });
  monitor = await new Redis(server.url).monitor();
  // Commands run inside a script come with source "lua": only the client's own are of interest.
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source !== 'lua' && args.some((arg) => arg.startsWith(prefix))) seen.push(args);
  });
});
afterAll(async () => {
  monitor?.disconnect();
  redis?.disconnect();
  await server?.stop();
});

describe('IdempotencyStore scripts', () => {
  it('claims and releases by script hash (EVALSHA), and sends the script again after Redis lost it', async () => {
    const store = new IdempotencyStore(redis, { keyPrefix: prefix, ttlSeconds: 60 });
    expect(await store.claim('app', 'k1', 'fp', 'uid-1')).toEqual({ outcome: 'claimed' });
    expect(await store.claim('app', 'k1', 'fp', 'uid-2')).toEqual({ outcome: 'same-request', uid: 'uid-1' });
    expect(await store.claim('app', 'k1', 'other', 'uid-3')).toEqual({ outcome: 'different-request', uid: 'uid-1' });
    await store.release('app', 'k1', 'fp', 'uid-1');
    expect(await redis.exists(`${prefix}idempotency:app:k1`)).toBe(0);

    await redis.script('FLUSH');
    expect(await store.claim('app', 'k2', 'fp', 'uid-4')).toEqual({ outcome: 'claimed' });
    await waitFor('monitor caught up', async () => seen.filter((args) => args.includes(`${prefix}idempotency:app:k2`)).length >= 2, { timeoutMs: 5_000 });

    const verbs = seen.map((args) => args[0]!.toLowerCase()).filter((verb) => verb.startsWith('eval'));
    // Each script's text goes once per connection (claim's first call); every other call is by hash. After
    // the flush the hash misses (NOSCRIPT) and the text goes once more.
    expect(verbs).toEqual(['eval', 'evalsha', 'evalsha', 'eval', 'evalsha', 'eval']);
    expect(seen.filter((args) => args[0]!.toLowerCase() === 'eval').every((args) => args[1]!.includes("redis.call('GET', KEYS[1])"))).toBe(true);
  });

  it('fails a command Redis does not answer within the client\'s commandTimeout, rather than waiting on', async () => {
    const impatient = createRedisClient(server.url, 300);
    const blocker = new Redis(server.url);
    try {
      await waitFor('redis ready', async () => impatient.status === 'ready', { timeoutMs: 10_000 });
      const store = new IdempotencyStore(impatient, { keyPrefix: prefix });
      // Redis holds every client's commands for 1.5 s.
      await blocker.call('CLIENT', 'PAUSE', '1500', 'ALL');
      await expect(store.claim('app', 'k3', 'fp', 'uid-5')).rejects.toThrow(/Command timed out/);
      await blocker.call('CLIENT', 'UNPAUSE');
      // The client is usable again once Redis answers.
      expect(await store.claim('app', 'k3', 'fp', 'uid-5')).toMatchObject({ outcome: expect.stringMatching(/claimed|same-request/) });
    } finally {
      impatient.disconnect();
      blocker.disconnect();
    }
  });
});
