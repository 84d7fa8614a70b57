/**
 * Static configuration of one Temporal server node of the test cluster: all four
 * services in one process, on its own ports, sharing the run's PostgreSQL databases.
 * Nodes find each other through the `cluster_membership` table (no seed list).
 */
import getPort, { portNumbers } from 'get-port';
import { stringify } from 'yaml';
import type { ClusterDatabases } from './postgres-databases.js';

export interface NodePorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

/**
 * Nine free ports for one node, none of them in `taken`. Membership ports go into a
 * `smallint` column of the cluster_membership table, so every port stays below 32768.
 */
export async function freeNodePorts(taken: number[]): Promise<NodePorts> {
  // A random start, so two runs on one machine rarely probe the same ports first.
  const from = 20_000 + Math.floor(Math.random() * 10_000);
  const names: (keyof NodePorts)[] = [
    'frontend', 'frontendHttp', 'frontendMembership', 'history', 'historyMembership',
    'matching', 'matchingMembership', 'worker', 'workerMembership',
  ];
  const ports = {} as NodePorts;
  for (const name of names) {
    ports[name] = await getPort({ host: '127.0.0.1', port: portNumbers(from, 32_767), exclude: taken });
    taken.push(ports[name]);
  }
  return ports;
}

/**
 * Shards: enough that both nodes own some (a killed node takes timers with it), few enough to
 * start fast on two cores. Fixed for the life of a cluster, as in production.
 */
export const NUM_HISTORY_SHARDS = 8;

export function nodeConfigYaml(options: {
  databases: ClusterDatabases;
  ports: NodePorts;
  /** Frontend of the first node: the cluster's advertised address. */
  clusterAddress: string;
  dynamicConfigFile: string;
}): string {
  const { databases, ports } = options;
  const { host, port, user, password } = databases.target;
  const datastore = (databaseName: string, maxConns: number): object => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${host}:${port}`,
      connectProtocol: 'tcp',
      user,
      password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const rpc = (grpcPort: number, membershipPort: number, httpPort?: number): object => ({
    rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...(httpPort ? { httpPort } : {}) },
  });
  const config = {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: NUM_HISTORY_SHARDS,
      datastores: { default: datastore(databases.temporal, 10), visibility: datastore(databases.visibility, 4) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: {
      frontend: rpc(ports.frontend, ports.frontendMembership, ports.frontendHttp),
      history: rpc(ports.history, ports.historyMembership),
      matching: rpc(ports.matching, ports.matchingMembership),
      worker: rpc(ports.worker, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: options.clusterAddress } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } },
    dynamicConfigClient: { filepath: options.dynamicConfigFile, pollInterval: '10s' },
  };
  return stringify(config);
}

/** Dynamic configuration shared by both nodes. */
export function dynamicConfigYaml(): string {
  const values: Record<string, unknown> = {
    // As on the dev server: one partition per task queue, no forwarding between partitions.
    'matching.numTaskqueueReadPartitions': 1,
    'matching.numTaskqueueWritePartitions': 1,
    // A new namespace and new search attributes are usable at once on both nodes.
    'system.namespaceCacheRefreshInterval': '1s',
    'system.forceSearchAttributesCacheRefreshOnRead': true,
  };
  return stringify(Object.fromEntries(Object.entries(values).map(([key, value]) => [key, [{ value }]])));
}
