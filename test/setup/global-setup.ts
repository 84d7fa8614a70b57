/**
 * Once per `npm test`: a real Temporal dev server (in memory, free ports, Web UI on),
 * a real Redis (REDIS_URL when it answers, else a child of ours), and the workflow
 * bundle every in-process service worker of the run loads.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { ensureRedis } from '../../scripts/lib/redis-server.js';
import { resolveTemporalBinary } from '../../scripts/lib/temporal-binary.js';
import { startTemporalDevServer } from '../../scripts/lib/temporal-dev-server.js';
import { workflowsPath } from '../../server/worker.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalUiUrl: string;
    temporalBinary: string;
    redisUrl: string;
    workflowBundlePath: string;
    /** A namespace no shared service worker polls: for tests that need "no worker at all" (restarts). */
    isolatedNamespace: string;
    /** Another such namespace, for the shutdown test: vitest runs two files at once, each needs its own. */
    shutdownNamespace: string;
    /** A namespace whose every client and worker encodes payloads with a test codec. */
    codecNamespace: string;
    /** A namespace served only by the metrics test's service worker, so its workflows report to its registry. */
    metricsNamespace: string;
    /** Another namespace with the search attributes, for tests proving TEMPORAL_NAMESPACE is obeyed. */
    secondNamespace: string;
  }
}

const ISOLATED_NAMESPACE = 'isolated';
const SHUTDOWN_NAMESPACE = 'isolated-shutdown';
const CODEC_NAMESPACE = 'codec';
const METRICS_NAMESPACE = 'metrics';
const SECOND_NAMESPACE = 'second';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const binary = await resolveTemporalBinary();
  const [temporal, redis] = await Promise.all([
    startTemporalDevServer({ binaryPath: binary.path, stdio: 'ignore', extraNamespaces: [ISOLATED_NAMESPACE, SHUTDOWN_NAMESPACE, CODEC_NAMESPACE, METRICS_NAMESPACE, SECOND_NAMESPACE] }),
    ensureRedis(),
  ]);
  const dir = await mkdtemp(join(tmpdir(), 'delay-callback-test-'));
  const bundlePath = join(dir, 'workflow-bundle.js');
  const { code } = await bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: quietLogger });
  await writeFile(bundlePath, code);

  project.provide('temporalAddress', temporal.address);
  project.provide('temporalUiUrl', temporal.uiUrl);
  project.provide('temporalBinary', binary.path);
  project.provide('redisUrl', redis.url);
  project.provide('workflowBundlePath', bundlePath);
  project.provide('isolatedNamespace', ISOLATED_NAMESPACE);
  project.provide('shutdownNamespace', SHUTDOWN_NAMESPACE);
  project.provide('codecNamespace', CODEC_NAMESPACE);
  project.provide('metricsNamespace', METRICS_NAMESPACE);
  project.provide('secondNamespace', SECOND_NAMESPACE);
  console.log(`[test] Temporal ${temporal.address} (UI ${temporal.uiUrl}), Redis ${redis.url}, CLI ${binary.version}`);

  return async () => {
    await Promise.all([temporal.stop(), redis.stop()]);
    await rm(dir, { recursive: true, force: true });
  };
}

const noop = (): void => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, log: noop, warn: console.warn, error: console.error };
