/** What the figures came from: the machine, its load, and the versions of everything measured. */
import { readFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { Redis } from 'ioredis';

const root = resolve(import.meta.dirname, '..', '..');

export interface MachineInfo {
  platform: string;
  release: string;
  arch: string;
  cpuModel: string;
  cpus: number;
  memoryGb: number;
  node: string;
  /** 1, 5, 15 minute load averages when the run started (the machine is shared). */
  loadavgAtStart: number[];
}

export function machineInfo(): MachineInfo {
  const cores = cpus();
  return {
    platform: platform(),
    release: release(),
    arch: arch(),
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    cpus: cores.length,
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    loadavgAtStart: loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(resolve(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export async function versions(temporalAddress: string, temporalCli: string, redisUrl: string): Promise<Record<string, string>> {
  const connection = await Connection.connect({ address: temporalAddress });
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    const system = await connection.workflowService.getSystemInfo({});
    await redis.connect();
    const info = await redis.info('server');
    return {
      delayCallback: (JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { version: string }).version,
      temporalCli: temporalCli,
      temporalServer: system.serverVersion ?? 'unknown',
      temporalSdk: packageVersion('@temporalio/worker'),
      fastify: packageVersion('fastify'),
      bullmq: packageVersion('bullmq'),
      ioredis: packageVersion('ioredis'),
      redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
    };
  } finally {
    redis.disconnect();
    await connection.close();
  }
}
