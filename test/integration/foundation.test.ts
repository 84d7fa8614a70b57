/** The foundation: a real Temporal round trip, a real Redis round trip, and the launcher's search attributes. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startTemporalDevServer } from '../../scripts/lib/temporal-dev-server.js';
import { IndexedValueType } from '../../server/temporal/enums.js';
import { installTemporalRuntime } from '../../server/temporal/runtime.js';
import { searchAttributes } from '../../workflows/contract.js';
import { uniqueName } from '../helpers/stack.js';

installTemporalRuntime('error');
const address = inject('temporalAddress');
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function customSearchAttributes(serverAddress: string): Promise<Record<string, number>> {
  const connection = await Connection.connect({ address: serverAddress });
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    return Object.fromEntries(Object.entries(customAttributes ?? {}).map(([name, type]) => [name, Number(type)]));
  } finally {
    await connection.close();
  }
}

describe('foundation', () => {
  it('runs a workflow and its activity through the real dev server', async () => {
    const taskQueue = uniqueName('trivial');
    const connection = await NativeConnection.connect({ address });
    cleanups.push(() => connection.close());
    const worker = await Worker.create({
      connection,
      taskQueue,
      workflowsPath: fileURLToPath(new URL('../fixtures/trivial-workflow.ts', import.meta.url)),
      activities: { shout: async (text: string) => text.toUpperCase() },
    });
    const client = new Client({ connection: await Connection.connect({ address }) });
    cleanups.push(() => client.connection.close());
    const result = await worker.runUntil(
      client.workflow.execute('echoTwice', { taskQueue, workflowId: uniqueName('echo'), args: ['hi'] }),
    );
    expect(result).toBe('HI HI');
  });

  it('round-trips a value through the real Redis', async () => {
    const redis = new Redis(inject('redisUrl'));
    cleanups.push(async () => redis.quit());
    const key = `${uniqueName('dc-test')}:round-trip`;
    await redis.set(key, 'value', 'EX', 30);
    expect(await redis.get(key)).toBe('value');
    await redis.del(key);
    expect(await redis.get(key)).toBeNull();
  });

  it('registers the search attributes on a fresh database and again on a reused one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dc-sqlite-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const dbFile = join(dir, 'temporal.db');
    const expected = Object.values(searchAttributes).map((key) => key.name).sort();

    const first = await startTemporalDevServer({ binaryPath: inject('temporalBinary'), dbFile, stdio: 'ignore' });
    try {
      expect(Object.keys(await customSearchAttributes(first.address)).filter((n) => n.startsWith('Callback')).sort()).toEqual(expected);
    } finally {
      await first.stop();
    }
    const second = await startTemporalDevServer({ binaryPath: inject('temporalBinary'), dbFile, stdio: 'ignore' });
    try {
      const attributes = await customSearchAttributes(second.address);
      expect(Object.keys(attributes).filter((n) => n.startsWith('Callback')).sort()).toEqual(expected);
      expect(attributes.CallbackStatus).toBe(IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
      expect(attributes.CallbackTriggerAt).toBe(IndexedValueType.INDEXED_VALUE_TYPE_DATETIME);
    } finally {
      await second.stop();
    }
  });

  it('stops its server process on stop()', async () => {
    const server = await startTemporalDevServer({ binaryPath: inject('temporalBinary'), stdio: 'ignore' });
    await server.stop();
    expect(server.child.process.exitCode !== null || server.child.process.signalCode !== null).toBe(true);
    expect(() => process.kill(server.child.pid, 0)).toThrow();
  });
});
