/**
 * Remote Temporal over TLS, for real: the run's dev server behind a TLS front (mTLS, or TLS
 * plus an API key as on Temporal Cloud). The facade's client connection, the service worker's
 * native connection and an application's SDK worker are configured only through the
 * TEMPORAL_* variables, and a callback goes all the way through it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DelayCallbackClient, temporalOptionsFromEnv } from '../../client-sdk/index.js';
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
  TEMPORAL_TLS_CA_PATH: pki.caPath,
  TEMPORAL_TLS_CERT_PATH: pki.clientCertPath,
  TEMPORAL_TLS_KEY_PATH: pki.clientKeyPath,
  TEMPORAL_TLS_SERVER_NAME: pki.serverName,
});
const cloudEnv = (key = API_KEY): Record<string, string> => ({
  TEMPORAL_ADDRESS: cloud.address,
  TEMPORAL_API_KEY: key,
  // Temporal Cloud's certificate chains to a public root; this stand-in's to the test CA.
  TEMPORAL_TLS_CA_PATH: pki.caPath,
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
    const { TEMPORAL_TLS_CERT_PATH: _c, TEMPORAL_TLS_KEY_PATH: _k, ...noPair } = mtlsEnv();
    expect(await facadeCall(noPair)).not.toBe('ok');
    const { TEMPORAL_TLS_SERVER_NAME: _n, ...noName } = mtlsEnv();
    expect(await facadeCall(noName)).not.toBe('ok');
  });

  it('runs a callback end to end: facade, service worker and the SDK worker all over mTLS', async () => {
    const env = testEnv({ ...mtlsEnv(), REDIS_KEY_PREFIX: `${uniqueName('tls')}:` });
    const config = loadConfig(env);
    const connection = lazyClientConnection(config.temporal);
    const redis = createRedisClient(config.redis.url);
    const metrics = createServiceMetrics({ defaultMetrics: false });
    const worker = superviseServiceWorker(config, { metrics, log: pino({ level: 'warn' }), workflowBundle: { codePath: inject('workflowBundlePath') } });
    const app = await buildApp(config, { temporal: new Client({ connection, namespace: config.temporal.namespace }), redis, metrics, workerState: worker.state, logger: false });
    const appName = uniqueName('tls-app');
    const sdk = new DelayCallbackClient({ app: appName, serverUrl: 'http://unused', temporal: temporalOptionsFromEnv(env), worker: { shutdownGraceTimeMs: 2_000 } });
    const fired: string[] = [];
    sdk.define('tick', (request) => {
      fired.push(request.uid);
      return true;
    });
    try {
      await waitFor('service worker running over mTLS', async () => worker.state() === 'running', { timeoutMs: 30_000 });
      await sdk.start();
      const response = await app.inject({ method: 'POST', url: `/v1/apps/${appName}/callbacks`, payload: { alias: 'tick', delaySeconds: 0.5 } });
      expect(response.statusCode).toBe(201);
      const { uid } = response.json<{ uid: string }>();
      await waitFor('callback fired over mTLS', async () => fired.includes(uid), { timeoutMs: 20_000 });
      await waitFor('callback succeeded', async () => (await app.inject({ url: `/v1/apps/${appName}/callbacks/${uid}` })).json<{ status: string }>().status === 'succeeded', {
        timeoutMs: 10_000,
      });
      // Every call of the three went through the TLS front.
      const paths = new Set(mtls.calls.map((call) => call.path.split('/').pop()));
      for (const method of ['StartWorkflowExecution', 'PollWorkflowTaskQueue', 'PollActivityTaskQueue', 'RespondActivityTaskCompleted']) {
        expect(paths).toContain(method);
      }
    } finally {
      await sdk.stop();
      await app.close();
      await worker.stop();
      redis.disconnect();
      await connection.close();
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
