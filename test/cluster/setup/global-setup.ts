/**
 * Once per `npm run test:cluster`: the Temporal server and SQL tool (built from the Go
 * module proxy on first use, then cached) and a Redis. The cluster itself is started by
 * the test, which kills part of it.
 */
import type { TestProject } from 'vitest/node';
import { ensureRedis } from '../../../scripts/lib/redis-server.js';
import { resolveTemporalServerBinaries } from '../../../scripts/lib/temporal-server-build.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalServerBinary: string;
    temporalSqlTool: string;
    clusterRedisUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const binaries = await resolveTemporalServerBinaries();
  console.log(`[cluster] Temporal server ${binaries.version} (${binaries.source}, ${Math.round((Date.now() - started) / 1000)} s): ${binaries.server}`);
  const redis = await ensureRedis();
  project.provide('temporalServerBinary', binaries.server);
  project.provide('temporalSqlTool', binaries.sqlTool);
  project.provide('clusterRedisUrl', redis.url);
  return () => redis.stop();
}
