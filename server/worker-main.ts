/** The service worker alone (RUN_WORKER=false on the facades), with its own /metrics endpoint. */
import { createServer } from 'node:http';
import closeWithGrace from 'close-with-grace';
import pino from 'pino';
import { withPayloadEncryption } from '../client-sdk/codec/data-converter.js';
import { ConfigError, loadConfig } from './config.js';
import { createServiceMetrics } from './metrics.js';
import { installTemporalRuntime } from './temporal/runtime.js';
import { startTracing } from './tracing/index.js';
import { superviseServiceWorker } from './worker.js';

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
// Before anything that makes spans; nothing of OpenTelemetry is loaded when tracing is off.
const tracing = await startTracing(config.tracing, { process: 'service-worker' });
installTemporalRuntime(config.logLevel);
const log = pino({ level: config.logLevel, name: 'service-worker' });
const metrics = createServiceMetrics();
const dataConverter = config.payloadEncryptionKeys ? withPayloadEncryption(config.payloadEncryptionKeys) : undefined;
const worker = superviseServiceWorker(config, { metrics, log, dataConverter, tracing: tracing?.worker });

// PORT serves /metrics and /healthz for this process.
const server = createServer((request, response) => {
  if (request.url === '/metrics') {
    void metrics.registry.metrics().then((body) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body));
  } else if (request.url === '/healthz') {
    const running = worker.state() === 'running';
    response.writeHead(running ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ worker: worker.state() }));
  } else {
    response.writeHead(404).end();
  }
});
server.listen(config.port, config.host, () => log.info({ port: config.port }, 'service worker metrics listening'));

closeWithGrace({ delay: 30_000 }, async ({ signal, err }) => {
  if (err) log.error({ err }, 'shutting down after an error');
  else log.info({ signal }, 'shutting down');
  server.close();
  await worker.stop();
  await tracing?.shutdown();
});
