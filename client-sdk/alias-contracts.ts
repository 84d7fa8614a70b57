/**
 * Declared alias contracts: the args schemas given to `define(alias, handler,
 * { args })`, published to the facade (`PUT /v1/apps/{app}/aliases/{alias}`)
 * when the worker starts, and again by every later start, so the facade can
 * refuse registrations whose args do not match (400 ARGS_INVALID).
 */
import type { DelayCallbackError } from './errors.js';
import type { HttpClient } from './http.js';
import type { ArgsSchema } from './types.js';

export interface AliasContractsOptions {
  http: HttpClient;
  app: string;
  /** Sent as `publishedBy`. */
  identity: string;
  /** A publication that failed without stopping anything (the facade down, a define after start). */
  onPublishError: (alias: string, error: DelayCallbackError) => void;
}

export class AliasContracts {
  private readonly schemas = new Map<string, ArgsSchema>();
  private started = false;

  constructor(private readonly options: AliasContractsOptions) {}

  /** Remembers (or forgets, with undefined) the schema of an alias; after start it is published at once. */
  set(alias: string, schema: ArgsSchema | undefined): void {
    if (schema === undefined) {
      this.schemas.delete(alias);
      return;
    }
    this.schemas.set(alias, schema);
    if (this.started) this.publish(alias, schema).catch((err: DelayCallbackError) => this.options.onPublishError(alias, err));
  }

  /**
   * Publishes every schema, at worker start. A schema the facade refuses (4xx: not valid JSON
   * Schema, a wrong token) rejects, so a broken contract is found at deploy time; a facade that
   * cannot be reached is reported through onPublishError and does not keep the worker from
   * running callbacks.
   */
  async publishAll(): Promise<void> {
    this.started = true;
    const outcomes = await Promise.allSettled([...this.schemas].map(([alias, schema]) => this.publish(alias, schema)));
    const aliases = [...this.schemas.keys()];
    for (const [index, outcome] of outcomes.entries()) {
      if (outcome.status === 'fulfilled') continue;
      const error = outcome.reason as DelayCallbackError;
      if (error.status >= 400 && error.status < 500 && error.status !== 429) throw error;
      this.options.onPublishError(aliases[index] ?? '', error);
    }
  }

  private async publish(alias: string, schema: ArgsSchema): Promise<void> {
    await this.options.http.request({
      method: 'PUT',
      path: `/v1/apps/${encodeURIComponent(this.options.app)}/aliases/${encodeURIComponent(alias)}`,
      body: { argsSchema: schema, publishedBy: this.options.identity },
      idempotent: true,
    });
  }
}
