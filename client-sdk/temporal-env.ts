/**
 * The `temporal` option of DelayCallbackClient from Temporal's standard settings: the
 * TEMPORAL_* variables and the profile of Temporal's config file, read exactly as the facade
 * and the service worker read them (shared/temporal-settings.ts). A client created without a
 * `temporal` option connects this way.
 */
import { loadTemporalSettings, temporalConnectionOptions, TemporalSettingsError } from '../shared/temporal-settings.js';
import { DelayCallbackError } from './errors.js';
import type { DelayCallbackClientOptions } from './types.js';

export type TemporalConnectionSettings = NonNullable<DelayCallbackClientOptions['temporal']>;

/**
 * Reads the settings (certificate files included); throws a DelayCallbackError with code
 * `INVALID_CONFIGURATION` naming the variable when one is wrong: an unreadable file, a client
 * certificate without its key, a profile the config file does not have, ...
 */
export function temporalOptionsFromEnv(env: Record<string, string | undefined> = process.env): TemporalConnectionSettings {
  try {
    const settings = loadTemporalSettings(env);
    const { address, tls, apiKey, metadata } = temporalConnectionOptions(settings);
    return stripUndefined({ address, namespace: settings.namespace, tls, apiKey, metadata });
  } catch (err) {
    if (err instanceof TemporalSettingsError) throw new DelayCallbackError('INVALID_CONFIGURATION', err.message, 0, undefined, { cause: err });
    throw err;
  }
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
