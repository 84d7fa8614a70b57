/**
 * Redis for the dev stack and the tests: REDIS_URL when it answers, otherwise a
 * `redis-server` child of ours on a free port (no persistence: a scratch server).
 */
import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import getPort from 'get-port';
import { spawnManaged, type ManagedChild } from './managed-child.js';
import { waitFor } from './wait-for.js';

export interface RedisHandle {
  url: string;
  /** Present when we started the server ourselves. */
  child?: ManagedChild;
  /** Stops our child (a no-op for an external Redis). */
  stop(): Promise<void>;
  /** Stops and starts our child on the same port (fault tests). */
  restart?(): Promise<void>;
}

export interface EnsureRedisOptions {
  /** Try this first. @default process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' */
  url?: string;
  /** Always start a child of ours (tests that stop Redis on purpose). @default false */
  forceChild?: boolean;
  stdio?: 'inherit' | 'ignore';
}

/** True when a Redis server at `url` answers PING within a second. */
export async function redisAnswers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export async function ensureRedis(options: EnsureRedisOptions = {}): Promise<RedisHandle> {
  const url = options.url ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (!options.forceChild && (await redisAnswers(url))) {
    return { url, stop: async () => undefined };
  }
  return startRedisChild(options.stdio ?? 'ignore');
}

export async function startRedisChild(stdio: 'inherit' | 'ignore' = 'ignore'): Promise<RedisHandle> {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(
      'redis-server is not installed and no Redis answers at REDIS_URL. ' +
        'Install it (Debian/Ubuntu: `apt-get install redis-server`, macOS: `brew install redis`) or set REDIS_URL.',
    );
  }
  const port = await getPort({ host: '127.0.0.1' });
  const url = `redis://127.0.0.1:${port}`;
  const start = async (): Promise<ManagedChild> => {
    const child = spawnManaged(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'],
      { name: 'redis-server', stdio },
    );
    await waitFor(`redis-server on port ${port}`, () => redisAnswers(url), { timeoutMs: 15_000 });
    return child;
  };
  const handle: RedisHandle = {
    url,
    child: await start(),
    stop: async () => handle.child?.stop('SIGTERM', 5_000),
    restart: async () => {
      await handle.child?.stop('SIGTERM', 5_000);
      handle.child = await start();
    },
  };
  return handle;
}
