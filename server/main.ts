/**
 * The facade's entry point: configuration, connections, the service worker
 * (unless RUN_WORKER=false), listen, and a graceful shutdown on SIGTERM/SIGINT.
 */
import { Client } from '@temporalio/client';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createServiceMetrics } from './metrics.js';
import { withPayloadEncryption } from '../client-sdk/codec/data-converter.js';
import { createRedisClient } from './redis.js';
import { lazyClientConnection } from './temporal/connection.js';
import { installTemporalRuntime } from './temporal/runtime.js';
import { startTracing } from './tracing/index.js';
import { superviseServiceWorker } from './worker.js';

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}

const config = readConfig();
// Before anything that makes spans; nothing of OpenTelemetry is loaded when tracing is off.
const tracing = await startTracing(config.tracing, { process: 'facade' });
installTemporalRuntime(config.logLevel);
const connection = lazyClientConnection(config.temporal);
// The facade's client and its service worker encrypt and decrypt with the same keys.
const dataConverter = config.payloadEncryptionKeys ? withPayloadEncryption(config.payloadEncryptionKeys) : undefined;
const temporal = new Client({ connection, namespace: config.temporal.namespace, dataConverter, interceptors: tracing?.clientInterceptors });
const redis = createRedisClient(config.redis.url, config.dependencyTimeoutMs);
const metrics = createServiceMetrics();

// With RUN_WORKER=false the worker runs elsewhere and is no part of this process's readiness.
const workerState = config.runWorker ? () => worker?.state() ?? 'starting' : undefined;
const app = await buildApp(config, { temporal, redis, metrics, workerState, tracing });
redis.on('error', (err) => app.log.warn({ err: err.message }, 'redis connection error'));
const worker = config.runWorker
  ? superviseServiceWorker(config, { metrics, log: app.log, dataConverter, tracing: tracing?.worker })
  : undefined;
if (!worker) app.log.info('RUN_WORKER=false: the service worker runs elsewhere (npm run start:worker)');
if (config.payloadEncryptionKeys) app.log.info({ keyId: config.payloadEncryptionKeys[0]?.id }, 'payload encryption on');
if (tracing) app.log.info({ serviceName: config.tracing?.serviceName }, 'OpenTelemetry tracing on');

closeWithGrace({ delay: 30_000 }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, 'shutting down after an error');
  else app.log.info({ signal }, 'shutting down');
  await app.close();
  await worker?.stop();
  redis.disconnect();
  await connection.close();
  await tracing?.shutdown();
});

await app.listen({ host: config.host, port: config.port });
