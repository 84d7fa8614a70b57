/**
 * A two-node Temporal cluster on the local PostgreSQL: fresh databases, two server
 * processes on distinct ports that find each other through the database, the
 * `default` namespace and the project's search attributes registered.
 */
import { openSync, closeSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common';
import { spawnManaged, type ManagedChild } from '../../../scripts/lib/managed-child.js';
import { ensureSearchAttributes } from '../../../scripts/lib/temporal-dev-server.js';
import { waitFor } from '../../../scripts/lib/wait-for.js';
import { createClusterDatabases, type ClusterDatabases } from './postgres-databases.js';
import { dynamicConfigYaml, freeNodePorts, nodeConfigYaml, type NodePorts } from './server-config.js';

export interface ClusterNode {
  name: string;
  /** host:port of this node's frontend. */
  address: string;
  ports: NodePorts;
  logFile: string;
  child: ManagedChild;
  /** SIGKILL: no goodbye to the ring, shards and connections left behind. */
  kill9(): Promise<void>;
}

export interface TemporalCluster {
  databases: ClusterDatabases;
  nodes: ClusterNode[];
  namespace: string;
  /** Stops the nodes still running and drops the databases. */
  stop(): Promise<void>;
}

export interface StartClusterOptions {
  serverBinary: string;
  sqlTool: string;
  /** Folder for configs and node logs. */
  dir: string;
  /** @default 2 */
  nodeCount?: number;
  /** @default 'default' */
  namespace?: string;
}

export async function startTemporalCluster(options: StartClusterOptions): Promise<TemporalCluster> {
  const namespace = options.namespace ?? 'default';
  const databases = await createClusterDatabases(options.sqlTool);
  const nodes: ClusterNode[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => node.child.stop('SIGTERM', 10_000)));
    await databases.drop();
  };
  try {
    const dynamicConfigFile = join(options.dir, 'dynamic-config.yaml');
    await writeFile(dynamicConfigFile, dynamicConfigYaml());
    const taken: number[] = [];
    const allPorts: NodePorts[] = [];
    for (let i = 0; i < (options.nodeCount ?? 2); i++) allPorts.push(await freeNodePorts(taken));
    const clusterAddress = `127.0.0.1:${allPorts[0]!.frontend}`;
    // One after the other: the first node creates the cluster metadata row, the others join.
    for (const [i, ports] of allPorts.entries()) {
      const node = await startNode({ ...options, name: `node-${String.fromCharCode(97 + i)}`, ports, databases, clusterAddress, dynamicConfigFile });
      nodes.push(node);
    }
    await registerNamespace(nodes, namespace);
    return { databases, nodes, namespace, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

async function startNode(options: StartClusterOptions & {
  name: string;
  ports: NodePorts;
  databases: ClusterDatabases;
  clusterAddress: string;
  dynamicConfigFile: string;
}): Promise<ClusterNode> {
  const configDir = join(options.dir, options.name);
  await mkdir(configDir, { recursive: true });
  await writeFile(join(configDir, 'cluster.yaml'), nodeConfigYaml(options));
  const logFile = join(options.dir, `${options.name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawnManaged(options.serverBinary, ['--root', options.dir, '--config', options.name, '--env', 'cluster', '--allow-no-auth', 'start'], {
    name: `temporal ${options.name}`,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const address = `127.0.0.1:${options.ports.frontend}`;
  const exitedEarly = child.exited.then((code) => {
    throw new Error(`temporal ${options.name} exited during start-up (${code}):\n${tail(logFile)}`);
  });
  try {
    await Promise.race([waitForFrontend(address), exitedEarly]);
  } catch (err) {
    await child.stop('SIGKILL');
    throw err;
  }
  void exitedEarly.catch(() => undefined);
  return {
    name: options.name,
    address,
    ports: options.ports,
    logFile,
    child,
    async kill9() {
      process.kill(child.pid, 'SIGKILL');
      await child.exited.catch(() => undefined);
    },
  };
}

async function waitForFrontend(address: string): Promise<void> {
  const connection = await waitFor(`Temporal frontend ${address}`, () => Connection.connect({ address, connectTimeout: 1_000 }), {
    timeoutMs: 90_000,
    intervalMs: 500,
  });
  try {
    await waitFor(`system namespace on ${address}`, async () => {
      await connection.workflowService.describeNamespace({ namespace: 'temporal-system' });
      return true;
    }, { timeoutMs: 90_000, intervalMs: 500 });
  } finally {
    await connection.close();
  }
}

/** Registers the namespace (as the images' set-up scripts do) and waits until every node serves it. */
async function registerNamespace(nodes: ClusterNode[], namespace: string): Promise<void> {
  const first = await Connection.connect({ address: nodes[0]!.address });
  try {
    await waitFor(`namespace ${namespace} registered`, async () => {
      try {
        await first.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
      } catch (err) {
        if (!/already exists|AlreadyExists/i.test((err as Error).message)) throw err;
      }
      return true;
    }, { timeoutMs: 60_000, intervalMs: 1_000 });
    for (const node of nodes) {
      const connection = await Connection.connect({ address: node.address });
      try {
        await waitFor(`namespace ${namespace} on ${node.name}`, async () => {
          await connection.workflowService.describeNamespace({ namespace });
          return true;
        }, { timeoutMs: 60_000, intervalMs: 500 });
      } finally {
        await connection.close();
      }
    }
    await waitFor('search attributes registered', async () => {
      await ensureSearchAttributes(first, namespace);
      return (await ensureSearchAttributes(first, namespace)).length === 0;
    }, { timeoutMs: 60_000, intervalMs: 1_000 });
  } finally {
    await first.close();
  }
}

export function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
