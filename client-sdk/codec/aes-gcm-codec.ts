/**
 * AES-256-GCM payload codec: what Temporal stores of a payload is the original
 * payload (metadata included), serialized and encrypted under the first key, with
 * only `encoding: binary/encrypted` and the key's id in clear. The layout (a
 * 12-byte nonce, the ciphertext, the 16-byte tag) and the metadata names are
 * those of Temporal's encryption samples, so their codec servers read it too.
 *
 * Decoding accepts every configured key, and passes payloads that were never
 * encrypted through unchanged: callbacks registered before encryption was turned
 * on stay readable.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { normalizeEncryptionKeys, type PayloadEncryptionKey } from './encryption-keys.js';

// @temporalio/proto is CommonJS: one default import, then the message class.
const { Payload: PayloadMessage } = proto.temporal.api.common.v1;

/** The `encoding` of an encrypted payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata naming the key that encrypted a payload. */
export const METADATA_ENCRYPTION_KEY_ID = 'encryption-key-id';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** A payload this codec cannot decrypt: an unknown key id, or data that fails authentication. */
export class PayloadDecryptionError extends Error {
  constructor(
    message: string,
    /** The key id the payload names, when it names one. */
    readonly keyId: string | undefined,
    /** Why: the key is not configured here, or the data is not what that key encrypted. */
    readonly reason: 'unknown-key' | 'not-authentic' | 'malformed',
  ) {
    super(message);
    this.name = 'PayloadDecryptionError';
  }
}

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly encryptingKey: PayloadEncryptionKey;
  private readonly byId: ReadonlyMap<string, Uint8Array>;

  /** @param keys the first encrypts, all decrypt; text in the `PAYLOAD_ENCRYPTION_KEYS` format or parsed keys. */
  constructor(keys: string | readonly PayloadEncryptionKey[]) {
    const normalized = normalizeEncryptionKeys(keys);
    this.encryptingKey = normalized[0]!;
    this.byId = new Map(normalized.map((key) => [key.id, key.key]));
  }

  /** The id of the key new payloads are encrypted with. */
  get keyId(): string {
    return this.encryptingKey.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decrypt(payload));
  }

  encrypt(payload: Payload): Payload {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.encryptingKey.key, nonce);
    const plain = PayloadMessage.encode(payload).finish();
    const data = Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: textEncoder.encode(ENCRYPTED_ENCODING),
        [METADATA_ENCRYPTION_KEY_ID]: textEncoder.encode(this.encryptingKey.id),
      },
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    };
  }

  decrypt(payload: Payload): Payload {
    if (!isEncrypted(payload)) return payload;
    const keyIdBytes = payload.metadata?.[METADATA_ENCRYPTION_KEY_ID];
    const keyId = keyIdBytes ? textDecoder.decode(keyIdBytes) : undefined;
    const key = keyId === undefined ? undefined : this.byId.get(keyId);
    if (!key) {
      throw new PayloadDecryptionError(
        keyId === undefined
          ? 'an encrypted payload names no key id'
          : `a payload is encrypted with key id "${keyId}", which is not among the configured keys (${[...this.byId.keys()].join(', ')})`,
        keyId,
        'unknown-key',
      );
    }
    const data = payload.data ?? new Uint8Array();
    if (data.length < NONCE_BYTES + TAG_BYTES) {
      throw new PayloadDecryptionError(`an encrypted payload (key id "${keyId}") is too short to hold a nonce and a tag`, keyId, 'malformed');
    }
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, NONCE_BYTES));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(NONCE_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(`a payload does not decrypt with key "${keyId}": it was altered, or encrypted with another key of that id`, keyId, 'not-authentic');
    }
    const decoded = PayloadMessage.decode(plain);
    const restored: Payload = { metadata: decoded.metadata ?? {}, data: decoded.data ?? new Uint8Array() };
    return decoded.externalPayloads?.length ? { ...restored, externalPayloads: decoded.externalPayloads } as Payload : restored;
  }
}

/** True when `payload` is one this codec's format encrypted. */
export function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
  return encoding !== undefined && encoding !== null && textDecoder.decode(encoding) === ENCRYPTED_ENCODING;
}
