/**
 * Where the facade, the service worker and an application's SDK worker connect: Temporal's
 * standard connection settings, read by `@temporalio/envconfig` exactly as Temporal's own SDKs
 * and CLI read them (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*,
 * TEMPORAL_PROFILE and the TOML config file), plus what envconfig leaves out: a message naming
 * the variable for every bad value, and this project's old TLS names mapped for one version.
 */
import { readFileSync } from 'node:fs';
import { loadClientConfigProfile, toClientOptions, type ClientConfigTLS, type ConfigDataSource } from '@temporalio/envconfig';

export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';
export const DEFAULT_TEMPORAL_NAMESPACE = 'default';

/** The resolved settings; files stay paths until {@link temporalConnectionOptions} reads them. */
export interface TemporalSettings {
  address: string;
  namespace: string;
  apiKey?: string;
  /** Undefined: no TLS setting at all (then TLS is on only with an API key). */
  tls?: ClientConfigTLS;
  /** gRPC metadata sent with every call (TEMPORAL_GRPC_META_<NAME>). */
  grpcMeta?: Record<string, string>;
}

/** A bad setting: `variable` names the environment variable (or TEMPORAL_CONFIG_FILE for the file). */
export class TemporalSettingsError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'TemporalSettingsError';
  }
}

/** This project's names before it read Temporal's standard ones: still read, with a warning, until the next version. */
export const DEPRECATED_TEMPORAL_VARIABLES: Readonly<Record<string, string>> = {
  TEMPORAL_TLS_CA_PATH: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  TEMPORAL_TLS_CERT_PATH: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  TEMPORAL_TLS_KEY_PATH: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
};

const OLD_NAME: Record<string, string> = Object.fromEntries(Object.entries(DEPRECATED_TEMPORAL_VARIABLES).map(([old, current]) => [current, old]));

export interface LoadTemporalSettingsOptions {
  /** Told about deprecated names and ignored settings. @default a process warning (a DeprecationWarning for old names) */
  warn?: (message: string, kind: 'deprecation' | 'ignored') => void;
}

type Env = Record<string, string | undefined>;

/** The settings from `env` and the config file (its profile TEMPORAL_PROFILE, `default` when unset). */
export function loadTemporalSettings(env: Env = process.env, options: LoadTemporalSettingsOptions = {}): TemporalSettings {
  const warn = options.warn ?? processWarning;
  const { standard, setAs } = standardEnv(env, warn);
  const fromEnv = (name: string): string | undefined => standard[name];
  /** The name the operator used: an old one is reported as such. */
  const named = (variable: string): string => setAs[variable] ?? variable;

  checkSwitch(standard);
  checkPattern('TEMPORAL_API_KEY', fromEnv('TEMPORAL_API_KEY'), VISIBLE_ASCII, 'visible ASCII characters without spaces', true);
  checkPattern('TEMPORAL_TLS_SERVER_NAME', fromEnv('TEMPORAL_TLS_SERVER_NAME'), HOSTNAME, 'a DNS name');
  for (const pair of ['SERVER_CA_CERT', 'CLIENT_CERT', 'CLIENT_KEY']) {
    if (fromEnv(`TEMPORAL_TLS_${pair}_PATH`) !== undefined && fromEnv(`TEMPORAL_TLS_${pair}_DATA`) !== undefined) {
      throw new TemporalSettingsError(`TEMPORAL_TLS_${pair}_DATA`, `conflicts with ${named(`TEMPORAL_TLS_${pair}_PATH`)}: set one of the two`);
    }
  }
  const configFile = fromEnv('TEMPORAL_CONFIG_FILE');
  if (configFile !== undefined) checkReadable('TEMPORAL_CONFIG_FILE', configFile);
  if (fromEnv('TEMPORAL_TLS_DISABLE_HOST_VERIFICATION') !== undefined) {
    warn("TEMPORAL_TLS_DISABLE_HOST_VERIFICATION is ignored: Temporal's TypeScript SDK always verifies the server's name", 'ignored');
  }

  let profile;
  try {
    profile = loadClientConfigProfile({ overrideEnvVars: standard as Record<string, string> });
  } catch (err) {
    const variable = /profile/i.test((err as Error).message) && fromEnv('TEMPORAL_PROFILE') !== undefined ? 'TEMPORAL_PROFILE' : 'TEMPORAL_CONFIG_FILE';
    throw new TemporalSettingsError(variable, `cannot be used: ${(err as Error).message}`);
  }
  // Where a value came from, for the message: its variable, or the config file's profile.
  const inFile = `profile "${fromEnv('TEMPORAL_PROFILE') ?? 'default'}"`;
  const source = (variable: string, field: string): [string, string] =>
    fromEnv(variable) !== undefined ? [named(variable), ''] : ['TEMPORAL_CONFIG_FILE', `${inFile} ${field} `];

  const address = profile.address ?? DEFAULT_TEMPORAL_ADDRESS;
  const port = ADDRESS.exec(address)?.[1];
  if (port === undefined || Number(port) < 1 || Number(port) > 65_535) {
    const [variable, where] = source('TEMPORAL_ADDRESS', 'address');
    throw new TemporalSettingsError(variable, `${where}must be host:port with a port from 1 to 65535 (got "${address}")`);
  }
  const namespace = profile.namespace ?? DEFAULT_TEMPORAL_NAMESPACE;
  if (!NAMESPACE.test(namespace)) {
    const [variable, where] = source('TEMPORAL_NAMESPACE', 'namespace');
    throw new TemporalSettingsError(variable, `${where}must be a Temporal namespace name (letters, digits, . _ -) (got "${namespace}")`);
  }
  if (profile.apiKey !== undefined && !VISIBLE_ASCII.test(profile.apiKey)) {
    throw new TemporalSettingsError('TEMPORAL_CONFIG_FILE', `${inFile} api_key must be visible ASCII characters without spaces`);
  }
  const tls = profile.tls;
  if (tls && !tls.disabled) {
    const files: Array<[keyof ClientConfigTLS, string, string]> = [
      ['serverCACert', 'TEMPORAL_TLS_SERVER_CA_CERT', 'tls.server_ca_cert'],
      ['clientCert', 'TEMPORAL_TLS_CLIENT_CERT', 'tls.client_cert'],
      ['clientKey', 'TEMPORAL_TLS_CLIENT_KEY', 'tls.client_key'],
    ];
    for (const [key, variable, field] of files) {
      const data = tls[key] as ConfigDataSource | undefined;
      if (data && 'path' in data) {
        const [name, where] = source(`${variable}_PATH`, `${field}_path`);
        checkReadable(name, data.path, where);
      }
    }
    if (Boolean(tls.clientCert) !== Boolean(tls.clientKey)) {
      const missing = tls.clientCert ? 'TEMPORAL_TLS_CLIENT_KEY' : 'TEMPORAL_TLS_CLIENT_CERT';
      const given = tls.clientCert ? 'TEMPORAL_TLS_CLIENT_CERT' : 'TEMPORAL_TLS_CLIENT_KEY';
      const fromFile = fromEnv(`${given}_PATH`) === undefined && fromEnv(`${given}_DATA`) === undefined;
      const where = fromFile ? `${inFile} tls.${missing === 'TEMPORAL_TLS_CLIENT_KEY' ? 'client_key' : 'client_cert'}_path ` : '';
      // Named in the operator's vocabulary: the old name of the missing half when the other came by its old name.
      const variable = fromFile ? 'TEMPORAL_CONFIG_FILE' : setAs[`${given}_PATH`] ? OLD_NAME[`${missing}_PATH`]! : `${missing}_PATH`;
      throw new TemporalSettingsError(variable, `${where}must be set together with its pair (client certificate and key)`);
    }
  }
  return stripUndefined({ address, namespace, apiKey: profile.apiKey, tls, grpcMeta: profile.grpcMeta });
}

