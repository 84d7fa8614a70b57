/**
 * All configuration, read from the environment in one place and validated at
 * start-up. A bad value stops start-up with a message naming the variable.
 * The table below is also the source of the table in docs/configuration.md.
 */
import { readFileSync } from 'node:fs';
import { MAX_DISPATCH_LEAD_MS } from '../workflows/contract.js';
import { APP_NAME_PATTERN } from './schemas/common.js';

export interface TemporalTlsConfig {
  caPath?: string;
  certPath?: string;
  keyPath?: string;
  serverName?: string;
}

export interface Config {
  host: string;
  port: number;
  logLevel: string;
  temporal: {
    address: string;
    namespace: string;
    uiUrl: string;
    /** Undefined: plain connection. */
    tls?: TemporalTlsConfig;
    apiKey?: string;
  };
  redis: { url: string; keyPrefix: string };
  idempotencyTtlSeconds: number;
  maxArgsBytes: number;
  maxHorizonSeconds: number;
  /** Per-app bearer tokens (several allowed per app for rotation). */
  appTokens: ReadonlyMap<string, readonly string[]>;
  adminToken?: string;
  rateLimit: { max: number; windowMs: number };
  /** Run the service worker (the workflows) inside the facade process. */
  runWorker: boolean;
  worker: { maxCachedWorkflows: number; maxConcurrentWorkflowTasks: number };
  /** Bound on every call to Temporal or Redis made for a request; past it the answer is 503. */
  dependencyTimeoutMs: number;
  /** How attempts reach the app's workers (carried in each registration's workflow input). */
  dispatch: DispatchSettings;
  /** Public base URL of this API, for `links.self`; relative links when unset. */
  publicUrl?: string;
}

export interface DispatchSettings {
  /** An attempt is dispatched this long before its due time; the app's worker holds it until then. 0: at the due time. */
  leadMs: number;
  /** Deliveries of one attempt after the first when its worker is lost, before the attempt fails with WORKER_LOST. */
  workerLossRedeliveries: number;
}

