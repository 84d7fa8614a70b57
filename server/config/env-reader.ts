/**
 * Readers of the environment for loadConfig (../config.ts): each returns a variable's value, or its
 * default from CONFIG_VARIABLES, checked; a bad value throws a ConfigError naming the variable.
 */
import { DEFAULTS } from './variables.js';

export class ConfigError extends Error {
  readonly code = 'INVALID_CONFIGURATION';
  constructor(readonly variable: string, problem: string) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

/** The readers of `env`; an unset or blank variable reads as its default. */
export function envReader(env: NodeJS.ProcessEnv) {
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
  return { read, required, integer, bool, url, matching };
}

/** A value parsed by `parse`, whose Error message (never holding a secret) names what is wrong. */
export function parsed<T>(variable: string, raw: string, parse: (raw: string) => T): T {
  try {
    return parse(raw);
  } catch (err) {
    throw new ConfigError(variable, (err as Error).message);
  }
}

export const VISIBLE_ASCII = /^[\x21-\x7E]+$/;

/** A URL for an error message: a password in it (redis://:secret@host) is not printed. */
export function withoutCredentials(raw: string): string {
  return raw.replace(/\/\/[^/@]*@/, '//***@');
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
