/**
 * The `temporal` option of DelayCallbackClient from the environment variables the
 * service itself reads (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TLS*,
 * TEMPORAL_API_KEY), so an application's worker is pointed at a remote cluster or
 * Temporal Cloud exactly like the facade and the service worker.
 */
import { readFileSync } from 'node:fs';
import { DelayCallbackError } from './errors.js';
import type { DelayCallbackClientOptions } from './types.js';

export type TemporalConnectionSettings = NonNullable<DelayCallbackClientOptions['temporal']>;

/**
 * Reads the settings; throws a DelayCallbackError with code `INVALID_CONFIGURATION` naming the
 * variable when a file cannot be read or a client certificate comes without its key.
 * TLS is on with `TEMPORAL_TLS=true`, any TLS path, or an API key (Temporal Cloud).
 */
export function temporalOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): TemporalConnectionSettings {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const file = (name: string): Buffer | undefined => {
    const path = read(name);
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      throw invalid(name, `names a file that cannot be read: ${(err as Error).message}`);
    }
  };
  const ca = file('TEMPORAL_TLS_CA_PATH');
  const crt = file('TEMPORAL_TLS_CERT_PATH');
  const key = file('TEMPORAL_TLS_KEY_PATH');
  if (Boolean(crt) !== Boolean(key)) {
    throw invalid(crt ? 'TEMPORAL_TLS_KEY_PATH' : 'TEMPORAL_TLS_CERT_PATH', 'must be set together with its pair (client certificate and key)');
  }
  const serverName = read('TEMPORAL_TLS_SERVER_NAME');
  const apiKey = read('TEMPORAL_API_KEY');
  const tlsFlag = (read('TEMPORAL_TLS') ?? 'false').toLowerCase();
  if (!['true', '1', 'yes', 'false', '0', 'no'].includes(tlsFlag)) throw invalid('TEMPORAL_TLS', `must be true or false (got "${tlsFlag}")`);
  const tlsOn = ['true', '1', 'yes'].includes(tlsFlag) || Boolean(ca || crt || serverName || apiKey);

  return {
    address: read('TEMPORAL_ADDRESS') ?? '127.0.0.1:7233',
    namespace: read('TEMPORAL_NAMESPACE') ?? 'default',
    tls: tlsOn
      ? {
          ...(serverName ? { serverNameOverride: serverName } : {}),
          ...(ca ? { serverRootCACertificate: ca } : {}),
          ...(crt && key ? { clientCertPair: { crt, key } } : {}),
        }
      : undefined,
    apiKey,
  };
}

function invalid(variable: string, problem: string): DelayCallbackError {
  return new DelayCallbackError('INVALID_CONFIGURATION', `Invalid configuration: ${variable} ${problem}`, 0);
}
