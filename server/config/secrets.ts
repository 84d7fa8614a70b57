/**
 * The variables that hold secrets: per-app bearer tokens (DELAY_CALLBACK_TOKENS and its file) and
 * payload encryption keys. Their error messages never echo a token or a key.
 */
import { readFileSync } from 'node:fs';
import { EncryptionKeysError, parseEncryptionKeys, type PayloadEncryptionKey } from '../../client-sdk/codec/encryption-keys.js';
import { APP_NAME_PATTERN } from '../../shared/schemas/common.js';
import { ConfigError, VISIBLE_ASCII } from './env-reader.js';

/** PAYLOAD_ENCRYPTION_KEYS as keys, the first encrypting; undefined when unset. */
export function encryptionKeys(text: string | undefined): PayloadEncryptionKey[] | undefined {
  if (text === undefined) return undefined;
  try {
    return parseEncryptionKeys(text, 'PAYLOAD_ENCRYPTION_KEYS');
  } catch (err) {
    // The problem names the entry and key id, never the key.
    if (err instanceof EncryptionKeysError) throw new ConfigError(err.variable, err.problem);
    throw err;
  }
}

/** The bearer tokens of each app, from DELAY_CALLBACK_TOKENS and then DELAY_CALLBACK_TOKENS_FILE. */
export function parseTokens(env: NodeJS.ProcessEnv, read: (name: string) => string | undefined): Map<string, string[]> {
  const tokens = new Map<string, string[]>();
  const add = (variable: string, entry: string, where = 'an entry'): void => {
    const eq = entry.indexOf('=');
    const app = entry.slice(0, eq).trim();
    const token = entry.slice(eq + 1).trim();
    if (eq < 0 || !APP_NAME_PATTERN_RE.test(app) || !VISIBLE_ASCII.test(token)) {
      // Never echo the entry: it may hold a token.
      throw new ConfigError(variable, `has ${where} that is not app=token with a valid app name and a token of visible ASCII characters`);
    }
    tokens.set(app, [...(tokens.get(app) ?? []), token]);
  };
  for (const entry of (read('DELAY_CALLBACK_TOKENS') ?? '').split(',')) {
    if (entry.trim()) add('DELAY_CALLBACK_TOKENS', entry);
  }
  const file = env.DELAY_CALLBACK_TOKENS_FILE?.trim();
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError('DELAY_CALLBACK_TOKENS_FILE', `names a file that cannot be read: ${(err as Error).message}`);
    }
    // Whole-line comments only: a token may contain '#'.
    text.split(/\r?\n/).forEach((line, index) => {
      const trimmed = line.trim();
      if (trimmed && !trimmed.startsWith('#')) add('DELAY_CALLBACK_TOKENS_FILE', trimmed, `line ${index + 1}`);
    });
  }
  return tokens;
}

const APP_NAME_PATTERN_RE = new RegExp(APP_NAME_PATTERN);
