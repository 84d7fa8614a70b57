/**
 * Remote Temporal settings: Temporal's standard variables and config-file profiles (read through
 * @temporalio/envconfig), what the facade's client connection and the workers' native connection
 * are given for each combination, the project's old TLS names mapped with a warning, and the
 * client SDK's `temporalOptionsFromEnv` giving an application's worker the same.
 * (The CLI dev server has no TLS: test/integration/temporal-tls.test.ts puts a TLS proxy
 * in front of it for the real handshake.)
 */
import { copyFile, mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DelayCallbackError, temporalOptionsFromEnv } from '../../client-sdk/index.js';
import { ConfigError, loadConfig } from '../../server/config.js';
import { clientConnectionOptions, nativeConnectionOptions } from '../../server/temporal/connection.js';
import { loadTemporalSettings, TemporalSettingsError } from '../../shared/temporal-settings.js';

let dir: string;
const files = { ca: '', cert: '', key: '', toml: '' };
const CONTENT = { ca: 'CA PEM BYTES', cert: 'CLIENT CERT PEM', key: 'CLIENT KEY PEM' };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dc-tls-unit-'));
  for (const name of ['ca', 'cert', 'key'] as const) {
    files[name] = join(dir, `${name}.pem`);
    await writeFile(files[name], CONTENT[name]);
  }
  files.toml = join(dir, 'temporal.toml');
  await writeFile(
    files.toml,
    [
      '[profile.default]',
      'address = "localhost:7233"',
      '',
      '[profile.cloud]',
      'address = "orders-prod.a1b2c.tmprl.cloud:7233"',
      'namespace = "orders-prod.a1b2c"',
      '[profile.cloud.tls]',
      `client_cert_path = ${JSON.stringify(files.cert)}`,
      `client_key_path = ${JSON.stringify(files.key)}`,
      '',
      '[profile.half]',
      '[profile.half.tls]',
      `client_cert_path = ${JSON.stringify(files.cert)}`,
      '',
    ].join('\n'),
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const temporalOf = (env: Record<string, string>) => loadConfig(env).temporal;
type Tls = { clientCertPair?: { crt: Uint8Array; key: Uint8Array }; serverRootCACertificate?: Uint8Array; serverNameOverride?: string };
const text = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : Buffer.from(bytes).toString());

