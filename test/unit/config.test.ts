/**
 * server/config.ts: every variable's defaults, a bad value of each stops start-up with a
 * message naming it (and never echoing a secret), and docs/configuration.md lists them all.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadConfig, parseDuration } from '../../server/config.js';
import { docPage } from '../helpers/docs.js';

/**
 * Read by scripts only, not by the service: the Temporal binary resolver (test/unit/temporal-binary.test.ts
 * covers those two), npm run dev and npm start (scripts/dev.ts, scripts/lib/service-processes.ts).
 */
const SCRIPTS_ONLY = new Set(['DELAY_CALLBACK_TOOLS_DIR', 'TEMPORAL_CLI_PATH', 'DELAY_CALLBACK_DATA_DIR', 'SERVICE_WORKER_PORT']);

let dir: string;
let pem: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'config-test-'));
  pem = join(dir, 'some.pem');
  await writeFile(pem, '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n');
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig defaults', () => {
  it('starts with an empty environment, with the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      logLevel: 'info',
      temporal: { address: '127.0.0.1:7233', namespace: 'default', uiUrl: 'http://127.0.0.1:8233' },
      redis: { url: 'redis://127.0.0.1:6379', keyPrefix: 'delay-callback:' },
      idempotencyTtlSeconds: 86_400,
      maxArgsBytes: 65_536,
      maxHorizonSeconds: 315_360_000,
      adminToken: undefined,
      rateLimit: { max: 6000, windowMs: 60_000 },
      runWorker: true,
      worker: { maxCachedWorkflows: 1000, maxConcurrentWorkflowTasks: 100 },
      dependencyTimeoutMs: 5000,
      dispatch: { leadMs: 2000, workerLossRedeliveries: 3 },
      publicUrl: undefined,
      webhooks: { allowedCidrs: [], maxResponseBytes: 65_536, maxConcurrentDeliveries: 100 },
      registration: { startTimeoutMs: 900, outcomeGraceMs: 200, outcomeCheckTimeoutMs: 400 },
      admission: {
        maxInflightStarts: 8,
        queueTimeoutMs: 250,
        maxEventLoopDelayMs: 500,
        maxHeapUsedBytes: 0,
        retryAfterSeconds: 1,
        maxFireBacklogSeconds: 0,
        dueSoonSeconds: 60,
      },
      backlogSampleIntervalMs: 10_000,
    });
    expect(config.appTokens.size).toBe(0);
    expect(config.webhooks.signingSecrets.forApp('any')).toEqual([]);
    // Plain text, no API key: the embedded dev server.
    expect(config.temporal).toEqual({ address: '127.0.0.1:7233', namespace: 'default', uiUrl: 'http://127.0.0.1:8233' });
  });

  it('treats an empty or blank value as unset', () => {
    expect(loadConfig({ PORT: '', LOG_LEVEL: '   ' })).toMatchObject({ port: 8080, logLevel: 'info' });
  });

  it('keeps the table and the code in step: each default parses to what the code uses', () => {
    const fromTable = Object.fromEntries(CONFIG_VARIABLES.filter((v) => v.default !== undefined && !SCRIPTS_ONLY.has(v.name)).map((v) => [v.name, v.default as string]));
    expect(loadConfig(fromTable)).toEqual(loadConfig({}));
  });
});

