/**
 * Temporal connection options from the configuration: plain for the dev server,
 * TLS / mTLS for a self-hosted cluster, API key (+ TLS) for Temporal Cloud, as
 * Temporal's standard settings say (shared/temporal-settings.ts). The same options
 * feed the client (facade) and the native connection (worker).
 */
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import { temporalConnectionOptions } from '../../shared/temporal-settings.js';
import type { Config } from '../config.js';

export function clientConnectionOptions(temporal: Config['temporal']): ConnectionOptions {
  return { ...temporalConnectionOptions(temporal), connectTimeout: 5_000 };
}

export function nativeConnectionOptions(temporal: Config['temporal']): NativeConnectionOptions {
  return temporalConnectionOptions(temporal);
}

/** A client connection that connects on first use, so the facade starts (and recovers) without Temporal. */
export function lazyClientConnection(temporal: Config['temporal']): Connection {
  return Connection.lazy(clientConnectionOptions(temporal));
}

export function connectNative(temporal: Config['temporal']): Promise<NativeConnection> {
  return NativeConnection.connect(nativeConnectionOptions(temporal));
}
