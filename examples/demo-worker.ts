/**
 * The demo application worker that `npm run dev` starts: app "demo", three aliases.
 *
 *   hello  logs its args and succeeds with a greeting
 *   flaky  fails its first two attempts, then succeeds (watch the retries)
 *   slow   takes args.seconds (default 10) to finish
 */
// In an application: import { DelayCallbackClient } from '@delay-callback/client';
import { DelayCallbackClient } from '../client-sdk/index.js';

const client = new DelayCallbackClient({
  app: process.env.DELAY_CALLBACK_APP ?? 'demo',
  serverUrl: process.env.DELAY_CALLBACK_URL ?? 'http://127.0.0.1:8080',
  token: process.env.DELAY_CALLBACK_TOKEN,
  // No `temporal` option: the worker connects as Temporal's standard settings say (TEMPORAL_ADDRESS,
  // TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE), like the service.
});

client.define<unknown[], string>('hello', async (req) => {
  console.log(`[demo] hello #${req.attempt} uid=${req.uid} args=${JSON.stringify(req.args)} late=${Date.now() - Date.parse(req.triggerAt)} ms`);
  return `hello, ${JSON.stringify(req.args)}`;
});

client.define('flaky', async (req) => {
  console.log(`[demo] flaky attempt ${req.attempt} uid=${req.uid}`);
  if (req.attempt < 3) throw new Error(`flaky failure on attempt ${req.attempt}`);
  return { succeededOnAttempt: req.attempt };
});

client.define<{ seconds?: number }>('slow', async (req) => {
  const seconds = req.args?.seconds ?? 10;
  console.log(`[demo] slow: working ${seconds} s uid=${req.uid}`);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return true;
});

await client.start();
console.log(`[demo] worker running for app "${client.app}" (aliases hello, flaky, slow)`);

const stop = async (): Promise<void> => {
  console.log('[demo] stopping: letting running handlers finish');
  await client.stop();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
