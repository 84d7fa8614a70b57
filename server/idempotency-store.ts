/**
 * Idempotency keys in Redis: per app and key, the fingerprint of the request
 * body that first used the key and the uid it registered. One Lua step claims a
 * key or returns the existing claim, so racing requests agree on one winner.
 * The scripts are ioredis commands (`defineCommand`): each call sends EVALSHA
 * with the script's hash, the script itself only when Redis lacks it (NOSCRIPT,
 * after a restart).
 */
import type { Redis } from 'ioredis';

export type ClaimOutcome =
  | { outcome: 'claimed' }
  | { outcome: 'same-request'; uid: string }
  | { outcome: 'different-request'; uid: string };

export interface IdempotencyStoreOptions {
  /** Prefix of every key. @default 'delay-callback:' */
  keyPrefix?: string;
  /** How long a key is remembered. @default 86400 */
  ttlSeconds?: number;
}

// Returns the existing value, or sets ours (with TTL) and returns false.
const CLAIM_SCRIPT = `
local existing = redis.call('GET', KEYS[1])
if existing then return existing end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return false
`;

// Deletes the key only if it still holds our value.
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** The commands `defineCommand` adds to the client. */
interface IdempotencyCommands {
  delayCallbackClaim(key: string, value: string, ttlSeconds: number): Promise<string | null>;
  delayCallbackRelease(key: string, value: string): Promise<number>;
}

interface StoredClaim {
  fingerprint: string;
  uid: string;
}

export class IdempotencyStore {
  private readonly keyPrefix: string;
  private readonly ttlSeconds: number;
  private readonly commands: IdempotencyCommands;

  constructor(redis: Redis, options: IdempotencyStoreOptions = {}) {
    this.keyPrefix = options.keyPrefix ?? 'delay-callback:';
    this.ttlSeconds = options.ttlSeconds ?? 86_400;
    redis.defineCommand('delayCallbackClaim', { numberOfKeys: 1, lua: CLAIM_SCRIPT });
    redis.defineCommand('delayCallbackRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
    this.commands = redis as unknown as IdempotencyCommands;
  }

  /** Claims `key` of `app` for a request with this fingerprint and uid, or reports who holds it. */
  async claim(app: string, key: string, fingerprint: string, uid: string): Promise<ClaimOutcome> {
    const value = JSON.stringify({ fingerprint, uid } satisfies StoredClaim);
    const existing = await this.commands.delayCallbackClaim(this.redisKey(app, key), value, this.ttlSeconds);
    if (existing === null) return { outcome: 'claimed' };
    const stored = JSON.parse(existing) as StoredClaim;
    return stored.fingerprint === fingerprint
      ? { outcome: 'same-request', uid: stored.uid }
      : { outcome: 'different-request', uid: stored.uid };
  }

  /** Forgets a claim this request made, when its registration definitely did not happen. */
  async release(app: string, key: string, fingerprint: string, uid: string): Promise<void> {
    const value = JSON.stringify({ fingerprint, uid } satisfies StoredClaim);
    await this.commands.delayCallbackRelease(this.redisKey(app, key), value);
  }

  private redisKey(app: string, key: string): string {
    return `${this.keyPrefix}idempotency:${app}:${key}`;
  }
}
