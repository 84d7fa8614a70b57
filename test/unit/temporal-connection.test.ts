/**
 * Remote Temporal settings: what the facade's client connection and the workers' native
 * connection are given for each combination of TLS / mTLS / API-key variables, and the
 * client SDK's `temporalOptionsFromEnv` giving an application's worker the same.
 * (The CLI dev server has no TLS: test/integration/temporal-tls.test.ts puts a TLS proxy
 * in front of it for the real handshake.)
 */
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DelayCallbackError, temporalOptionsFromEnv } from '../../client-sdk/index.js';
import { ConfigError, loadConfig } from '../../server/config.js';
import { clientConnectionOptions, nativeConnectionOptions, temporalTlsOptions } from '../../server/temporal/connection.js';

let dir: string;
const files = { ca: '', cert: '', key: '' };
const CONTENT = { ca: 'CA PEM BYTES', cert: 'CLIENT CERT PEM', key: 'CLIENT KEY PEM' };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dc-tls-unit-'));
  for (const name of ['ca', 'cert', 'key'] as const) {
    files[name] = join(dir, `${name}.pem`);
    await writeFile(files[name], CONTENT[name]);
  }
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const temporalOf = (env: Record<string, string>) => loadConfig(env).temporal;

describe('connection options built from the configuration', () => {
  it('connects in plain text by default (the dev server)', () => {
    const temporal = temporalOf({});
    expect(clientConnectionOptions(temporal)).toMatchObject({ address: '127.0.0.1:7233', tls: null, apiKey: undefined });
    expect(nativeConnectionOptions(temporal)).toEqual({ address: '127.0.0.1:7233', tls: null, apiKey: undefined });
  });

  it('TEMPORAL_TLS=true alone: TLS verified against the system roots', () => {
    expect(temporalTlsOptions(temporalOf({ TEMPORAL_TLS: 'true' }))).toEqual({});
    expect(clientConnectionOptions(temporalOf({ TEMPORAL_TLS: 'true' })).tls).toEqual({});
  });

  it('a CA file: the server certificate is verified against it, SNI overridable', () => {
    const tls = temporalTlsOptions(temporalOf({ TEMPORAL_TLS_CA_PATH: files.ca, TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' }));
    expect(tls?.serverRootCACertificate?.toString()).toBe(CONTENT.ca);
    expect(tls?.serverNameOverride).toBe('temporal.internal');
    expect(tls?.clientCertPair).toBeUndefined();
  });

  it('mTLS (self-hosted with client auth, Temporal Cloud with certificates): the pair is presented', () => {
    const temporal = temporalOf({
      TEMPORAL_ADDRESS: 'my-ns.a1b2c.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'my-ns.a1b2c',
      TEMPORAL_TLS_CERT_PATH: files.cert,
      TEMPORAL_TLS_KEY_PATH: files.key,
    });
    for (const options of [clientConnectionOptions(temporal), nativeConnectionOptions(temporal)]) {
      expect(options.address).toBe('my-ns.a1b2c.tmprl.cloud:7233');
      const tls = options.tls as { clientCertPair?: { crt: Buffer; key: Buffer }; serverRootCACertificate?: Buffer };
      expect(tls.clientCertPair?.crt.toString()).toBe(CONTENT.cert);
      expect(tls.clientCertPair?.key.toString()).toBe(CONTENT.key);
      // Temporal Cloud's server certificate chains to a public root: no CA file needed.
      expect(tls.serverRootCACertificate).toBeUndefined();
    }
    expect(temporal.namespace).toBe('my-ns.a1b2c');
  });

  it('an API key (Temporal Cloud) turns TLS on and is sent by both connections', () => {
    const temporal = temporalOf({ TEMPORAL_ADDRESS: 'us-east-1.aws.api.temporal.io:7233', TEMPORAL_API_KEY: 'secret-key' });
    expect(clientConnectionOptions(temporal)).toMatchObject({ tls: {}, apiKey: 'secret-key' });
    expect(nativeConnectionOptions(temporal)).toMatchObject({ tls: {}, apiKey: 'secret-key' });
  });

  it('refuses an unreadable file at start-up, naming the variable and the reason', () => {
    for (const name of ['TEMPORAL_TLS_CA_PATH', 'TEMPORAL_TLS_CERT_PATH', 'TEMPORAL_TLS_KEY_PATH']) {
      const missing = join(dir, `${name}-missing.pem`);
      const err = captured(() => loadConfig({ TEMPORAL_TLS_CERT_PATH: files.cert, TEMPORAL_TLS_KEY_PATH: files.key, [name]: missing }));
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).variable).toBe(name);
      expect((err as ConfigError).message).toMatch(new RegExp(`${name} names a file that cannot be read: ENOENT`));
    }
  });

  it('refuses a client certificate without its key (and a key without its certificate)', () => {
    const noKey = captured(() => loadConfig({ TEMPORAL_TLS_CERT_PATH: files.cert })) as ConfigError;
    expect(noKey.variable).toBe('TEMPORAL_TLS_KEY_PATH');
    expect(noKey.message).toContain('must be set together with its pair');
    expect((captured(() => loadConfig({ TEMPORAL_TLS_KEY_PATH: files.key })) as ConfigError).variable).toBe('TEMPORAL_TLS_CERT_PATH');
  });

  it('reads the files again when connecting: a file removed after start-up fails the connection attempt', async () => {
    const gone = join(dir, 'gone.pem');
    await writeFile(gone, 'x');
    const temporal = temporalOf({ TEMPORAL_TLS_CA_PATH: gone });
    await unlink(gone);
    expect(() => clientConnectionOptions(temporal)).toThrow(/ENOENT/);
  });
});

describe('the client SDK reads the same variables', () => {
  const cases: Record<string, Record<string, string>> = {
    plain: { TEMPORAL_ADDRESS: 'temporal:7233' },
    'TLS flag': { TEMPORAL_TLS: 'yes' },
    'CA and server name': { TEMPORAL_TLS_CA_PATH: 'ca', TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' },
    mTLS: { TEMPORAL_TLS_CERT_PATH: 'cert', TEMPORAL_TLS_KEY_PATH: 'key', TEMPORAL_NAMESPACE: 'ns.acct' },
    'mTLS with a private CA': { TEMPORAL_TLS_CA_PATH: 'ca', TEMPORAL_TLS_CERT_PATH: 'cert', TEMPORAL_TLS_KEY_PATH: 'key' },
    'API key': { TEMPORAL_API_KEY: 'secret-key', TEMPORAL_NAMESPACE: 'ns.acct', TEMPORAL_ADDRESS: 'us-east-1.aws.api.temporal.io:7233' },
  };
  const withFiles = (env: Record<string, string>): Record<string, string> =>
    Object.fromEntries(Object.entries(env).map(([k, v]) => [k, k.endsWith('_PATH') ? files[v as keyof typeof files] : v]));

  for (const [name, env] of Object.entries(cases)) {
    it(`${name}: the app worker connects exactly as the service worker does`, () => {
      const service = nativeConnectionOptions(temporalOf(withFiles(env)));
      const config = temporalOf(withFiles(env));
      const sdk = temporalOptionsFromEnv(withFiles(env));
      expect(sdk.address).toBe(service.address);
      expect(sdk.namespace).toBe(config.namespace);
      expect(sdk.apiKey).toBe(service.apiKey);
      // The service says "no TLS" with null, the SDK by leaving it out.
      expect(sdk.tls ?? null).toEqual(service.tls);
    });
  }

  it('fails like the service does: an unreadable file, a certificate without its key', () => {
    const unreadable = captured(() => temporalOptionsFromEnv({ TEMPORAL_TLS_CA_PATH: join(dir, 'nope.pem') }));
    expect(unreadable).toBeInstanceOf(DelayCallbackError);
    expect((unreadable as DelayCallbackError).code).toBe('INVALID_CONFIGURATION');
    expect((unreadable as Error).message).toMatch(/TEMPORAL_TLS_CA_PATH names a file that cannot be read: ENOENT/);
    const noKey = captured(() => temporalOptionsFromEnv({ TEMPORAL_TLS_CERT_PATH: files.cert }));
    expect((noKey as Error).message).toBe((captured(() => loadConfig({ TEMPORAL_TLS_CERT_PATH: files.cert })) as Error).message);
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
