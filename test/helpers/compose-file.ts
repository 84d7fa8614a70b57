/**
 * What the compose test needs to read docker-compose.yml as Compose would: variable
 * interpolation, the variables our entry points read, and the variables the Temporal
 * and dependency images understand.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string | string[] };
  restart?: string;
  deploy?: { replicas?: number };
}

/** `${VAR:-default}`, `${VAR-default}` and `${VAR}` from `env` (empty by default), `$$` to `$`, as Compose does. */
export function interpolate(value: unknown, env: Record<string, string | undefined> = {}): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{([A-Z0-9_]+)(?:(:?-)([^}]*))?\}/gi, (match, name?: string, op?: string, fallback?: string) => {
      if (match === '$$') return '$';
      const set = env[name!];
      if (op === ':-') return set ? set : fallback ?? '';
      if (op === '-') return set ?? fallback ?? '';
      return set ?? '';
    });
  }
  if (Array.isArray(value)) return value.map((item) => interpolate(item, env));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === 'number' || typeof v === 'boolean' ? v : interpolate(v, env)]));
  }
  return value;
}

const ENV_READ = /\b(?:process\.env|env)(?:\.([A-Z][A-Z0-9_]*)|\[['"]([A-Z][A-Z0-9_]*)['"]\])|\(\s*['"]([A-Z][A-Z0-9]*_[A-Z0-9_]+)['"]/g;
const RELATIVE_IMPORT = /\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/g;

/**
 * Environment variables read by `entry` and the project modules it imports (transitively):
 * `process.env.X`, `env.X`, `env['X']`, or a call with the name as its first argument (`read('X')`).
 */
export function envReadBy(entry: string, seen = new Set<string>()): Set<string> {
  const names = new Set<string>();
  if (seen.has(entry)) return names;
  seen.add(entry);
  const source = readFileSync(entry, 'utf8');
  for (const match of source.matchAll(ENV_READ)) names.add((match[1] ?? match[2] ?? match[3])!);
  for (const [, spec] of source.matchAll(RELATIVE_IMPORT)) {
    const file = resolve(dirname(entry), spec!.replace(/\.js$/, '.ts'));
    for (const name of envReadBy(file, seen)) names.add(name);
  }
  return names;
}

/**
 * Variables each image understands. temporalio/server: every `.Env.X` of the config template
 * of server v1.29.1 (docker/config_template.yaml); admin-tools: the SQL tool's flags'
 * variables and the CLI's TEMPORAL_ADDRESS; ui: its server's configuration variables.
 */
export const TEMPORAL_IMAGE_VARIABLES: Record<string, ReadonlySet<string>> = {
  'temporalio/server': new Set([
    'BIND_ON_IP', 'DB', 'DBNAME', 'DB_PORT', 'DYNAMIC_CONFIG_FILE_PATH', 'ENABLE_ES', 'FRONTEND_GRPC_PORT', 'FRONTEND_HTTP_PORT',
    'FRONTEND_MEMBERSHIP_PORT', 'HISTORY_GRPC_PORT', 'HISTORY_MEMBERSHIP_PORT', 'LOG_LEVEL', 'MATCHING_GRPC_PORT',
    'MATCHING_MEMBERSHIP_PORT', 'NUM_HISTORY_SHARDS', 'POSTGRES_PWD', 'POSTGRES_SEEDS', 'POSTGRES_USER', 'PPROF_PORT',
    'PROMETHEUS_ENDPOINT', 'PROMETHEUS_TIMER_TYPE', 'PUBLIC_FRONTEND_ADDRESS', 'SQL_CA', 'SQL_CERT', 'SQL_CERT_KEY',
    'SQL_HOST_NAME', 'SQL_HOST_VERIFICATION', 'SQL_MAX_CONNS', 'SQL_MAX_CONN_TIME', 'SQL_MAX_IDLE_CONNS', 'SQL_TLS_ENABLED',
    'SQL_VIS_MAX_CONNS', 'SQL_VIS_MAX_CONN_TIME', 'SQL_VIS_MAX_IDLE_CONNS', 'TEMPORAL_BROADCAST_ADDRESS',
    'TEMPORAL_AUTH_AUTHORIZER', 'TEMPORAL_AUTH_CLAIM_MAPPER', 'TEMPORAL_TLS_REQUIRE_CLIENT_AUTH', 'TEMPORAL_TLS_SERVER_CERT',
    'TEMPORAL_TLS_SERVER_KEY', 'TEMPORAL_TLS_SERVER_CA_CERT', 'TEMPORAL_TLS_FRONTEND_CERT', 'TEMPORAL_TLS_FRONTEND_KEY',
    'USE_INTERNAL_FRONTEND', 'VISIBILITY_DBNAME', 'VISIBILITY_DB_PORT', 'VISIBILITY_POSTGRES_PWD', 'VISIBILITY_POSTGRES_SEEDS',
    'VISIBILITY_POSTGRES_USER', 'WORKER_GRPC_PORT', 'WORKER_MEMBERSHIP_PORT',
  ]),
  'temporalio/admin-tools': new Set([
    'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_API_KEY', 'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA',
    'SQL_PLUGIN', 'SQL_HOST', 'SQL_PORT', 'SQL_USER', 'SQL_PASSWORD', 'SQL_DATABASE', 'SQL_TLS', 'SQL_TLS_CA_FILE',
    'SQL_TLS_CERT_FILE', 'SQL_TLS_KEY_FILE', 'SQL_TLS_SERVER_NAME',
  ]),
  'temporalio/ui': new Set([
    'TEMPORAL_ADDRESS', 'TEMPORAL_UI_PORT', 'TEMPORAL_CORS_ORIGINS', 'TEMPORAL_UI_PUBLIC_PATH', 'TEMPORAL_TLS_CA',
    'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_SERVER_NAME', 'TEMPORAL_AUTH_ENABLED', 'TEMPORAL_DEFAULT_NAMESPACE',
  ]),
  postgres: new Set(['POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_DB', 'PGDATA']),
  redis: new Set<string>(),
};
