/**
 * Remote Temporal over TLS, for real: the run's dev server behind a TLS front (mTLS, or TLS
 * plus an API key as on Temporal Cloud). The facade's client connection, the service worker's
 * native connection and an application's SDK worker are configured only through Temporal's
 * standard TEMPORAL_* variables, and a callback goes all the way through it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { DelayCallbackClient, temporalOptionsFromEnv, type DelayCallbackClientOptions } from '../../client-sdk/index.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { buildApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { createServiceMetrics } from '../../server/metrics.js';
import { createRedisClient } from '../../server/redis.js';
import { clientConnectionOptions, connectNative, lazyClientConnection } from '../../server/temporal/connection.js';
import { installTemporalRuntime } from '../../server/temporal/runtime.js';
import { superviseServiceWorker } from '../../server/worker.js';
import { testEnv, uniqueName } from '../helpers/stack.js';
import { makeTestPki, startTlsGrpcProxy, type TestPki, type TlsGrpcProxy } from '../helpers/tls-grpc-proxy.js';

let dir: string;
let pki: TestPki;
let mtls: TlsGrpcProxy;
let cloud: TlsGrpcProxy;
const API_KEY = 'test-api-key-0123456789';

beforeAll(async () => {
  installTemporalRuntime('warn');
  dir = await mkdtemp(join(tmpdir(), 'dc-tls-'));
  pki = makeTestPki(dir);
  const backend = inject('temporalAddress');
  [mtls, cloud] = await Promise.all([
    startTlsGrpcProxy({ pki, backend, requireClientCert: true }),
    startTlsGrpcProxy({ pki, backend, requireClientCert: false, apiKey: API_KEY }),
  ]);
});

afterAll(async () => {
  await Promise.all([mtls?.close(), cloud?.close()]);
  await rm(dir, { recursive: true, force: true });
});

const mtlsEnv = (): Record<string, string> => ({
  TEMPORAL_ADDRESS: mtls.address,
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caPath,
  TEMPORAL_TLS_CLIENT_CERT_PATH: pki.clientCertPath,
  TEMPORAL_TLS_CLIENT_KEY_PATH: pki.clientKeyPath,
  TEMPORAL_TLS_SERVER_NAME: pki.serverName,
});
const cloudEnv = (key = API_KEY): Record<string, string> => ({
  TEMPORAL_ADDRESS: cloud.address,
  TEMPORAL_API_KEY: key,
  // Temporal Cloud's certificate chains to a public root; this stand-in's to the test CA.
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caPath,
  TEMPORAL_TLS_SERVER_NAME: pki.serverName,
});

/** Connects the facade's way and asks the server something; resolves with the error message, if any. */
async function facadeCall(env: Record<string, string>): Promise<string> {
  const options = clientConnectionOptions(loadConfig(env).temporal);
  try {
    const connection = await Connection.connect({ ...options, connectTimeout: 3_000 });
    try {
      await connection.workflowService.getSystemInfo({});
      return 'ok';
    } finally {
      await connection.close();
    }
  } catch (err) {
    const cause = (err as Error).cause as Error | undefined;
    return `${(err as Error).message}${cause ? `: ${cause.message}` : ''}`;
  }
}

describe('mTLS (self-hosted with client certificates, or Temporal Cloud with certificates)', () => {
  it('the facade connects with the CA, the client pair and the server name', async () => {
    expect(await facadeCall(mtlsEnv())).toBe('ok');
  });

  it('is refused without the client certificate, or when the server name does not match', async () => {
    const { TEMPORAL_TLS_CLIENT_CERT_PATH: _c, TEMPORAL_TLS_CLIENT_KEY_PATH: _k, ...noPair } = mtlsEnv();
    expect(await facadeCall(noPair)).not.toBe('ok');
    const { TEMPORAL_TLS_SERVER_NAME: _n, ...noName } = mtlsEnv();
    expect(await facadeCall(noName)).not.toBe('ok');
  });

  it('runs a callback end to end: facade, service worker and the SDK worker all over mTLS', async () => {
    const env = mtlsEnv();
    const { calls } = await callbackThrough(mtls, env, { temporal: temporalOptionsFromEnv(env) });
    // Every call of the three went through the TLS front.
    const paths = new Set(calls.map((call) => call.path.split('/').pop()));
    for (const method of ['StartWorkflowExecution', 'PollWorkflowTaskQueue', 'PollActivityTaskQueue', 'RespondActivityTaskCompleted']) {
      expect(paths).toContain(method);
    }
  });
});

