/**
 * Options of `npm run probe` (bench/probe.ts): an independent load probe against
 * a running stack, by default the one `npm run dev` starts.
 */
import { parseArgs } from 'node:util';

export interface ProbeOptions {
  /** Registrations per second. @default 30 */
  rate: number;
  /** Seconds of registering. @default 20 */
  durationSeconds: number;
  /** Smallest delay of a registration, seconds. @default 5 */
  delaySeconds: number;
  /** Delays are spread uniformly over [delay, delay + spread], seconds. @default 5 */
  spreadSeconds: number;
  /** The app the probe registers for (and whose worker it hosts). @default 'probe' */
  app: string;
  /** @default DELAY_CALLBACK_URL or http://127.0.0.1:8080 */
  serverUrl: string;
  /** @default TEMPORAL_ADDRESS or 127.0.0.1:7233 */
  temporalAddress: string;
  /** @default TEMPORAL_NAMESPACE or 'default' */
  namespace: string;
  /** @default DELAY_CALLBACK_TOKEN */
  token?: string;
  /** Client timeout of one registration, ms. @default 10000 */
  requestTimeoutMs: number;
  /** After the last trigger time, how long to wait for fires before asking Temporal, seconds. @default 30 */
  settleSeconds: number;
  /** Bound on waiting for unfired registrations' workflows to close, seconds. @default 900 */
  verifySeconds: number;
  /** Registrations outstanding at once, at most. @default 4000 */
  maxInFlight: number;
  /** Write the report as JSON to this file ('-' for stdout). */
  json?: string;
}

const USAGE = `npm run probe -- [options]
  --rate N              registrations per second (30)
  --duration S          seconds of registering (20)
  --delay S             smallest delay of a registration, seconds (5)
  --spread S            delays spread over [delay, delay + spread] (5)
  --app NAME            app to register for and host the worker of (probe)
  --server-url URL      facade (DELAY_CALLBACK_URL or http://127.0.0.1:8080)
  --temporal-address A  Temporal frontend (TEMPORAL_ADDRESS or 127.0.0.1:7233)
  --namespace NS        Temporal namespace (TEMPORAL_NAMESPACE or default)
  --token T             bearer token of the app (DELAY_CALLBACK_TOKEN)
  --request-timeout MS  client timeout of one registration (10000)
  --settle S            wait for fires this long after the last trigger (30)
  --verify S            bound on waiting for unfired workflows to close (900)
  --max-in-flight N     outstanding registrations at most (4000)
  --json FILE           also write the report as JSON ('-': stdout)`;

export function parseProbeOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): ProbeOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      rate: { type: 'string' },
      duration: { type: 'string' },
      delay: { type: 'string' },
      spread: { type: 'string' },
      app: { type: 'string' },
      'server-url': { type: 'string' },
      'temporal-address': { type: 'string' },
      namespace: { type: 'string' },
      token: { type: 'string' },
      'request-timeout': { type: 'string' },
      settle: { type: 'string' },
      verify: { type: 'string' },
      'max-in-flight': { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const number = (name: keyof typeof values, fallback: number, min: number): number => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (typeof raw !== 'string' || !Number.isFinite(value) || value < min) throw new Error(`--${name} must be a number >= ${min} (got "${String(raw)}")\n${USAGE}`);
    return value;
  };
  return {
    rate: number('rate', 30, 0.01),
    durationSeconds: number('duration', 20, 0.01),
    delaySeconds: number('delay', 5, 0),
    spreadSeconds: number('spread', 5, 0),
    app: values.app ?? 'probe',
    serverUrl: values['server-url'] ?? env.DELAY_CALLBACK_URL ?? 'http://127.0.0.1:8080',
    temporalAddress: values['temporal-address'] ?? env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    namespace: values.namespace ?? env.TEMPORAL_NAMESPACE ?? 'default',
    token: values.token ?? env.DELAY_CALLBACK_TOKEN,
    requestTimeoutMs: number('request-timeout', 10_000, 1),
    settleSeconds: number('settle', 30, 0),
    verifySeconds: number('verify', 900, 0),
    maxInFlight: number('max-in-flight', 4_000, 1),
    json: values.json,
  };
}
