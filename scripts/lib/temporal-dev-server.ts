/**
 * Starts `temporal server start-dev` as a child of ours: bound to 127.0.0.1, with
 * the Web UI, on a SQLite file (WAL) or in memory, and with the project's search
 * attributes registered (on a new database and on a reused one alike).
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import type { temporal as TemporalProto } from '@temporalio/proto';
import { IndexedValueType } from '../../server/temporal/enums.js';
import getPort from 'get-port';
import { searchAttributes } from '../../workflows/contract.js';
import { spawnManaged, type ManagedChild } from './managed-child.js';
import { waitFor } from './wait-for.js';

export interface TemporalDevServerOptions {
  /** Path of the `temporal` binary (see resolveTemporalBinary). */
  binaryPath: string;
  /** Frontend gRPC port. @default a free port */
  port?: number;
  /** Web UI port. @default a free port */
  uiPort?: number;
  /** SQLite file to keep state in; in-memory when omitted (tests). */
  dbFile?: string;
  /** @default 'default' */
  namespace?: string;
  /** More namespaces to create, each with the search attributes (tests isolate themselves in one). */
  extraNamespaces?: string[];
  /** Port of the server's Prometheus `/metrics` (the benchmark reads it). @default a random port */
  metricsPort?: number;
  /** Extra `--dynamic-config-value` entries. */
  dynamicConfig?: Record<string, string | number | boolean>;
  /** @default 'warn' */
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'never';
  /** Where the server's own output goes. @default 'inherit' */
  stdio?: 'inherit' | 'ignore' | 'pipe';
  /** How long to wait for the server to answer. @default 60000 */
  readyTimeoutMs?: number;
  /**
   * The codec server the Web UI decodes payloads through (`<facade>/codec` when payload encryption
   * is on). @default none: the Web UI shows payloads as stored
   */
  uiCodecEndpoint?: string;
}

export interface TemporalDevServer {
  /** host:port of the gRPC frontend. */
  address: string;
  uiUrl: string;
  namespace: string;
  child: ManagedChild;
  stop(): Promise<void>;
}

/**
 * One history shard on SQLite serialises every write, and task queues default to 4
 * partitions whose forwarding only adds latency on a single small server. The CLI
 * also re-reads search attributes from the database on every use (so that new ones
 * work at once): more than half of all its database requests per callback (npm run
 * bench). We register ours when the server starts, so the cache may stay a cache.
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Record<string, string | number | boolean> = {
  'matching.numTaskqueueReadPartitions': 1,
  'matching.numTaskqueueWritePartitions': 1,
  'system.forceSearchAttributesCacheRefreshOnRead': false,
};

export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const ip = '127.0.0.1';
  const port = options.port ?? (await getPort({ host: ip }));
  const uiPort = options.uiPort ?? (await getPort({ host: ip, exclude: [port] }));
  const namespace = options.namespace ?? 'default';
  const namespaces = [...new Set([namespace, ...(options.extraNamespaces ?? [])])];
  const args = [
    'server', 'start-dev',
    '--ip', ip,
    '--port', String(port),
    '--ui-port', String(uiPort),
    ...namespaces.flatMap((name) => ['--namespace', name]),
    '--log-level', options.logLevel ?? 'warn',
  ];
  if (options.metricsPort !== undefined) args.push('--metrics-port', String(options.metricsPort));
  if (options.uiCodecEndpoint !== undefined) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  if (options.dbFile) {
    await mkdir(dirname(options.dbFile), { recursive: true });
    // WAL + synchronous=NORMAL: durable against a crash of the server process, far fewer fsyncs.
    args.push('--db-filename', options.dbFile, '--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=NORMAL');
  }
  // Registered at start-up (a no-op on a database that has them); ensureSearchAttributes below
  // covers one created without them and every extra namespace.
  for (const key of Object.values(searchAttributes)) args.push('--search-attribute', `${key.name}=${CLI_TYPES[key.type]}`);
  for (const [key, value] of Object.entries({ ...DEV_SERVER_DYNAMIC_CONFIG, ...options.dynamicConfig })) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }

  const child = spawnManaged(options.binaryPath, args, { name: 'temporal', stdio: options.stdio ?? 'inherit' });
  const address = `${ip}:${port}`;
  const uiUrl = `http://${ip}:${uiPort}`;
  const server: TemporalDevServer = { address, uiUrl, namespace, child, stop: () => child.stop('SIGTERM', 15_000) };
  try {
    const exitedEarly = child.exited.then((code) => {
      throw new Error(`temporal server exited during start-up (${code}); is port ${port} or ${uiPort} taken?`);
    });
    await Promise.race([waitUntilReady(address, uiUrl, namespaces, options.readyTimeoutMs ?? 60_000), exitedEarly]);
  } catch (err) {
    await child.stop('SIGKILL');
    throw err;
  }
  return server;
}

async function waitUntilReady(address: string, uiUrl: string, namespaces: string[], timeoutMs: number): Promise<void> {
  const connection = await waitFor(`Temporal at ${address}`, () => Connection.connect({ address, connectTimeout: 1_000 }), {
    timeoutMs,
    intervalMs: 250,
  });
  try {
    for (const namespace of namespaces) {
      await waitFor(
        `namespace ${namespace}`,
        async () => (await connection.workflowService.describeNamespace({ namespace })).namespaceInfo,
        { timeoutMs, intervalMs: 250 },
      );
      await ensureSearchAttributes(connection, namespace);
      // With the cache no longer refreshed on every read, wait until queries can use them.
      await waitFor(
        `search attributes usable in ${namespace}`,
        async () => {
          await connection.workflowService.countWorkflowExecutions({ namespace, query: "CallbackApp = 'probe' AND CallbackStatus = 'probe'" });
          return true;
        },
        { timeoutMs, intervalMs: 250 },
      );
    }
    await waitFor(`Temporal Web UI at ${uiUrl}`, async () => (await fetch(uiUrl)).ok, { timeoutMs, intervalMs: 250 });
  } finally {
    await connection.close();
  }
}

const CLI_TYPES: Record<string, string> = { [SearchAttributeType.KEYWORD]: 'Keyword', [SearchAttributeType.DATETIME]: 'Datetime' };

const INDEXED_VALUE_TYPES: Record<string, TemporalProto.api.enums.v1.IndexedValueType> = {
  [SearchAttributeType.KEYWORD]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.DATETIME]: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
};

/**
 * Registers the project's search attributes where missing. Idempotent, and works on a
 * database created earlier (the CLI's `--search-attribute` flags only act on a new one).
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = Object.values(searchAttributes).filter((key) => !known.has(key.name));
  if (missing.length > 0) {
    const toAdd: Record<string, TemporalProto.api.enums.v1.IndexedValueType> = {};
    for (const key of missing) {
      const type = INDEXED_VALUE_TYPES[key.type];
      if (type === undefined) throw new Error(`no indexed value type for ${key.name} (${key.type})`);
      toAdd[key.name] = type;
    }
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: toAdd });
  }
  return missing.map((key) => key.name);
}