describe('connection options built from the standard variables', () => {
  it('connects in plain text by default (the dev server)', () => {
    const temporal = temporalOf({});
    expect(clientConnectionOptions(temporal)).toEqual({ address: '127.0.0.1:7233', connectTimeout: 5_000 });
    expect(nativeConnectionOptions(temporal)).toEqual({ address: '127.0.0.1:7233' });
  });

  it('TEMPORAL_TLS=true alone: TLS verified against the system roots', () => {
    const tls = clientConnectionOptions(temporalOf({ TEMPORAL_TLS: 'true' })).tls as Tls;
    expect(tls).toEqual({});
    expect(nativeConnectionOptions(temporalOf({ TEMPORAL_TLS: '1' })).tls).toEqual({});
  });

  it('a CA file: the server certificate is verified against it, SNI overridable', () => {
    const tls = nativeConnectionOptions(temporalOf({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: files.ca, TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' })).tls as Tls;
    expect(text(tls.serverRootCACertificate)).toBe(CONTENT.ca);
    expect(tls.serverNameOverride).toBe('temporal.internal');
    expect(tls.clientCertPair).toBeUndefined();
  });

  it('mTLS (self-hosted with client auth, Temporal Cloud with certificates): the pair is presented', () => {
    const temporal = temporalOf({
      TEMPORAL_ADDRESS: 'my-ns.a1b2c.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'my-ns.a1b2c',
      TEMPORAL_TLS_CLIENT_CERT_PATH: files.cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: files.key,
    });
    for (const options of [clientConnectionOptions(temporal), nativeConnectionOptions(temporal)]) {
      expect(options.address).toBe('my-ns.a1b2c.tmprl.cloud:7233');
      const tls = options.tls as Tls;
      expect(text(tls.clientCertPair?.crt)).toBe(CONTENT.cert);
      expect(text(tls.clientCertPair?.key)).toBe(CONTENT.key);
      // Temporal Cloud's server certificate chains to a public root: no CA file needed.
      expect(tls.serverRootCACertificate).toBeUndefined();
    }
    expect(temporal.namespace).toBe('my-ns.a1b2c');
  });

  it('certificates as PEM text instead of paths (TEMPORAL_TLS_*_DATA)', () => {
    const tls = nativeConnectionOptions(
      temporalOf({ TEMPORAL_TLS_CLIENT_CERT_DATA: CONTENT.cert, TEMPORAL_TLS_CLIENT_KEY_DATA: CONTENT.key, TEMPORAL_TLS_SERVER_CA_CERT_DATA: CONTENT.ca }),
    ).tls as Tls;
    expect([text(tls.clientCertPair?.crt), text(tls.clientCertPair?.key), text(tls.serverRootCACertificate)]).toEqual([CONTENT.cert, CONTENT.key, CONTENT.ca]);
  });

  it('an API key (Temporal Cloud) turns TLS on and is sent by both connections; TEMPORAL_TLS=false turns it off again', () => {
    const temporal = temporalOf({ TEMPORAL_ADDRESS: 'us-east-1.aws.api.temporal.io:7233', TEMPORAL_API_KEY: 'secret-key' });
    expect(clientConnectionOptions(temporal)).toMatchObject({ tls: true, apiKey: 'secret-key' });
    expect(nativeConnectionOptions(temporal)).toMatchObject({ tls: true, apiKey: 'secret-key' });
    expect(nativeConnectionOptions(temporalOf({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' })).tls).toBe(false);
  });

  it('sends TEMPORAL_GRPC_META_* as gRPC metadata', () => {
    expect(nativeConnectionOptions(temporalOf({ TEMPORAL_GRPC_META_X_TENANT: 'orders' })).metadata).toEqual({ 'x-tenant': 'orders' });
  });

  it('refuses an unreadable file at start-up, naming the variable and the reason', () => {
    for (const name of ['TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_CONFIG_FILE']) {
      const missing = join(dir, `${name}-missing.pem`);
      const err = captured(() => loadConfig({ TEMPORAL_TLS_CLIENT_CERT_PATH: files.cert, TEMPORAL_TLS_CLIENT_KEY_PATH: files.key, [name]: missing }));
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).variable).toBe(name);
      expect((err as ConfigError).message).toMatch(new RegExp(`${name} names a file that cannot be read: ENOENT`));
    }
  });

  it('refuses a client certificate without its key (and a key without its certificate)', () => {
    const noKey = captured(() => loadConfig({ TEMPORAL_TLS_CLIENT_CERT_PATH: files.cert })) as ConfigError;
    expect(noKey.variable).toBe('TEMPORAL_TLS_CLIENT_KEY_PATH');
    expect(noKey.message).toContain('must be set together with its pair');
    expect((captured(() => loadConfig({ TEMPORAL_TLS_CLIENT_KEY_DATA: CONTENT.key })) as ConfigError).variable).toBe('TEMPORAL_TLS_CLIENT_CERT_PATH');
  });

  it('refuses a path and PEM text for the same file', () => {
    const err = captured(() => loadConfig({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: files.ca, TEMPORAL_TLS_SERVER_CA_CERT_DATA: CONTENT.ca })) as ConfigError;
    expect(err.variable).toBe('TEMPORAL_TLS_SERVER_CA_CERT_DATA');
    expect(err.message).toContain('conflicts with TEMPORAL_TLS_SERVER_CA_CERT_PATH');
  });

  it('reads the files again when connecting: a file removed after start-up fails the connection attempt', async () => {
    const gone = join(dir, 'gone.pem');
    await writeFile(gone, 'x');
    const temporal = temporalOf({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: gone });
    await unlink(gone);
    expect(() => clientConnectionOptions(temporal)).toThrow(/ENOENT/);
  });
});

describe("Temporal's config file and its profiles", () => {
  it('reads the default profile, then the one TEMPORAL_PROFILE names; variables override the file', () => {
    expect(temporalOf({ TEMPORAL_CONFIG_FILE: files.toml }).address).toBe('localhost:7233');
    const cloud = temporalOf({ TEMPORAL_CONFIG_FILE: files.toml, TEMPORAL_PROFILE: 'cloud' });
    expect(cloud).toMatchObject({ address: 'orders-prod.a1b2c.tmprl.cloud:7233', namespace: 'orders-prod.a1b2c' });
    expect(text((nativeConnectionOptions(cloud).tls as Tls).clientCertPair?.crt)).toBe(CONTENT.cert);
    expect(temporalOf({ TEMPORAL_CONFIG_FILE: files.toml, TEMPORAL_PROFILE: 'cloud', TEMPORAL_NAMESPACE: 'other.a1b2c' }).namespace).toBe('other.a1b2c');
  });

  it('finds the file at its standard place ($XDG_CONFIG_HOME/temporalio/temporal.toml)', async () => {
    const home = await mkdtemp(join(dir, 'xdg-'));
    await mkdir(join(home, 'temporalio'));
    await copyFile(files.toml, join(home, 'temporalio', 'temporal.toml'));
    expect(temporalOf({ XDG_CONFIG_HOME: home }).address).toBe('localhost:7233');
  });

  it('names TEMPORAL_PROFILE for a profile the file lacks, and the file for its bad values', () => {
    const unknown = captured(() => loadConfig({ TEMPORAL_CONFIG_FILE: files.toml, TEMPORAL_PROFILE: 'staging' })) as ConfigError;
    expect(unknown.variable).toBe('TEMPORAL_PROFILE');
    expect(unknown.message).toContain("Profile 'staging' not found");
    const half = captured(() => loadConfig({ TEMPORAL_CONFIG_FILE: files.toml, TEMPORAL_PROFILE: 'half' })) as ConfigError;
    expect(half.variable).toBe('TEMPORAL_CONFIG_FILE');
    expect(half.message).toContain('profile "half" tls.client_key_path must be set together with its pair');
  });

  it('names the file when it is not TOML', async () => {
    const bad = join(dir, 'bad.toml');
    await writeFile(bad, 'this is = = not toml');
    const err = captured(() => loadConfig({ TEMPORAL_CONFIG_FILE: bad })) as ConfigError;
    expect(err.variable).toBe('TEMPORAL_CONFIG_FILE');
  });
});

describe("the project's old TLS names, read for one more version", () => {
  it('map to the standard names with a deprecation warning', () => {
    const warnings: string[] = [];
    const settings = loadTemporalSettings(
      { TEMPORAL_TLS_CA_PATH: files.ca, TEMPORAL_TLS_CERT_PATH: files.cert, TEMPORAL_TLS_KEY_PATH: files.key },
      { warn: (message) => warnings.push(message) },
    );
    expect(settings.tls).toEqual({ clientCert: { path: files.cert }, clientKey: { path: files.key }, serverCACert: { path: files.ca } });
    expect(warnings).toEqual([
      expect.stringContaining('TEMPORAL_TLS_CA_PATH is deprecated: rename it to TEMPORAL_TLS_SERVER_CA_CERT_PATH'),
      expect.stringContaining('TEMPORAL_TLS_CERT_PATH is deprecated: rename it to TEMPORAL_TLS_CLIENT_CERT_PATH'),
      expect.stringContaining('TEMPORAL_TLS_KEY_PATH is deprecated: rename it to TEMPORAL_TLS_CLIENT_KEY_PATH'),
    ]);
  });

  it('lose to the standard name when both are set', () => {
    const warnings: string[] = [];
    const settings = loadTemporalSettings({ TEMPORAL_TLS_CA_PATH: '/nonexistent', TEMPORAL_TLS_SERVER_CA_CERT_PATH: files.ca }, { warn: (m) => warnings.push(m) });
    expect(settings.tls?.serverCACert).toEqual({ path: files.ca });
    expect(warnings).toEqual([expect.stringContaining('TEMPORAL_TLS_CA_PATH is deprecated and ignored because TEMPORAL_TLS_SERVER_CA_CERT_PATH is set')]);
  });

  it('are named by their old name in errors, and reach Node as a DeprecationWarning', async () => {
    const quiet = { warn: () => undefined };
    const unreadable = captured(() => loadTemporalSettings({ TEMPORAL_TLS_CA_PATH: join(dir, 'nope.pem') }, quiet)) as TemporalSettingsError;
    expect(unreadable.variable).toBe('TEMPORAL_TLS_CA_PATH');
    expect((captured(() => loadTemporalSettings({ TEMPORAL_TLS_CERT_PATH: files.cert }, quiet)) as TemporalSettingsError).variable).toBe('TEMPORAL_TLS_KEY_PATH');
    const emitted = new Promise<Error>((resolve) => process.once('warning', resolve));
    loadConfig({ TEMPORAL_TLS_CA_PATH: files.ca });
    const warning = await emitted;
    expect(warning.name).toBe('DeprecationWarning');
    expect(warning.message).toContain('TEMPORAL_TLS_CA_PATH is deprecated');
  });

  it('TEMPORAL_TLS takes true/false/1/0 only: Temporal reads anything else as false, so it is refused', () => {
    expect((captured(() => loadConfig({ TEMPORAL_TLS: 'yes' })) as ConfigError).message).toBe('Invalid configuration: TEMPORAL_TLS must be true or false (got "yes")');
    expect(nativeConnectionOptions(temporalOf({ TEMPORAL_TLS: 'TRUE' })).tls).toEqual({});
  });
});

describe('the client SDK reads the same settings', () => {
  const cases: Record<string, Record<string, string>> = {
    plain: { TEMPORAL_ADDRESS: 'temporal:7233' },
    'TLS flag': { TEMPORAL_TLS: 'true' },
    'CA and server name': { TEMPORAL_TLS_SERVER_CA_CERT_PATH: 'ca', TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' },
    mTLS: { TEMPORAL_TLS_CLIENT_CERT_PATH: 'cert', TEMPORAL_TLS_CLIENT_KEY_PATH: 'key', TEMPORAL_NAMESPACE: 'ns.acct' },
    'mTLS with a private CA': { TEMPORAL_TLS_SERVER_CA_CERT_PATH: 'ca', TEMPORAL_TLS_CLIENT_CERT_PATH: 'cert', TEMPORAL_TLS_CLIENT_KEY_PATH: 'key' },
    'API key': { TEMPORAL_API_KEY: 'secret-key', TEMPORAL_NAMESPACE: 'ns.acct', TEMPORAL_ADDRESS: 'us-east-1.aws.api.temporal.io:7233' },
    'config file profile': { TEMPORAL_CONFIG_FILE: 'toml', TEMPORAL_PROFILE: 'cloud' },
  };
  const withFiles = (env: Record<string, string>): Record<string, string> =>
    Object.fromEntries(Object.entries(env).map(([k, v]) => [k, k.endsWith('_PATH') || k.endsWith('_FILE') ? files[v as keyof typeof files] : v]));

  for (const [name, env] of Object.entries(cases)) {
    it(`${name}: the app worker connects exactly as the service worker does`, () => {
      const service = nativeConnectionOptions(temporalOf(withFiles(env)));
      const config = temporalOf(withFiles(env));
      const sdk = temporalOptionsFromEnv(withFiles(env));
      expect(sdk.address).toBe(service.address);
      expect(sdk.namespace).toBe(config.namespace);
      expect(sdk.apiKey).toBe(service.apiKey);
      expect(sdk.tls).toEqual(service.tls);
    });
  }

  it('fails like the service does: an unreadable file, a certificate without its key, a bad switch', () => {
    const unreadable = captured(() => temporalOptionsFromEnv({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'nope.pem') }));
    expect(unreadable).toBeInstanceOf(DelayCallbackError);
    expect((unreadable as DelayCallbackError).code).toBe('INVALID_CONFIGURATION');
    expect((unreadable as Error).message).toMatch(/TEMPORAL_TLS_SERVER_CA_CERT_PATH names a file that cannot be read: ENOENT/);
    const noKey = captured(() => temporalOptionsFromEnv({ TEMPORAL_TLS_CLIENT_CERT_PATH: files.cert }));
    expect((noKey as Error).message).toBe((captured(() => loadConfig({ TEMPORAL_TLS_CLIENT_CERT_PATH: files.cert })) as Error).message);
    expect((captured(() => temporalOptionsFromEnv({ TEMPORAL_TLS: 'maybe' })) as Error).message).toMatch(/TEMPORAL_TLS must be true or false/);
  });
});

function captured(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}
