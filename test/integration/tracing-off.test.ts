/**
 * Tracing off (the default) costs nothing: the facade's real entry point (server/main.ts, its
 * service worker in the same process) registers and fires a callback without loading the
 * OpenTelemetry SDK, an exporter, @fastify/otel or Temporal's OpenTelemetry interceptors, and
 * without registering a tracer provider; neither does an SDK worker.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { DelayCallbackClient } from '../../client-sdk/index.js';
import { spawnManaged, type ManagedChild } from '../../scripts/lib/managed-child.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { createNamespace } from '../helpers/namespace.js';
import { waitForStatus } from '../helpers/recorder.js';
import { uniqueName } from '../helpers/stack.js';

const root = resolve(import.meta.dirname, '../..');
/**
 * Every package of tracing but @opentelemetry/api, the no-op API, which prom-client loads for its
 * exemplars whatever our configuration (it does nothing until an SDK registers a provider).
 */
const TRACING_MODULES = /[\\/]node_modules[\\/](?:@opentelemetry[\\/](?!api[\\/])|@fastify[\\/]otel[\\/]|@temporalio[\\/]interceptors-opentelemetry[\\/])/;
let facade: ManagedChild | undefined;
let client: DelayCallbackClient | undefined;
let dir: string | undefined;
afterAll(async () => {
  await client?.stop();
  await facade?.stop('SIGTERM', 35_000);
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('loads nothing of OpenTelemetry in the facade, its service worker or an SDK worker', async () => {
  const namespace = await createNamespace('untraced');
  dir = await mkdtemp(join(tmpdir(), 'tracing-off-'));
  const loadedFile = join(dir, 'modules.txt');
  // PORT=0: the facade takes a port of the kernel's choosing and logs it. A port picked here and
  // bound later by the child could be taken meanwhile by another test file's server, which would
  // then answer in its place.
  facade = spawnManaged(process.execPath, ['--import', 'tsx', '--import', './test/fixtures/dump-loaded-modules.mjs', 'server/main.ts'], {
    name: 'facade',
    cwd: root,
    stdio: ['ignore', 'pipe', 'ignore'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: namespace,
      REDIS_URL: inject('redisUrl'),
      REDIS_KEY_PREFIX: `${uniqueName('dc-test')}:`,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      LOADED_MODULES_FILE: loadedFile,
    },
  });
  const baseUrl = await listeningUrl(facade);
  await waitFor('the facade ready', async () => (await fetch(`${baseUrl}/readyz`).catch(() => undefined))?.ok, { timeoutMs: 120_000, intervalMs: 250 });

  client = new DelayCallbackClient({ app: uniqueName('untraced'), serverUrl: baseUrl, temporal: { address: inject('temporalAddress'), namespace }, payloadEncryptionKeys: false });
  client.define('ping', async () => 'pong');
  await client.start();
  const { uid } = await client.register({ alias: 'ping', args: [1], delaySeconds: 0 });
  expect((await waitForStatus(client, uid, 'succeeded', 60_000)).result).toBe('pong');

  await facade.stop('SIGTERM', 35_000);
  const { modules: facadeModules, otelGlobals } = JSON.parse(await readFile(loadedFile, 'utf8')) as { modules: string[]; otelGlobals: string[] };
  // The dump works: the service's own dependencies are in it.
  expect(facadeModules.some((path) => path.includes('/node_modules/fastify/'))).toBe(true);
  expect(facadeModules.some((path) => path.includes('/node_modules/@temporalio/worker/'))).toBe(true);
  expect(facadeModules.filter((path) => TRACING_MODULES.test(path))).toEqual([]);
  // No tracer provider, context manager or propagator was ever registered.
  expect(otelGlobals).toEqual([]);

  // This process ran the SDK worker (and its attempt) with tracing off.
  const requireHere = createRequire(import.meta.url);
  const here = () => Object.keys(requireHere.cache).filter((path) => TRACING_MODULES.test(path));
  expect(Object.keys(requireHere.cache).some((path) => path.includes('/node_modules/@temporalio/worker/'))).toBe(true);
  expect(here()).toEqual([]);
  // And the check sees such a module once it is loaded.
  await import('@temporalio/interceptors-opentelemetry/lib/worker/index.js');
  expect(here().length).toBeGreaterThan(0);
}, 240_000);

/** The URL the facade logs when it listens (Fastify's "Server listening at ..."); its later output is drained. */
async function listeningUrl(child: ManagedChild): Promise<string> {
  const stdout = child.process.stdout;
  if (!stdout) throw new Error('the facade was started without a stdout pipe');
  const lines = createInterface({ input: stdout });
  const exited = child.exited.then((code) => {
    throw new Error(`the facade exited (${code}) before it listened`);
  });
  const listening = new Promise<string>((resolveUrl) => {
    lines.on('line', (line) => {
      const url = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1];
      if (url) resolveUrl(url);
    });
  });
  return Promise.race([listening, exited]);
}