export class ConfigError extends Error {
  readonly code = 'INVALID_CONFIGURATION';
  constructor(readonly variable: string, problem: string) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

export interface ConfigVariable {
  name: string;
  /** Shown in docs/configuration.md; undefined = unset by default. */
  default?: string;
  description: string;
}

/** Every variable the service reads, with its default: the table in docs/configuration.md. */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = [
  { name: 'HOST', default: '127.0.0.1', description: 'Interface the HTTP facade binds (0.0.0.0 in containers).' },
  { name: 'PORT', default: '8080', description: 'Port of the HTTP facade.' },
  { name: 'LOG_LEVEL', default: 'info', description: 'pino log level: fatal, error, warn, info, debug, trace, silent.' },
  { name: 'TEMPORAL_ADDRESS', default: '127.0.0.1:7233', description: 'Temporal frontend, host:port.' },
  { name: 'TEMPORAL_NAMESPACE', default: 'default', description: 'Temporal namespace holding the callbacks.' },
  { name: 'TEMPORAL_UI_URL', default: 'http://127.0.0.1:8233', description: 'Temporal Web UI base URL, for `links.webUi`.' },
  { name: 'TEMPORAL_TLS', default: 'false', description: 'Connect to Temporal over TLS (implied by the three paths below or an API key).' },
  { name: 'TEMPORAL_TLS_CA_PATH', description: 'PEM file of the CA that signed the Temporal server certificate.' },
  { name: 'TEMPORAL_TLS_CERT_PATH', description: 'PEM client certificate for mTLS (self-hosted with mTLS, Temporal Cloud with certificates).' },
  { name: 'TEMPORAL_TLS_KEY_PATH', description: 'PEM private key of the client certificate.' },
  { name: 'TEMPORAL_TLS_SERVER_NAME', description: 'Override of the TLS server name (SNI) to verify.' },
  { name: 'TEMPORAL_API_KEY', description: 'API key for Temporal Cloud (turns TLS on).' },
  { name: 'REDIS_URL', default: 'redis://127.0.0.1:6379', description: 'Redis holding idempotency keys.' },
  { name: 'REDIS_KEY_PREFIX', default: 'delay-callback:', description: 'Prefix of every Redis key the service writes.' },
  { name: 'IDEMPOTENCY_TTL_SECONDS', default: '86400', description: 'How long an idempotency key is remembered.' },
  { name: 'MAX_ARGS_BYTES', default: '65536', description: 'Largest serialized `args` accepted (413 beyond).' },
  { name: 'MAX_HORIZON_SECONDS', default: '315360000', description: 'Furthest trigger time accepted, from now (10 years; 400 beyond).' },
  { name: 'DELAY_CALLBACK_TOKENS', description: 'Per-app bearer tokens: `app=token,app2=token2` (an app may appear twice, for rotation).' },
  { name: 'DELAY_CALLBACK_TOKENS_FILE', description: 'File of `app=token` lines (whole-line `#` comments), merged with the above.' },
  { name: 'DELAY_CALLBACK_ADMIN_TOKEN', description: 'One token valid for every app.' },
  { name: 'RATE_LIMIT_MAX', default: '6000', description: 'Requests per token (or per client IP without one) per window; 0 turns limiting off.' },
  { name: 'RATE_LIMIT_WINDOW', default: '1 minute', description: 'The rate limit window, 1 ms to 1 day: `500 ms`, `30 s`, `1 minute`, `1 hour`.' },
  { name: 'RUN_WORKER', default: 'true', description: 'Run the service worker (the workflows) in the facade process; false to scale it separately.' },
  { name: 'WORKER_MAX_CACHED_WORKFLOWS', default: '1000', description: 'Sticky cache size of the service worker (sleeping callbacks are evicted, not pinned).' },
  { name: 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', default: '100', description: 'Workflow tasks the service worker runs at once.' },
  { name: 'DEPENDENCY_TIMEOUT_MS', default: '5000', description: 'Bound on each Temporal/Redis call made for a request; past it the answer is 503.' },
  { name: 'DISPATCH_LEAD_MS', default: '2000', description: 'Pre-dispatch: an attempt goes to the app\'s worker this long before it is due and starts on the due millisecond of the worker\'s clock (0 to 5000; 0 turns it off).' },
  { name: 'WORKER_LOSS_REDELIVERIES', default: '3', description: 'Deliveries of one attempt after the first when its worker is lost (heartbeat timeout, shutdown); then the attempt fails with `WORKER_LOST` (0 to 100).' },
  { name: 'PUBLIC_URL', description: 'Public base URL of the API for absolute `links.self`; relative links when unset.' },
  { name: 'DELAY_CALLBACK_TOOLS_DIR', default: '~/.cache/delay-callback', description: 'Scripts only: where the built Temporal CLI is cached.' },
  { name: 'TEMPORAL_CLI_PATH', description: 'Scripts only: a `temporal` binary to use instead of building one.' },
];

const DEFAULTS: Record<string, string | undefined> = Object.fromEntries(CONFIG_VARIABLES.map((v) => [v.name, v.default]));

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const read = (name: string): string | undefined => {
    const raw = env[name];
    return raw === undefined || raw.trim() === '' ? DEFAULTS[name] : raw.trim();
  };
  const required = (name: string): string => {
    const value = read(name);
    if (value === undefined) throw new ConfigError(name, 'is required');
    return value;
  };
  const integer = (name: string, min: number, max: number): number => {
    const raw = required(name);
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new ConfigError(name, `must be an integer from ${min} to ${max} (got "${raw}")`);
    }
    return value;
  };
  const bool = (name: string): boolean => {
    const raw = required(name).toLowerCase();
    if (['true', '1', 'yes'].includes(raw)) return true;
    if (['false', '0', 'no'].includes(raw)) return false;
    throw new ConfigError(name, `must be true or false (got "${raw}")`);
  };
  const url = (name: string, protocols: readonly string[]): string => {
    const raw = required(name);
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new ConfigError(name, `must be a URL such as ${protocols[0]}//host:port (got "${withoutCredentials(raw)}")`);
    }
    if (!protocols.includes(parsed.protocol)) {
      throw new ConfigError(name, `must use ${protocols.join(' or ')} (got "${withoutCredentials(raw)}")`);
    }
    return raw.replace(/\/+$/, '');
  };
  /** A value matching `pattern`; `secret` values are never echoed in the message. */
  const matching = (name: string, pattern: RegExp, what: string, secret = false): string | undefined => {
    const value = read(name);
    if (value !== undefined && !pattern.test(value)) {
      throw new ConfigError(name, `must be ${what}${secret ? '' : ` (got "${value}")`}`);
    }
    return value;
  };
  const optionalFile = (name: string): string | undefined => {
    const path = read(name);
    if (path === undefined) return undefined;
    try {
      readFileSync(path);
    } catch (err) {
      throw new ConfigError(name, `names a file that cannot be read: ${(err as Error).message}`);
    }
    return path;
  };

  const address = required('TEMPORAL_ADDRESS');
  const addressPort = /^(?:[^\s:/[\]]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/.exec(address)?.[1];
  if (addressPort === undefined || Number(addressPort) < 1 || Number(addressPort) > 65_535) {
    throw new ConfigError('TEMPORAL_ADDRESS', `must be host:port with a port from 1 to 65535 (got "${address}")`);
  }
  const namespace = matching('TEMPORAL_NAMESPACE', NAMESPACE, 'a Temporal namespace name (letters, digits, . _ -)') ?? required('TEMPORAL_NAMESPACE');
  const tlsPaths = {
    caPath: optionalFile('TEMPORAL_TLS_CA_PATH'),
    certPath: optionalFile('TEMPORAL_TLS_CERT_PATH'),
    keyPath: optionalFile('TEMPORAL_TLS_KEY_PATH'),
    serverName: matching('TEMPORAL_TLS_SERVER_NAME', HOSTNAME, 'a DNS name'),
  };
  if (Boolean(tlsPaths.certPath) !== Boolean(tlsPaths.keyPath)) {
    throw new ConfigError(tlsPaths.certPath ? 'TEMPORAL_TLS_KEY_PATH' : 'TEMPORAL_TLS_CERT_PATH', 'must be set together with its pair (client certificate and key)');
  }
  const apiKey = matching('TEMPORAL_API_KEY', VISIBLE_ASCII, 'visible ASCII characters without spaces', true);
  const tlsOn = bool('TEMPORAL_TLS') || Object.values(tlsPaths).some(Boolean) || apiKey !== undefined;

  const logLevel = required('LOG_LEVEL');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of fatal, error, warn, info, debug, trace, silent (got "${logLevel}")`);
  }
  const keyPrefix = matching('REDIS_KEY_PREFIX', /^[\x21-\x7E]{1,128}$/, '1 to 128 visible ASCII characters') ?? required('REDIS_KEY_PREFIX');

  return {
    host: matching('HOST', /^[A-Za-z0-9.:%_-]+$/, 'a host name or IP address to bind, such as 127.0.0.1 or 0.0.0.0') ?? required('HOST'),
    port: integer('PORT', 0, 65_535),
    logLevel,
    temporal: {
      address,
      namespace,
      uiUrl: url('TEMPORAL_UI_URL', ['http:', 'https:']),
      tls: tlsOn ? stripUndefined(tlsPaths) : undefined,
      apiKey,
    },
    redis: { url: url('REDIS_URL', ['redis:', 'rediss:']), keyPrefix },
    idempotencyTtlSeconds: integer('IDEMPOTENCY_TTL_SECONDS', 1, 365 * 86_400),
    maxArgsBytes: integer('MAX_ARGS_BYTES', 2, 1_048_576),
    maxHorizonSeconds: integer('MAX_HORIZON_SECONDS', 1, 100 * 365 * 86_400),
    appTokens: parseTokens(env, read),
    adminToken: matching('DELAY_CALLBACK_ADMIN_TOKEN', VISIBLE_ASCII, 'visible ASCII characters without spaces', true),
    rateLimit: { max: integer('RATE_LIMIT_MAX', 0, 100_000_000), windowMs: parseDuration('RATE_LIMIT_WINDOW', required('RATE_LIMIT_WINDOW')) },
    runWorker: bool('RUN_WORKER'),
    worker: {
      maxCachedWorkflows: integer('WORKER_MAX_CACHED_WORKFLOWS', 0, 1_000_000),
      maxConcurrentWorkflowTasks: integer('WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', 2, 10_000),
    },
    dependencyTimeoutMs: integer('DEPENDENCY_TIMEOUT_MS', 100, 120_000),
    dispatch: {
      leadMs: integer('DISPATCH_LEAD_MS', 0, MAX_DISPATCH_LEAD_MS),
      workerLossRedeliveries: integer('WORKER_LOSS_REDELIVERIES', 0, 100),
    },
    publicUrl: read('PUBLIC_URL') === undefined ? undefined : url('PUBLIC_URL', ['http:', 'https:']),
  };
}

const VISIBLE_ASCII = /^[\x21-\x7E]+$/;
const NAMESPACE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/;

/** A URL for an error message: a password in it (redis://:secret@host) is not printed. */
function withoutCredentials(raw: string): string {
  return raw.replace(/\/\/[^/@]*@/, '//***@');
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

const DURATION_UNITS_MS: Record<string, number> = {
  ms: 1, millisecond: 1, milliseconds: 1,
  s: 1_000, sec: 1_000, second: 1_000, seconds: 1_000,
  m: 60_000, min: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hour: 3_600_000, hours: 3_600_000,
};

/** `1 minute`, `30 s`, `500ms`, or a bare number of milliseconds. */
export function parseDuration(variable: string, raw: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(raw.trim());
  const factor = match ? (match[2] ? DURATION_UNITS_MS[match[2].toLowerCase()] : 1) : undefined;
  const ms = match && factor !== undefined ? Math.round(Number(match[1]) * factor) : Number.NaN;
  // Up to a day: longer windows overflow the timers that reset the counters.
  if (!(ms >= 1 && ms <= 86_400_000)) {
    throw new ConfigError(variable, `must be a duration from 1 ms to 1 day such as "1 minute", "30 s" or "500 ms" (got "${raw}")`);
  }
  return ms;
}

function parseTokens(env: NodeJS.ProcessEnv, read: (name: string) => string | undefined): Map<string, string[]> {
  const tokens = new Map<string, string[]>();
  const add = (variable: string, entry: string, where = 'an entry'): void => {
    const eq = entry.indexOf('=');
    const app = entry.slice(0, eq).trim();
    const token = entry.slice(eq + 1).trim();
    if (eq < 0 || !APP_NAME_PATTERN_RE.test(app) || !VISIBLE_ASCII.test(token)) {
      // Never echo the entry: it may hold a token.
      throw new ConfigError(variable, `has ${where} that is not app=token with a valid app name and a token of visible ASCII characters`);
    }
    tokens.set(app, [...(tokens.get(app) ?? []), token]);
  };
  for (const entry of (read('DELAY_CALLBACK_TOKENS') ?? '').split(',')) {
    if (entry.trim()) add('DELAY_CALLBACK_TOKENS', entry);
  }
  const file = env.DELAY_CALLBACK_TOKENS_FILE?.trim();
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError('DELAY_CALLBACK_TOKENS_FILE', `names a file that cannot be read: ${(err as Error).message}`);
    }
    // Whole-line comments only: a token may contain '#'.
    text.split(/\r?\n/).forEach((line, index) => {
      const trimmed = line.trim();
      if (trimmed && !trimmed.startsWith('#')) add('DELAY_CALLBACK_TOKENS_FILE', trimmed, `line ${index + 1}`);
    });
  }
  return tokens;
}

const APP_NAME_PATTERN_RE = new RegExp(APP_NAME_PATTERN);
