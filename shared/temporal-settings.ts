/**
 * Where the facade, the service worker and an application's SDK worker connect: Temporal's
 * standard connection settings, read by `@temporalio/envconfig` exactly as Temporal's own SDKs
 * and CLI read them (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*,
 * TEMPORAL_PROFILE and the TOML config file), plus what envconfig leaves out: a message naming
 * the variable for every bad value, and this project's old TLS names mapped for one version.
 */
import { readFileSync } from 'node:fs';
import {
  loadClientConfigProfile,
  toClientOptions,
  type ClientConfigProfile,
  type ClientConfigTLS,
  type ConfigDataSource,
} from '@temporalio/envconfig';

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

export interface LoadTemporalSettingsOptions {
  /** Told about deprecated names and ignored settings. @default a process warning (a DeprecationWarning for old names) */
  warn?: (message: string, kind: 'deprecation' | 'ignored') => void;
}

type Env = Record<string, string | undefined>;

/** The settings from `env` and the config file (its profile TEMPORAL_PROFILE, `default` when unset). */
export function loadTemporalSettings(env: Env = process.env, options: LoadTemporalSettingsOptions = {}): TemporalSettings {
  const warn = options.warn ?? processWarning;
  const vars = new StandardVariables(env, warn);
  checkVariables(vars, warn);
  const profile = loadProfile(vars);
  checkProfile(profile, vars);
  const address = profile.address ?? DEFAULT_TEMPORAL_ADDRESS;
  const namespace = profile.namespace ?? DEFAULT_TEMPORAL_NAMESPACE;
  return stripUndefined({ address, namespace, apiKey: profile.apiKey, tls: profile.tls, grpcMeta: profile.grpcMeta });
}

/**
 * Options for `NativeConnection.connect` and `Connection.connect`. Certificate files are read
 * here, at every connect, so a certificate renewed on disk is used by the next connection.
 */
export function temporalConnectionOptions(settings: TemporalSettings): ReturnType<typeof toClientOptions>['connectionOptions'] {
  return stripUndefined(toClientOptions(settings).connectionOptions);
}

/** The environment as envconfig gets it: non-blank values only (blank counts as unset, as everywhere here), old names mapped. */
class StandardVariables {
  readonly values: Env = {};
  /** Standard name -> the old name the operator used for it. */
  private readonly setAs: Record<string, string> = {};

  constructor(env: Env, warn: NonNullable<LoadTemporalSettingsOptions['warn']>) {
    for (const [name, raw] of Object.entries(env)) {
      const value = raw?.trim();
      if (value) this.values[name] = value;
    }
    for (const [old, current] of Object.entries(DEPRECATED_TEMPORAL_VARIABLES)) {
      const value = this.values[old];
      if (value === undefined) continue;
      delete this.values[old];
      if (this.values[current] !== undefined) {
        warn(`${old} is deprecated and ignored because ${current} is set; remove ${old}`, 'deprecation');
      } else {
        warn(`${old} is deprecated: rename it to ${current}, the name Temporal's SDKs and CLI read (${old} stops working in the next version)`, 'deprecation');
        this.values[current] = value;
        this.setAs[current] = old;
      }
    }
  }

  get(name: string): string | undefined {
    return this.values[name];
  }

  /** The name the operator used: an old one is reported as such. */
  named(name: string): string {
    return this.setAs[name] ?? name;
  }

  /** Who to blame for a profile value: its variable when set, else the config file's profile and key. */
  source(variable: string, fileKey: string): { variable: string; where: string } {
    return this.get(variable) !== undefined
      ? { variable: this.named(variable), where: '' }
      : { variable: 'TEMPORAL_CONFIG_FILE', where: `profile "${this.get('TEMPORAL_PROFILE') ?? 'default'}" ${fileKey} ` };
  }
}

/** What can be told from the variables alone, before envconfig reads them. */
function checkVariables(vars: StandardVariables, warn: NonNullable<LoadTemporalSettingsOptions['warn']>): void {
  const tls = vars.get('TEMPORAL_TLS');
  if (tls !== undefined) {
    // Temporal reads only `true`/`1` as on: anything unexpected is refused rather than read as off.
    if (!['true', '1', 'false', '0'].includes(tls.toLowerCase())) throw new TemporalSettingsError('TEMPORAL_TLS', `must be true or false (got "${tls}")`);
    vars.values.TEMPORAL_TLS = tls.toLowerCase();
  }
  checkPattern('TEMPORAL_API_KEY', vars.get('TEMPORAL_API_KEY'), VISIBLE_ASCII, 'visible ASCII characters without spaces', true);
  checkPattern('TEMPORAL_TLS_SERVER_NAME', vars.get('TEMPORAL_TLS_SERVER_NAME'), HOSTNAME, 'a DNS name');
  for (const file of ['SERVER_CA_CERT', 'CLIENT_CERT', 'CLIENT_KEY']) {
    if (vars.get(`TEMPORAL_TLS_${file}_PATH`) !== undefined && vars.get(`TEMPORAL_TLS_${file}_DATA`) !== undefined) {
      throw new TemporalSettingsError(`TEMPORAL_TLS_${file}_DATA`, `conflicts with ${vars.named(`TEMPORAL_TLS_${file}_PATH`)}: set one of the two`);
    }
  }
  const configFile = vars.get('TEMPORAL_CONFIG_FILE');
  if (configFile !== undefined) checkReadable('TEMPORAL_CONFIG_FILE', configFile);
  if (vars.get('TEMPORAL_TLS_DISABLE_HOST_VERIFICATION') !== undefined) {
    warn("TEMPORAL_TLS_DISABLE_HOST_VERIFICATION is ignored: Temporal's TypeScript SDK always verifies the server's name", 'ignored');
  }
}

