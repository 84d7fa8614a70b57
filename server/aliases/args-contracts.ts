/**
 * The check a registration makes against its alias's declared args schema.
 * Undeclared aliases pass as before. The lookup reads Redis; when Redis does
 * not answer, the check is skipped (logged and counted): a registration
 * without an idempotency key never needed Redis, and the contract is a check
 * made up front, not what keeps a callback safe.
 */
import type { ValidateFunction } from 'ajv';
import { ServiceError } from '../errors.js';
import { boundedCall } from '../callbacks/dependency-calls.js';
import type { AliasStore } from './alias-store.js';
import { ArgsSchemaCompiler, argsErrorDetails } from './args-schemas.js';

export interface ArgsContractsOptions {
  store: AliasStore;
  compiler: ArgsSchemaCompiler;
  /** Bound on the Redis lookup; past it the check is skipped. */
  lookupTimeoutMs: number;
  /** Called when the check was skipped because Redis did not answer. */
  onSkipped?: (app: string, alias: string, cause: unknown) => void;
}

export class ArgsContracts {
  /** Lookups in flight by app and alias: concurrent registrations of one alias (a batch) share one read. */
  private readonly inflight = new Map<string, Promise<ValidateFunction | undefined>>();

  constructor(private readonly options: ArgsContractsOptions) {}

  /** Throws 400 ARGS_INVALID when the alias declared a schema and `args` breaks it. */
  async check(app: string, alias: string, args: unknown): Promise<void> {
    let validate;
    try {
      validate = await this.lookup(app, alias);
    } catch (err) {
      // Redis did not answer, or a stored schema no longer compiles (it was checked when published): skip, loudly.
      if (err instanceof ServiceError && (err.code === 'DEPENDENCY_UNAVAILABLE' || err.code === 'ALIAS_SCHEMA_INVALID')) {
        this.options.onSkipped?.(app, alias, err);
        return;
      }
      throw err;
    }
    if (validate === undefined || validate(args)) return;
    const details = argsErrorDetails(validate.errors ?? []);
    const first = details[0];
    throw new ServiceError(
      'ARGS_INVALID',
      `args do not match the schema alias "${alias}" declared${first ? `: ${String(first.field)} ${String(first.message)}` : ''}`,
      details,
    );
  }

  /** The validator of the alias's declared schema, or undefined when it declared none. */
  private lookup(app: string, alias: string): Promise<ValidateFunction | undefined> {
    const key = `${app}\u0000${alias}`;
    const running = this.inflight.get(key);
    if (running) return running;
    const { store, compiler, lookupTimeoutMs } = this.options;
    const lookup = boundedCall('redis', lookupTimeoutMs, async () => {
      const hash = await store.schemaHash(app, alias);
      if (hash === undefined) return undefined;
      const cached = compiler.cached(hash);
      if (cached) return cached;
      const text = await store.schemaText(app, alias);
      // Deleted or republished between the two reads: the text read is the truth.
      return text === undefined ? undefined : compiler.validatorFor({ text, hash: ArgsSchemaCompiler.hashOf(text) });
    }).finally(() => this.inflight.delete(key));
    this.inflight.set(key, lookup);
    return lookup;
  }
}
