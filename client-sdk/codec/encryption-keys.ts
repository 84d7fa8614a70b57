/**
 * Payload encryption keys: `PAYLOAD_ENCRYPTION_KEYS` is a comma-separated list of
 * `<keyId>=<base64 of 32 bytes>`. The first key encrypts; every key decrypts, so a
 * new key is rolled out by putting it first and keeping the old ones behind it.
 * Messages name the variable and the entry's position, never a key.
 */

/** One AES-256 key and the id stored beside every payload it encrypted. */
export interface PayloadEncryptionKey {
  /** 1 to 64 letters, digits, `.`, `_` or `-`; stored in plain text in each payload's metadata. */
  readonly id: string;
  /** 32 bytes. */
  readonly key: Uint8Array;
}

/** The variable the service, its worker and the SDK read the keys from. */
export const ENCRYPTION_KEYS_VARIABLE = 'PAYLOAD_ENCRYPTION_KEYS';

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

/** A bad `PAYLOAD_ENCRYPTION_KEYS` value; the message never holds a key. */
export class EncryptionKeysError extends Error {
  readonly code = 'INVALID_CONFIGURATION';
  constructor(
    /** The variable (or option) at fault. */
    readonly variable: string,
    /** What is wrong, without the value. */
    readonly problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'EncryptionKeysError';
  }
}

/**
 * Parses `<keyId>=<base64 of 32 bytes>[,...]` (standard or URL-safe base64, spaces around
 * entries ignored). Throws {@link EncryptionKeysError} naming `variable` and the entry.
 */
export function parseEncryptionKeys(text: string, variable: string = ENCRYPTION_KEYS_VARIABLE): PayloadEncryptionKey[] {
  const entries = text.split(',').map((entry) => entry.trim());
  if (entries.every((entry) => entry === '')) throw new EncryptionKeysError(variable, 'holds no key');
  const keys: PayloadEncryptionKey[] = [];
  entries.forEach((entry, index) => {
    const where = `entry ${index + 1}`;
    if (entry === '') throw new EncryptionKeysError(variable, `has an empty ${where} (a stray comma)`);
    const eq = entry.indexOf('=');
    const id = eq < 0 ? '' : entry.slice(0, eq).trim();
    const encoded = eq < 0 ? '' : entry.slice(eq + 1).trim();
    if (!KEY_ID.test(id)) {
      throw new EncryptionKeysError(variable, `${where} is not <keyId>=<base64 key> with a key id of 1 to 64 letters, digits, '.', '_' or '-'`);
    }
    if (keys.some((key) => key.id === id)) throw new EncryptionKeysError(variable, `names key id "${id}" twice (${where})`);
    const key = decodeKey(encoded);
    if (!key) throw new EncryptionKeysError(variable, `${where} (key id "${id}") is not base64`);
    if (key.length !== 32) {
      throw new EncryptionKeysError(variable, `${where} (key id "${id}") is ${key.length} bytes; AES-256 needs exactly 32 (openssl rand -base64 32)`);
    }
    keys.push(new HiddenKey(id, key));
  });
  return keys;
}

/** Keys given as text (parsed) or as already parsed keys (checked). */
export function normalizeEncryptionKeys(keys: string | readonly PayloadEncryptionKey[], variable: string = ENCRYPTION_KEYS_VARIABLE): PayloadEncryptionKey[] {
  if (typeof keys === 'string') return parseEncryptionKeys(keys, variable);
  if (keys.length === 0) throw new EncryptionKeysError(variable, 'holds no key');
  const seen = new Set<string>();
  return keys.map((entry, index) => {
    if (!KEY_ID.test(entry.id)) throw new EncryptionKeysError(variable, `entry ${index + 1} has a key id that is not 1 to 64 letters, digits, '.', '_' or '-'`);
    if (seen.has(entry.id)) throw new EncryptionKeysError(variable, `names key id "${entry.id}" twice (entry ${index + 1})`);
    if (entry.key.length !== 32) throw new EncryptionKeysError(variable, `entry ${index + 1} (key id "${entry.id}") is not 32 bytes`);
    seen.add(entry.id);
    return new HiddenKey(entry.id, Uint8Array.from(entry.key));
  });
}

/** A key whose bytes no log line, JSON or inspection of the configuration prints. */
class HiddenKey implements PayloadEncryptionKey {
  readonly #key: Uint8Array;
  constructor(
    readonly id: string,
    key: Uint8Array,
  ) {
    this.#key = key;
  }
  get key(): Uint8Array {
    return this.#key;
  }
  toJSON(): { id: string } {
    return { id: this.id };
  }
}

function decodeKey(encoded: string): Buffer | undefined {
  if (encoded === '') return undefined;
  if (BASE64.test(encoded)) return Buffer.from(encoded, 'base64');
  if (BASE64URL.test(encoded)) return Buffer.from(encoded, 'base64url');
  return undefined;
}