/** The profile (from the config file, when there is one) with the variables applied over it: envconfig's work. */
function loadProfile(vars: StandardVariables): ClientConfigProfile {
  try {
    return loadClientConfigProfile({ overrideEnvVars: vars.values as Record<string, string> });
  } catch (err) {
    const message = (err as Error).message;
    const variable = /profile/i.test(message) && vars.get('TEMPORAL_PROFILE') !== undefined ? 'TEMPORAL_PROFILE' : 'TEMPORAL_CONFIG_FILE';
    throw new TemporalSettingsError(variable, `cannot be used: ${message}`);
  }
}

/** The merged values: address, namespace, API key, every certificate file readable, the client pair complete. */
function checkProfile(profile: ClientConfigProfile, vars: StandardVariables): void {
  const address = profile.address ?? DEFAULT_TEMPORAL_ADDRESS;
  const port = ADDRESS.exec(address)?.[1];
  if (port === undefined || Number(port) < 1 || Number(port) > 65_535) {
    const { variable, where } = vars.source('TEMPORAL_ADDRESS', 'address');
    throw new TemporalSettingsError(variable, `${where}must be host:port with a port from 1 to 65535 (got "${address}")`);
  }
  const namespace = profile.namespace ?? DEFAULT_TEMPORAL_NAMESPACE;
  if (!NAMESPACE.test(namespace)) {
    const { variable, where } = vars.source('TEMPORAL_NAMESPACE', 'namespace');
    throw new TemporalSettingsError(variable, `${where}must be a Temporal namespace name (letters, digits, . _ -) (got "${namespace}")`);
  }
  if (profile.apiKey !== undefined && !VISIBLE_ASCII.test(profile.apiKey)) {
    const { variable, where } = vars.source('TEMPORAL_API_KEY', 'api_key');
    throw new TemporalSettingsError(variable, `${where}must be visible ASCII characters without spaces`);
  }
  const tls = profile.tls;
  if (!tls || tls.disabled) return;
  for (const [key, variable] of [['serverCACert', 'TEMPORAL_TLS_SERVER_CA_CERT'], ['clientCert', 'TEMPORAL_TLS_CLIENT_CERT'], ['clientKey', 'TEMPORAL_TLS_CLIENT_KEY']] as const) {
    const source = tls[key] as ConfigDataSource | undefined;
    if (source && 'path' in source) {
      const { variable: name, where } = vars.source(`${variable}_PATH`, `tls.${FILE_KEY[variable]}_path`);
      checkReadable(name, source.path, where);
    }
  }
  if (Boolean(tls.clientCert) !== Boolean(tls.clientKey)) {
    const [given, missing] = tls.clientCert ? ['TEMPORAL_TLS_CLIENT_CERT', 'TEMPORAL_TLS_CLIENT_KEY'] : ['TEMPORAL_TLS_CLIENT_KEY', 'TEMPORAL_TLS_CLIENT_CERT'];
    const problem = 'must be set together with its pair (client certificate and key)';
    if (vars.get(`${given}_PATH`) === undefined && vars.get(`${given}_DATA`) === undefined) {
      throw new TemporalSettingsError('TEMPORAL_CONFIG_FILE', `profile "${vars.get('TEMPORAL_PROFILE') ?? 'default'}" tls.${FILE_KEY[missing]}_path ${problem}`);
    }
    // In the operator's vocabulary: the old name of the missing half when the other came by its old name.
    const oldName = vars.named(`${given}_PATH`) !== `${given}_PATH` ? OLD_NAME[`${missing}_PATH`] : undefined;
    throw new TemporalSettingsError(oldName ?? `${missing}_PATH`, problem);
  }
}

function processWarning(message: string, kind: 'deprecation' | 'ignored'): void {
  process.emitWarning(message, { type: kind === 'deprecation' ? 'DeprecationWarning' : 'Warning', code: 'DELAY_CALLBACK_TEMPORAL_SETTINGS' });
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

const OLD_NAME: Record<string, string> = Object.fromEntries(Object.entries(DEPRECATED_TEMPORAL_VARIABLES).map(([old, current]) => [current, old]));
/** The config file's key stem of each certificate variable. */
const FILE_KEY: Record<string, string> = {
  TEMPORAL_TLS_SERVER_CA_CERT: 'server_ca_cert',
  TEMPORAL_TLS_CLIENT_CERT: 'client_cert',
  TEMPORAL_TLS_CLIENT_KEY: 'client_key',
};
const VISIBLE_ASCII = /^[\x21-\x7E]+$/;
const NAMESPACE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/;
const ADDRESS = /^(?:[^\s:/[\]]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/;
