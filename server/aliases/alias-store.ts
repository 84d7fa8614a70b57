/**
 * Declared alias contracts in Redis, per app: what a worker last published for
 * each alias (the args schema, its hash, when and by whom). Two hashes per app,
 * so the lookup each registration makes reads a few bytes, not the schema:
 *
 *   <prefix>aliases:<app>         alias -> {"schemaHash","publishedAt","publishedBy","schemaBytes"}
 *   <prefix>alias-schemas:<app>   alias -> the schema as JSON text
 *
 * No TTL: a declaration lives until it is deleted or Redis loses it; every worker
 * start publishes its aliases again.
 */
import type { Redis } from 'ioredis';

export interface AliasDeclaration {
  alias: string;
  schemaHash: string;
  /** RFC 3339 UTC: when a worker last published it. */
  publishedAt: string;
  /** The publishing worker's identity, when it gave one. */
  publishedBy: string | null;
  schemaBytes: number;
}

export interface AliasStoreOptions {
  /** Prefix of every key, as for idempotency keys. @default 'delay-callback:' */
  keyPrefix?: string;
  /** Aliases one app may declare. @default 1000 */
  maxAliasesPerApp?: number;
}

// Writes both hashes at once; refuses a new alias past the per-app limit (0), else 1.
const PUT_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return 1
`;

type StoredMeta = Omit<AliasDeclaration, 'alias'>;

export class AliasStore {
  private readonly keyPrefix: string;
  readonly maxAliasesPerApp: number;

  constructor(private readonly redis: Redis, options: AliasStoreOptions = {}) {
    this.keyPrefix = options.keyPrefix ?? 'delay-callback:';
    this.maxAliasesPerApp = options.maxAliasesPerApp ?? 1000;
  }

  /** Stores a declaration and its schema text; false when the app already has the most aliases allowed. */
  async put(app: string, declaration: AliasDeclaration, schemaText: string): Promise<boolean> {
    const { alias, ...meta } = declaration;
    const stored = await this.redis.eval(
      PUT_SCRIPT,
      2,
      this.metaKey(app),
      this.schemaKey(app),
      alias,
      JSON.stringify(meta satisfies StoredMeta),
      schemaText,
      this.maxAliasesPerApp,
    );
    return stored === 1;
  }

  /** Every declaration of the app, by alias name. */
  async list(app: string): Promise<AliasDeclaration[]> {
    const all = await this.redis.hgetall(this.metaKey(app));
    return Object.entries(all)
      .map(([alias, json]) => ({ alias, ...(JSON.parse(json) as StoredMeta) }))
      .sort((a, b) => (a.alias < b.alias ? -1 : a.alias > b.alias ? 1 : 0));
  }

  /** The declaration and schema text of one alias, if declared. */
  async get(app: string, alias: string): Promise<{ declaration: AliasDeclaration; schemaText: string } | undefined> {
    const [meta, schemaText] = await Promise.all([this.redis.hget(this.metaKey(app), alias), this.redis.hget(this.schemaKey(app), alias)]);
    if (meta === null || schemaText === null) return undefined;
    return { declaration: { alias, ...(JSON.parse(meta) as StoredMeta) }, schemaText };
  }

  /** The hash of the alias's schema (the lookup every registration makes), if declared. */
  async schemaHash(app: string, alias: string): Promise<string | undefined> {
    const meta = await this.redis.hget(this.metaKey(app), alias);
    return meta === null ? undefined : (JSON.parse(meta) as StoredMeta).schemaHash;
  }

  /** The schema text of the alias, if declared. */
  async schemaText(app: string, alias: string): Promise<string | undefined> {
    return (await this.redis.hget(this.schemaKey(app), alias)) ?? undefined;
  }

  /** Forgets a declaration; false when there was none. */
  async delete(app: string, alias: string): Promise<boolean> {
    const [[, removed] = [], [, removedSchema] = []] = (await this.redis
      .multi()
      .hdel(this.metaKey(app), alias)
      .hdel(this.schemaKey(app), alias)
      .exec()) ?? [];
    return Number(removed) + Number(removedSchema) > 0;
  }

  private metaKey(app: string): string {
    return `${this.keyPrefix}aliases:${app}`;
  }

  private schemaKey(app: string): string {
    return `${this.keyPrefix}alias-schemas:${app}`;
  }
}