/**
 * Options for `NativeConnection.connect` and `Connection.connect`. Certificate files are read
 * here, at every connect, so a certificate renewed on disk is used by the next connection.
 */
export function temporalConnectionOptions(settings: TemporalSettings): ReturnType<typeof toClientOptions>['connectionOptions'] {
  return stripUndefined(toClientOptions(settings).connectionOptions);
}

/** Non-blank values only (blank counts as unset, as everywhere in this project), old names mapped. */
function standardEnv(env: Env, warn: NonNullable<LoadTemporalSettingsOptions['warn']>): { standard: Env; setAs: Record<string, string> } {
  const standard: Env = {};
  const setAs: Record<string, string> = {};
  for (const [name, raw] of Object.entries(env)) {
    const value = raw?.trim();
    if (value) standard[name] = value;
  }
  for (const [old, current] of Object.entries(DEPRECATED_TEMPORAL_VARIABLES)) {
    const value = standard[old];
    if (value === undefined) continue;
    delete standard[old];
    if (standard[current] !== undefined) {
      warn(`${old} is deprecated and ignored because ${current} is set; remove ${old}`, 'deprecation');
    } else {
      warn(`${old} is deprecated: rename it to ${current}, the name Temporal's SDKs and CLI read (${old} stops working in the next version)`, 'deprecation');
      standard[current] = value;
      setAs[current] = old;
    }
  }
  return { standard, setAs };
}

function processWarning(message: string, kind: 'deprecation' | 'ignored'): void {
  process.emitWarning(message, { type: kind === 'deprecation' ? 'DeprecationWarning' : 'Warning', code: 'DELAY_CALLBACK_TEMPORAL_SETTINGS' });
}

/** TEMPORAL_TLS: Temporal reads only `true`/`1` as on, so anything unexpected is refused rather than read as off. */
function checkSwitch(env: Env): void {
  const raw = env.TEMPORAL_TLS;
  if (raw === undefined) return;
  const value = raw.toLowerCase();
  if (!['true', '1', 'false', '0'].includes(value)) {
    throw new TemporalSettingsError('TEMPORAL_TLS', `must be true or false (got "${raw}")`);
  }
  env.TEMPORAL_TLS = value;
}

function checkPattern(variable: string, value: string | undefined, pattern: RegExp, what: string, secret = false): void {
  if (value !== undefined && !pattern.test(value)) {
    throw new TemporalSettingsError(variable, `must be ${what}${secret ? '' : ` (got "${value}")`}`);
  }
}

function checkReadable(variable: string, path: string, where = ''): void {
  try {
    readFileSync(path);
  } catch (err) {
    throw new TemporalSettingsError(variable, `${where}names a file that cannot be read: ${(err as Error).message}`);
  }
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

const VISIBLE_ASCII = /^[\x21-\x7E]+$/;
const NAMESPACE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/;
const ADDRESS = /^(?:[^\s:/[\]]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/;
