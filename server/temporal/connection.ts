/**
 * Temporal connection options from the configuration: plain for the dev server,
 * TLS / mTLS for a self-hosted cluster, API key (+ TLS) for Temporal Cloud.
 * The same options feed the client (facade) and the native connection (worker).
 */
import { readFileSync } from 'node:fs';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import type { Config } from '../config.js';

type TlsOptions = Exclude<NonNullable<ConnectionOptions['tls']>, boolean>;

export function temporalTlsOptions(temporal: Config['temporal']): TlsOptions | undefined {
  const tls = temporal.tls;
  if (!tls) return undefined;
  const options: TlsOptions = {};
  if (tls.serverName) options.serverNameOverride = tls.serverName;
  if (tls.caPath) options.serverRootCACertificate = readFileSync(tls.caPath);
  if (tls.certPath && tls.keyPath) {
    options.clientCertPair = { crt: readFileSync(tls.certPath), key: readFileSync(tls.keyPath) };
  }
  return options;
}

export function clientConnectionOptions(temporal: Config['temporal']): ConnectionOptions {
  return {
    address: temporal.address,
    tls: temporalTlsOptions(temporal) ?? null,
    apiKey: temporal.apiKey,
    connectTimeout: 5_000,
  };
}

export function nativeConnectionOptions(temporal: Config['temporal']): NativeConnectionOptions {
  return {
    address: temporal.address,
    tls: temporalTlsOptions(temporal) ?? null,
    apiKey: temporal.apiKey,
  };
}

/** A client connection that connects on first use, so the facade starts (and recovers) without Temporal. */
export function lazyClientConnection(temporal: Config['temporal']): Connection {
  return Connection.lazy(clientConnectionOptions(temporal));
}

export function connectNative(temporal: Config['temporal']): Promise<NativeConnection> {
  return NativeConnection.connect(nativeConnectionOptions(temporal));
}
