/**
 * Fresh Temporal databases on the local PostgreSQL, one pair (history + visibility) per run
 * with a unique name, created and migrated by the server's own SQL tool, dropped at the end.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface PostgresTarget {
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 5432 */
  port?: number;
  /** @default 'postgres' (trust authentication on these machines) */
  user?: string;
  /** @default '' */
  password?: string;
}

export interface ClusterDatabases {
  target: Required<PostgresTarget>;
  temporal: string;
  visibility: string;
  /** Drops both; safe to call twice. */
  drop(): Promise<void>;
}

/** Embedded schema sets of the SQL tool (`--schema-name`), so no schema files are needed on disk. */
const SCHEMAS = { temporal: 'postgresql/v12/temporal', visibility: 'postgresql/v12/visibility' } as const;

export function postgresTarget(options: PostgresTarget = {}): Required<PostgresTarget> {
  return {
    host: options.host ?? process.env.CLUSTER_PG_HOST ?? '127.0.0.1',
    port: options.port ?? Number(process.env.CLUSTER_PG_PORT ?? 5432),
    user: options.user ?? process.env.CLUSTER_PG_USER ?? 'postgres',
    password: options.password ?? process.env.CLUSTER_PG_PASSWORD ?? '',
  };
}

export async function createClusterDatabases(sqlTool: string, options: PostgresTarget = {}): Promise<ClusterDatabases> {
  const target = postgresTarget(options);
  // PostgreSQL folds unquoted names to lower case: keep the name lower case and unique per run.
  const base = `dc_cluster_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const names = { temporal: base, visibility: `${base}_vis` };
  const sql = (db: string, ...args: string[]): Promise<unknown> =>
    execFileAsync(
      sqlTool,
      ['--plugin', 'postgres12', '--ep', target.host, '--port', String(target.port), '--user', target.user, '--db', db, ...args],
      { env: { ...process.env, SQL_PASSWORD: target.password }, timeout: 120_000 },
    ).catch((err: Error & { stderr?: string }) => {
      throw new Error(`temporal-sql-tool ${args[0]} on ${db} failed: ${err.stderr?.trim().split('\n').slice(-2).join(' | ') ?? err.message}`);
    });

  let dropped = false;
  const drop = async (): Promise<void> => {
    if (dropped) return;
    dropped = true;
    const results = await Promise.allSettled([sql(names.temporal, 'drop-database', '--force'), sql(names.visibility, 'drop-database', '--force')]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  };
  try {
    for (const kind of ['temporal', 'visibility'] as const) {
      await sql(names[kind], 'create-database');
      await sql(names[kind], 'setup-schema', '-v', '0.0');
      await sql(names[kind], 'update-schema', '--schema-name', SCHEMAS[kind]);
    }
  } catch (err) {
    await drop().catch(() => undefined);
    throw err;
  }
  return { target, ...names, drop };
}
