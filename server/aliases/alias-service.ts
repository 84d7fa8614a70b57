/** The alias contract use cases, independent of HTTP: publish, list, read, delete. */
import { ServiceError, validationError } from '../errors.js';
import { boundedCall } from '../callbacks/dependency-calls.js';
import type { AliasDeclaration, AliasStore } from './alias-store.js';
import type { ArgsSchemaCompiler } from './args-schemas.js';

export interface AliasServiceOptions {
  store: AliasStore;
  compiler: ArgsSchemaCompiler;
  /** Bound on each Redis call; past it the answer is 503. */
  dependencyTimeoutMs: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

export interface AliasDetail extends AliasDeclaration {
  app: string;
  argsSchema: unknown;
}

export class AliasService {
  constructor(private readonly options: AliasServiceOptions) {}

  /** Declares (or re-declares) the args schema of an alias; the schema is checked first. */
  async publish(app: string, alias: string, argsSchema: unknown, publishedBy: string | undefined): Promise<AliasDetail> {
    const prepared = this.options.compiler.prepare(argsSchema);
    const declaration: AliasDeclaration = {
      alias,
      schemaHash: prepared.hash,
      publishedAt: new Date((this.options.now ?? Date.now)()).toISOString(),
      publishedBy: publishedBy ?? null,
      schemaBytes: Buffer.byteLength(prepared.text),
    };
    const stored = await this.redis(() => this.options.store.put(app, declaration, prepared.text));
    if (!stored) {
      throw validationError('path.alias', `is new, and app "${app}" already declares ${this.options.store.maxAliasesPerApp} aliases; delete some first`);
    }
    return { app, ...declaration, argsSchema: JSON.parse(prepared.text) as unknown };
  }

  async list(app: string): Promise<Array<AliasDeclaration & { app: string }>> {
    return (await this.redis(() => this.options.store.list(app))).map((declaration) => ({ app, ...declaration }));
  }

  async get(app: string, alias: string): Promise<AliasDetail> {
    const found = await this.redis(() => this.options.store.get(app, alias));
    if (!found) throw aliasNotFound(app, alias);
    return { app, ...found.declaration, argsSchema: JSON.parse(found.schemaText) as unknown };
  }

  async delete(app: string, alias: string): Promise<{ app: string; alias: string; deleted: true }> {
    if (!(await this.redis(() => this.options.store.delete(app, alias)))) throw aliasNotFound(app, alias);
    return { app, alias, deleted: true };
  }

  private redis<T>(call: () => Promise<T>): Promise<T> {
    return boundedCall('redis', this.options.dependencyTimeoutMs, call);
  }
}

function aliasNotFound(app: string, alias: string): ServiceError {
  return new ServiceError('ALIAS_NOT_FOUND', `app "${app}" has not declared alias "${alias}" (or Redis lost the declaration)`);
}
