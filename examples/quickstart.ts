/**
 * A walk-through of the client SDK against a running stack (`npm run dev` in another terminal):
 *
 *   npx tsx examples/quickstart.ts
 *
 * It hosts a handler for app "quickstart", registers callbacks through the SDK and over plain HTTP,
 * cancels one, reschedules one, and prints what happened.
 */
// In an application (npm install @delay-callback/client): import { ... } from '@delay-callback/client';
import { DelayCallbackClient, DelayCallbackError } from '../client-sdk/index.js';

const serverUrl = process.env.DELAY_CALLBACK_URL ?? 'http://127.0.0.1:8080';
const client = new DelayCallbackClient({
  app: 'quickstart',
  serverUrl,
  token: process.env.DELAY_CALLBACK_TOKEN,
  // No `temporal` option: TEMPORAL_ADDRESS (default 127.0.0.1:7233), TEMPORAL_NAMESPACE, ... say where to connect.
});

// 1. The handler: runs on this process's worker when a callback of alias "order-expiry" fires.
//    Delivery is at-least-once: use uid (and attempt) to make side effects idempotent.
client.define<{ orderId: number }, { expired: number }>('order-expiry', async (req) => {
  console.log(`order ${req.args.orderId} expires now (uid ${req.uid}, attempt ${req.attempt}, due ${req.triggerAt})`);
  return { expired: req.args.orderId };
});
await client.start();

// 2. Register through the SDK: in 2 seconds, with the default retry strategy, safe to retry by key.
const viaSdk = await client.register({ alias: 'order-expiry', args: { orderId: 42 }, delaySeconds: 2, idempotencyKey: 'order-42-expiry' });
console.log('registered', viaSdk.uid, 'due', viaSdk.triggerAt, 'web UI:', viaSdk.links.webUi);

// 3. Register over plain HTTP (what any language can do), then cancel it.
const response = await fetch(`${serverUrl}/v1/apps/quickstart/callbacks`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(process.env.DELAY_CALLBACK_TOKEN ? { authorization: `Bearer ${process.env.DELAY_CALLBACK_TOKEN}` } : {}) },
  body: JSON.stringify({ alias: 'order-expiry', args: { orderId: 43 }, delaySeconds: 60 }),
});
const viaHttp = (await response.json()) as { uid: string };
console.log('cancel:', await client.unregister(viaHttp.uid));

// 4. Reschedule a third one earlier.
const later = await client.register({ alias: 'order-expiry', args: { orderId: 44 }, delaySeconds: 3_600 });
const moved = await client.reschedule(later.uid, { delaySeconds: 1 });
console.log('rescheduled to', moved.triggerAt);

// 5. Wait for both to succeed and show the result.
for (const uid of [viaSdk.uid, later.uid]) {
  for (;;) {
    const callback = await client.get<{ orderId: number }, { expired: number }>(uid);
    if (callback.status === 'succeeded') {
      console.log(`${uid}: ${callback.status} after ${callback.attempts} attempt(s), ${callback.latenessMs} ms late, result`, callback.result);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

// 6. Errors carry the API's code and HTTP status.
const missing = await client.get('no-such-uid').catch((err: unknown) => err);
if (missing instanceof DelayCallbackError) console.log('unknown uid ->', missing.status, missing.code);

await client.stop();