/** One bad value per variable of the service (several for some), and what the message must say. */
const BAD_VALUES: Record<string, Array<{ value: string; says?: RegExp; extra?: Record<string, string> }>> = {
  HOST: [{ value: 'http://0.0.0.0' }, { value: 'two words' }],
  PORT: [{ value: 'eighty' }, { value: '65536' }, { value: '-1' }, { value: '80.5' }],
  LOG_LEVEL: [{ value: 'loud', says: /fatal, error, warn/ }],
  TEMPORAL_ADDRESS: [{ value: 'localhost' }, { value: 'localhost:port' }, { value: 'host:99999' }, { value: 'http://host:7233' }],
  TEMPORAL_NAMESPACE: [{ value: 'my namespace' }, { value: '../x' }],
  TEMPORAL_UI_URL: [{ value: 'not a url' }, { value: 'ftp://127.0.0.1:8233' }],
  TEMPORAL_TLS: [{ value: 'maybe', says: /true or false/ }, { value: 'yes', says: /true or false/ }],
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: [{ value: '/nonexistent/ca.pem', says: /cannot be read/ }],
  TEMPORAL_TLS_SERVER_CA_CERT_DATA: [{ value: 'PEM', extra: { TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/ca.pem' }, says: /conflicts with/ }],
  TEMPORAL_TLS_CLIENT_CERT_PATH: [{ value: '/nonexistent/cert.pem', says: /cannot be read/ }],
  TEMPORAL_TLS_CLIENT_CERT_DATA: [{ value: 'PEM', extra: { TEMPORAL_TLS_CLIENT_CERT_PATH: '/cert.pem' }, says: /conflicts with/ }],
  TEMPORAL_TLS_CLIENT_KEY_PATH: [{ value: '/nonexistent/key.pem', says: /cannot be read/ }],
  TEMPORAL_TLS_CLIENT_KEY_DATA: [{ value: 'PEM', extra: { TEMPORAL_TLS_CLIENT_KEY_PATH: '/key.pem' }, says: /conflicts with/ }],
  TEMPORAL_TLS_SERVER_NAME: [{ value: 'bad name!' }],
  TEMPORAL_API_KEY: [{ value: 'key with spaces' }],
  TEMPORAL_CONFIG_FILE: [{ value: '/nonexistent/temporal.toml', says: /cannot be read/ }],
  TEMPORAL_PROFILE: [{ value: 'production', says: /not found/ }],
  REDIS_URL: [{ value: 'localhost:6379' }, { value: 'http://127.0.0.1:6379' }],
  REDIS_KEY_PREFIX: [{ value: 'has space:' }, { value: 'x'.repeat(129) }],
  IDEMPOTENCY_TTL_SECONDS: [{ value: '0' }, { value: '1d' }],
  MAX_ARGS_BYTES: [{ value: '1' }, { value: '64KiB' }, { value: '2000000' }],
  MAX_HORIZON_SECONDS: [{ value: '0' }, { value: '10y' }],
  MAX_SCHEDULES_PER_APP: [{ value: '-1' }, { value: 'many' }, { value: '100001' }],
  DELAY_CALLBACK_TOKENS: [{ value: 'orders' }, { value: 'bad app=token' }, { value: 'orders=' }, { value: 'orders=two words' }],
  DELAY_CALLBACK_TOKENS_FILE: [{ value: '/nonexistent/tokens', says: /cannot be read/ }],
  DELAY_CALLBACK_ADMIN_TOKEN: [{ value: 'admin token' }],
  RATE_LIMIT_MAX: [{ value: '-1' }, { value: 'lots' }],
  RATE_LIMIT_WINDOW: [{ value: 'soon' }, { value: '0 s' }, { value: '5 fortnights' }, { value: '2 days' }],
  RUN_WORKER: [{ value: 'perhaps' }],
  WORKER_MAX_CACHED_WORKFLOWS: [{ value: '-5' }],
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: [{ value: '1' }],
  DEPENDENCY_TIMEOUT_MS: [{ value: '10' }, { value: '5s' }],
  STATS_CACHE_MS: [{ value: '-1' }, { value: '300001' }, { value: '5 s' }],
  REGISTRATION_START_TIMEOUT_MS: [{ value: '50' }, { value: '1s' }],
  REGISTRATION_OUTCOME_GRACE_MS: [{ value: '-1' }, { value: '60001' }],
  REGISTRATION_OUTCOME_CHECK_TIMEOUT_MS: [{ value: '0' }, { value: 'half a second' }],
  ADMISSION_MAX_INFLIGHT_STARTS: [{ value: '-1' }, { value: '8.5' }],
  ADMISSION_QUEUE_TIMEOUT_MS: [{ value: '60001' }, { value: 'never' }],
  ADMISSION_MAX_EVENT_LOOP_DELAY_MS: [{ value: '-5' }],
  ADMISSION_MAX_HEAP_USED_BYTES: [{ value: '1e9' }],
  ADMISSION_RETRY_AFTER_SECONDS: [{ value: '0' }],
  ADMISSION_MAX_FIRE_BACKLOG_SECONDS: [{ value: '86401' }],
  ADMISSION_DUE_SOON_SECONDS: [{ value: '-1' }],
  BACKLOG_SAMPLE_INTERVAL_MS: [{ value: '10 s' }],
  DISPATCH_LEAD_MS: [{ value: '-1' }, { value: '5001' }, { value: '1.5s' }],
  WORKER_LOSS_REDELIVERIES: [{ value: '-1' }, { value: '101' }, { value: 'few' }],
  PUBLIC_URL: [{ value: 'api.example.com' }, { value: 'ws://api.example.com' }],
  BATCH_CONCURRENCY: [{ value: '0' }, { value: '1001' }, { value: 'many' }],
  BATCH_MAX_BODY_BYTES: [{ value: '1000' }, { value: '8MiB' }, { value: String(128 * 1_048_576 + 1) }],
  ALIAS_SCHEMA_CACHE_SIZE: [{ value: '0' }, { value: '1e3' }],
  WEBHOOK_SIGNING_SECRETS: [
    { value: 'orders', says: /entry 1/ },
    { value: 'orders=not-a-whsec-secret', says: /whsec_/ },
    { value: `orders=whsec_${Buffer.alloc(32, 1).toString('base64')},bad app=whsec_x`, says: /entry 2/ },
  ],
  WEBHOOK_ALLOWED_CIDRS: [{ value: 'localhost', says: /localhost/ }, { value: '10.0.0.1/8', says: /10\.0\.0\.0\/8/ }],
  WEBHOOK_MAX_RESPONSE_BYTES: [{ value: '0' }, { value: '64KiB' }],
  WEBHOOK_MAX_CONCURRENT_DELIVERIES: [{ value: '0' }],
  PAYLOAD_ENCRYPTION_KEYS: [
    { value: 'k1', says: /entry 1 is not <keyId>=<base64 key>/ },
    { value: `k1=${key(16)}`, says: /16 bytes; AES-256 needs exactly 32/ },
    { value: `k1=${key(32)},k1=${key(32, 2)}`, says: /key id "k1" twice/ },
    { value: `bad id=${key(32)}`, says: /entry 1/ },
    { value: 'k1=not base64!', says: /entry 1 \(key id "k1"\) is not base64/ },
    { value: `k1=${key(32)},`, says: /empty entry 2/ },
    { value: ' , ', says: /no key/ },
  ],
  OTEL_TRACES_EXPORTER: [{ value: 'jaeger', says: /otlp, console, zipkin, none/ }, { value: 'otlp,prometheus', says: /prometheus/ }],
  OTEL_EXPORTER_OTLP_ENDPOINT: [{ value: 'collector:4318' }, { value: 'grpc://collector:4317' }],
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: [{ value: 'not a url' }],
  OTEL_EXPORTER_OTLP_PROTOCOL: [{ value: 'udp', says: /grpc/ }],
  OTEL_SERVICE_NAME: [{ value: 'x'.repeat(256) }],
  OTEL_SDK_DISABLED: [{ value: 'maybe', says: /true or false/ }],
};

/** Base64 of `bytes` bytes, all `fill`. */
function key(bytes: number, fill = 1): string {
  return Buffer.alloc(bytes, fill).toString('base64');
}

describe('a bad value stops start-up, naming the variable', () => {
  it('has a bad-value case for every variable the service reads', () => {
    const service = CONFIG_VARIABLES.map((v) => v.name).filter((name) => !SCRIPTS_ONLY.has(name));
    expect(Object.keys(BAD_VALUES).sort()).toEqual([...service].sort());
  });

  for (const [name, cases] of Object.entries(BAD_VALUES)) {
    for (const { value, says, extra } of cases) {
      it(`${name}=${JSON.stringify(value.length > 30 ? `${value.slice(0, 30)}...` : value)}`, () => {
        const err = configError({ ...extra, [name]: value });
        expect(err.variable).toBe(name);
        expect(err.code).toBe('INVALID_CONFIGURATION');
        expect(err.message).toContain(name);
        if (says) expect(err.message).toMatch(says);
      });
    }
  }

  it('needs the client certificate and its key together', () => {
    expect(configError({ TEMPORAL_TLS_CLIENT_CERT_PATH: pem }).variable).toBe('TEMPORAL_TLS_CLIENT_KEY_PATH');
    expect(configError({ TEMPORAL_TLS_CLIENT_KEY_PATH: pem }).variable).toBe('TEMPORAL_TLS_CLIENT_CERT_PATH');
    expect(loadConfig({ TEMPORAL_TLS_CLIENT_CERT_PATH: pem, TEMPORAL_TLS_CLIENT_KEY_PATH: pem }).temporal.tls).toEqual({ clientCert: { path: pem }, clientKey: { path: pem } });
  });

  it('names the line of a bad token file, without echoing it', async () => {
    const file = join(dir, 'bad-tokens');
    await writeFile(file, '# comment\norders=fine-token\nnot-a-pair-secret-xyz\n');
    const err = configError({ DELAY_CALLBACK_TOKENS_FILE: file });
    expect(err.variable).toBe('DELAY_CALLBACK_TOKENS_FILE');
    expect(err.message).toContain('line 3');
    expect(err.message).not.toContain('secret-xyz');
  });

  it('never echoes a secret', () => {
    for (const [name, value] of [
      ['DELAY_CALLBACK_TOKENS', 'orders=two words-secret'],
      ['DELAY_CALLBACK_ADMIN_TOKEN', 'admin secret'],
      ['TEMPORAL_API_KEY', 'api secret'],
      ['REDIS_URL', 'http://:hunter2secret@127.0.0.1:6379'],
      ['WEBHOOK_SIGNING_SECRETS', 'orders=whsec_secretsecretsecret'],
      ['WEBHOOK_SIGNING_SECRETS', 'secretsecret=whsec_x=,orders'],
      ['PAYLOAD_ENCRYPTION_KEYS', 'k1=secretsecretsecretsecretsecretsecretsecretsecret'],
      ['PAYLOAD_ENCRYPTION_KEYS', 'k1=secret!secret'],
      ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector://user:secret@host:4318'],
    ] as const) {
      const err = configError({ [name]: value });
      expect(err.message).not.toContain('secret');
    }
  });
});

describe('the entry points', () => {
  for (const entry of ['server/main.ts', 'server/worker-main.ts']) {
    it(`${entry} exits 1 on a bad value, naming the variable, before connecting anywhere`, () => {
      const root = new URL('../../', import.meta.url).pathname;
      const run = spawnSync(process.execPath, ['--import', 'tsx', entry], {
        cwd: root,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: 'eighty' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('Invalid configuration: PORT must be an integer');
    });
  }
});

describe('what good values turn into', () => {
  it('parses tokens from the variable and the file (comments, blank lines, rotation)', async () => {
    const file = join(dir, 'tokens');
    await writeFile(file, '# production tokens\n\nbilling=b-token-1\n  # indented comment\nbilling = b-token-2\r\nshipping=s#token\n');
    const config = loadConfig({ DELAY_CALLBACK_TOKENS: 'orders=o-token, orders=o-token-2,billing=b-token-0', DELAY_CALLBACK_TOKENS_FILE: file });
    expect(Object.fromEntries(config.appTokens)).toEqual({
      orders: ['o-token', 'o-token-2'],
      billing: ['b-token-0', 'b-token-1', 'b-token-2'],
      shipping: ['s#token'],
    });
  });

  it("keeps Temporal's standard TLS settings (an API key alone turns TLS on when connecting), and reads IPv6 addresses", () => {
    expect(loadConfig({ TEMPORAL_API_KEY: 'k3y' }).temporal).toEqual({ address: '127.0.0.1:7233', namespace: 'default', uiUrl: 'http://127.0.0.1:8233', apiKey: 'k3y' });
    expect(loadConfig({ TEMPORAL_TLS: 'true' }).temporal.tls).toEqual({ disabled: false });
    expect(loadConfig({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: pem, TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' }).temporal.tls).toEqual({
      serverCACert: { path: pem },
      serverName: 'temporal.internal',
    });
    expect(loadConfig({ TEMPORAL_ADDRESS: '[::1]:7233' }).temporal.address).toBe('[::1]:7233');
  });

  it('reads webhook secrets (per app, default, rotation) and allowed ranges, and never prints a secret', () => {
    const [a, b, c] = [1, 2, 3].map((n) => `whsec_${Buffer.alloc(32, n).toString('base64')}`) as [string, string, string];
    const config = loadConfig({ WEBHOOK_SIGNING_SECRETS: `orders=${a}, orders=${b},*=${c}`, WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32, fd00::/8' });
    expect(config.webhooks.signingSecrets.forApp('orders').map((s) => s.value)).toEqual([a, b]);
    expect(config.webhooks.signingSecrets.forApp('billing').map((s) => s.value)).toEqual([c]);
    expect(config.webhooks.allowedCidrs).toEqual(['127.0.0.1/32', 'fd00::/8']);
    for (const printed of [JSON.stringify(config), inspect(config, { depth: 20 })]) {
      for (const secret of [a, b, c]) expect(printed).not.toContain(secret.slice(6, 30));
    }
  });

  it('reads payload encryption keys in order (the first encrypts), standard or URL-safe base64, and never prints one', () => {
    const [a, b] = [Buffer.alloc(32, 0xfb), Buffer.alloc(32, 0x07)];
    const config = loadConfig({ PAYLOAD_ENCRYPTION_KEYS: ` 2026-06=${a.toString('base64url')} , 2025.k_1=${b.toString('base64')}` });
    expect(config.payloadEncryptionKeys?.map((k) => k.id)).toEqual(['2026-06', '2025.k_1']);
    expect(config.payloadEncryptionKeys?.map((k) => Buffer.from(k.key))).toEqual([a, b]);
    expect(loadConfig({}).payloadEncryptionKeys).toBeUndefined();
    for (const printed of [JSON.stringify(config), inspect(config, { depth: 20, showHidden: true })]) {
      for (const secret of [a, b]) {
        expect(printed).not.toContain(secret.toString('base64').slice(0, 20));
        expect(printed).not.toContain(secret.toString('base64url').slice(0, 20));
      }
    }
  });

  it('turns tracing on with an exporter or an OTLP endpoint, off by default, by `none` or by OTEL_SDK_DISABLED', () => {
    expect(loadConfig({}).tracing).toBeUndefined();
    expect(loadConfig({ OTEL_TRACES_EXPORTER: 'otlp' }).tracing).toEqual({ serviceName: 'delay-callback' });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SERVICE_NAME: 'dc-eu' }).tracing).toEqual({ serviceName: 'dc-eu' });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector.example/v1/traces' }).tracing).toBeDefined();
    expect(loadConfig({ OTEL_TRACES_EXPORTER: 'console, otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).tracing).toBeDefined();
    expect(loadConfig({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }).tracing).toBeUndefined();
    expect(loadConfig({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }).tracing).toBeUndefined();
  });

  it('reads durations and switches', () => {
    expect(parseDuration('X', '500 ms')).toBe(500);
    expect(parseDuration('X', '30s')).toBe(30_000);
    expect(parseDuration('X', '1.5 minutes')).toBe(90_000);
    expect(parseDuration('X', '2 hours')).toBe(7_200_000);
    expect(parseDuration('X', '250')).toBe(250);
    expect(loadConfig({ RUN_WORKER: 'NO', RATE_LIMIT_MAX: '0' })).toMatchObject({ runWorker: false, rateLimit: { max: 0 } });
    expect(loadConfig({ PUBLIC_URL: 'https://api.example.com/' }).publicUrl).toBe('https://api.example.com');
  });
});

describe('docs/configuration.md', () => {
  it('lists every variable with its default', async () => {
    const text = await docPage('configuration');
    const rows = new Map(
      text
        .split('\n')
        .filter((line) => line.startsWith('| `'))
        .map((line) => {
          const cells = line.split('|').map((cell) => cell.trim());
          return [cells[1]?.replace(/`/g, '') ?? '', cells[2] ?? ''] as const;
        }),
    );
    for (const variable of CONFIG_VARIABLES) {
      expect(rows.has(variable.name), `${variable.name} is missing from the table in docs/configuration.md`).toBe(true);
      const shown = rows.get(variable.name) ?? '';
      if (variable.default === undefined) expect(shown, variable.name).toMatch(/^(unset|—|-)$/);
      else expect(shown.replace(/`/g, ''), variable.name).toBe(variable.default);
    }
    expect([...rows.keys()].sort()).toEqual(CONFIG_VARIABLES.map((v) => v.name).sort());
  });
});