describe('API key over TLS (Temporal Cloud)', () => {
  it('sends the key as a bearer token from the facade, the service worker and the SDK worker', async () => {
    const before = cloud.calls.length;
    expect(await facadeCall(cloudEnv())).toBe('ok');
    const native = await connectNative(loadConfig(cloudEnv()).temporal);
    await native.close();
    const sdk = new DelayCallbackClient({ app: uniqueName('key-app'), serverUrl: 'http://unused', temporal: temporalOptionsFromEnv(cloudEnv()) });
    sdk.define('noop', () => true);
    await sdk.start();
    await waitFor('the SDK worker polls through the front', async () => cloud.calls.slice(before).some((call) => call.path.endsWith('/PollActivityTaskQueue')), {
      timeoutMs: 15_000,
    });
    await sdk.stop();
    const seen = cloud.calls.slice(before);
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.every((call) => call.authorization === `Bearer ${API_KEY}`)).toBe(true);
  });

  it('is refused with a wrong key', async () => {
    expect(await facadeCall(cloudEnv('wrong-key'))).toMatch(/invalid API key|UNAUTHENTICATED/);
  });
});

describe("Temporal's standard variables alone: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY", () => {
  it('facade, service worker and an SDK client created without a temporal option all connect as they say', async () => {
    const namespace = inject('secondNamespace');
    const env = { ...cloudEnv(), TEMPORAL_NAMESPACE: namespace };
    // The SDK client reads the process's environment, as an application's would.
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    try {
      const { calls, uid, appName } = await callbackThrough(cloud, env, {});
      expect(calls.length).toBeGreaterThan(3);
      expect(calls.every((call) => call.authorization === `Bearer ${API_KEY}`)).toBe(true);
      // The workflow lives in the namespace TEMPORAL_NAMESPACE named, not in `default`.
      const direct = await Connection.connect({ address: inject('temporalAddress') });
      try {
        const workflowId = `callback:${appName}:${uid}`;
        const described = await new Client({ connection: direct, namespace }).workflow.getHandle(workflowId).describe();
        expect(described.status.name).toBe('COMPLETED');
        await expect(new Client({ connection: direct, namespace: 'default' }).workflow.getHandle(workflowId).describe()).rejects.toThrow(/not found/i);
      } finally {
        await direct.close();
      }
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

/**
 * A callback registered through a facade and run by a service worker, both configured by `env`
 * (through `loadConfig`), and fired on an SDK worker made with `sdkOptions`: every call of the
 * three must pass `front`. Resolves with the calls the front saw during the run.
 */
async function callbackThrough(
  front: TlsGrpcProxy,
  env: Record<string, string>,
  sdkOptions: Partial<DelayCallbackClientOptions>,
): Promise<{ calls: TlsGrpcProxy['calls']; uid: string; appName: string }> {
  const before = front.calls.length;
  const config = loadConfig(testEnv({ ...env, REDIS_KEY_PREFIX: `${uniqueName('tls')}:` }));
  const connection = lazyClientConnection(config.temporal);
  const redis = createRedisClient(config.redis.url, config.dependencyTimeoutMs);
  const metrics = createServiceMetrics({ defaultMetrics: false });
  const worker = superviseServiceWorker(config, { metrics, log: pino({ level: 'warn' }), workflowBundle: { codePath: inject('workflowBundlePath') } });
  const app = await buildApp(config, { temporal: new Client({ connection, namespace: config.temporal.namespace }), redis, metrics, workerState: worker.state, logger: false });
  const appName = uniqueName('tls-app');
  const sdk = new DelayCallbackClient({ app: appName, serverUrl: 'http://unused', worker: { shutdownGraceTimeMs: 2_000 }, ...sdkOptions });
  const fired: string[] = [];
  sdk.define('tick', (request) => {
    fired.push(request.uid);
    return true;
  });
  try {
    await waitFor('service worker running through the front', async () => worker.state() === 'running', { timeoutMs: 30_000 });
    await sdk.start();
    const response = await app.inject({ method: 'POST', url: `/v1/apps/${appName}/callbacks`, payload: { alias: 'tick', delaySeconds: 0.5 } });
    expect(response.statusCode).toBe(201);
    const { uid } = response.json<{ uid: string }>();
    await waitFor('callback fired through the front', async () => fired.includes(uid), { timeoutMs: 20_000 });
    await waitFor('callback succeeded', async () => (await app.inject({ url: `/v1/apps/${appName}/callbacks/${uid}` })).json<{ status: string }>().status === 'succeeded', {
      timeoutMs: 10_000,
    });
    const calls = front.calls.slice(before);
    const paths = new Set(calls.map((call) => call.path.split('/').pop()));
    for (const method of ['StartWorkflowExecution', 'PollWorkflowTaskQueue', 'PollActivityTaskQueue', 'RespondActivityTaskCompleted']) {
      expect(paths).toContain(method);
    }
    return { calls, uid, appName };
  } finally {
    await sdk.stop();
    await app.close();
    await worker.stop();
    redis.disconnect();
    await connection.close();
  }
}
