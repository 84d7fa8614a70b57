/**
 * The webhook side of a scenario: the same registrations as ours (bench/lib/ours.ts) with a
 * `webhook` to a receiver in the bench process on 127.0.0.1, so the service worker delivers them
 * itself and no app worker is involved. A fire is the receiver getting the POST (its clock): the
 * body's `data.args` carries the run and seq, `data.attempt` the attempt. The receiver answers 204
 * at once and does not verify signatures (the tests do): it should cost the measurement nothing.
 */
import { createServer, type Server } from 'node:http';
import { DelayCallbackClient } from '../../client-sdk/index.js';
import type { FireRecord } from './fire-log.js';
import { oursDriver, registrationOutcome, type OursDriver } from './ours.js';
import type { RssSampler } from './rss.js';
import type { BenchStack } from './stack.js';

export interface WebhookReceiver {
  url: string;
  onFire(listener: (record: FireRecord) => void): () => void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const listeners = new Set<(record: FireRecord) => void>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = Date.now();
      try {
        const { data } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: { args: { run: string; seq: number }; attempt: number } };
        const record: FireRecord = [data.args.run, data.args.seq, at, data.attempt];
        for (const listener of listeners) listener(record);
      } catch {
        // Not a delivery of ours: answered all the same.
      }
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/bench-hook`,
    onFire(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Ours, but every registration carries `webhook` to `receiver`. No lateness breakdown: it reads SDK-path histories. */
export async function webhookDriver(stack: BenchStack, app: string, sampler: RssSampler, receiver: WebhookReceiver): Promise<OursDriver> {
  const ours = await oursDriver(stack, app, sampler, 'ours-webhook');
  const http = new DelayCallbackClient({ app, serverUrl: stack.facadeUrl, requestTimeoutMs: 30_000, retries: 0 });
  const { breakdown: _sdkPathOnly, ...rest } = ours;
  return {
    ...rest,
    async register(run, seq, triggerAt) {
      const sent = performance.now();
      try {
        const { uid } = await http.register({ alias: 'bench', args: { run, seq }, triggerAt, webhook: { url: receiver.url } });
        return { outcome: 'accepted', id: uid, latencyMs: performance.now() - sent };
      } catch (err) {
        return { ...registrationOutcome(err), latencyMs: performance.now() - sent };
      }
    },
    onFire: (listener) => receiver.onFire(listener),
    peaks: () => withoutAppWorker(ours.peaks()),
    cpu: () => withoutAppWorker(ours.cpu()),
  };
}

/** The app worker idles during a webhook run: its figures are not the webhook path's. */
function withoutAppWorker(values: Record<string, number>): Record<string, number> {
  const { 'app-worker': _idle, ...rest } = values;
  return rest;
}
