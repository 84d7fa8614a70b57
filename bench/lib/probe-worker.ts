/**
 * The probe's application worker, in a child process of its own so that
 * handling fires never delays the registering loop (nor the other way round):
 * an SDK worker whose handler records the moment each callback fires, by its
 * own clock, and ships the records to the probe over IPC every 100 ms.
 */
import { DelayCallbackClient } from '../../client-sdk/index.js';

export interface ProbeWorkerConfig {
  run: string;
  app: string;
  alias: string;
  serverUrl: string;
  temporalAddress: string;
  namespace: string;
  token?: string;
}

/** [seq, firedAt, attempt, uid] */
export type ProbeFireRecord = [number, number, number, string];
export type ProbeWorkerMessage = { type: 'ready' } | { type: 'fires'; fires: ProbeFireRecord[] } | { type: 'error'; message: string };

const config = JSON.parse(process.env.PROBE_WORKER_CONFIG ?? '{}') as ProbeWorkerConfig;
const send = (message: ProbeWorkerMessage): void => void process.send?.(message);
let buffer: ProbeFireRecord[] = [];
const flush = (): void => {
  if (buffer.length === 0) return;
  send({ type: 'fires', fires: buffer });
  buffer = [];
};
const timer = setInterval(flush, 100);

const client = new DelayCallbackClient({
  app: config.app,
  serverUrl: config.serverUrl,
  token: config.token,
  temporal: { address: config.temporalAddress, namespace: config.namespace },
  worker: { maxConcurrentHandlers: 1_000, shutdownGraceTimeMs: 5_000 },
});
client.define<{ run?: string; seq?: number }>(config.alias, (request) => {
  const firedAt = Date.now();
  // Other runs' leftovers on the same app are not this run's to count.
  if (request.args?.run === config.run && typeof request.args.seq === 'number') buffer.push([request.args.seq, firedAt, request.attempt, request.uid]);
  return true;
});

const stop = async (): Promise<void> => {
  await client.stop().catch(() => undefined);
  clearInterval(timer);
  flush();
  process.disconnect?.();
  process.exit(0);
};
process.on('message', (message: { type?: string }) => {
  if (message?.type === 'stop') void stop();
});
process.once('disconnect', () => void stop());

try {
  await client.start();
  send({ type: 'ready' });
} catch (err) {
  send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
}
