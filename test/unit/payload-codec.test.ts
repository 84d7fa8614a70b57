/**
 * The AES-256-GCM payload codec on its own: ciphertext that hides the payload and its
 * metadata, a fresh nonce each time, rotation (the first key encrypts, all decrypt),
 * clear errors for an unknown key or altered data, plain payloads passed through,
 * and the data converter that adds it after a caller's own codecs.
 */
import { createRequire } from 'node:module';
import { defaultPayloadConverter, DefaultFailureConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import { decode, encode } from '@temporalio/common/lib/internal-non-workflow/codec-helpers.js';
import { describe, expect, it } from 'vitest';
import {
  AesGcmPayloadCodec,
  ENCODED_FAILURE_CONVERTER_PATH,
  ENCRYPTED_ENCODING,
  EncryptionKeysError,
  METADATA_ENCRYPTION_KEY_ID,
  PayloadDecryptionError,
  isEncrypted,
  normalizeEncryptionKeys,
  parseEncryptionKeys,
  withPayloadEncryption,
} from '../../client-sdk/codec/index.js';

const OLD = `old=${Buffer.alloc(32, 1).toString('base64')}`;
const NEW = `new=${Buffer.alloc(32, 2).toString('base64')}`;
const SECRET = { name: 'Ada Lovelace', card: '4111 1111 1111 1111' };
const text = (bytes: Uint8Array | null | undefined): string => Buffer.from(bytes ?? []).toString('utf8');

describe('AesGcmPayloadCodec', () => {
  it('encrypts the payload and its metadata; only the encoding and the key id stay in clear', async () => {
    const codec = new AesGcmPayloadCodec(NEW);
    const plain = defaultPayloadConverter.toPayload(SECRET);
    const [encrypted] = await codec.encode([plain]);
    expect(Object.keys(encrypted!.metadata ?? {}).sort()).toEqual(['encoding', METADATA_ENCRYPTION_KEY_ID]);
    expect(text(encrypted!.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(encrypted!.metadata?.[METADATA_ENCRYPTION_KEY_ID])).toBe('new');
    expect(text(encrypted!.data)).not.toContain('Ada');
    expect(text(encrypted!.data)).not.toContain('json/plain');
    expect(isEncrypted(encrypted!)).toBe(true);
    expect(isEncrypted(plain)).toBe(false);
    const [decrypted] = await codec.decode([encrypted!]);
    expect(defaultPayloadConverter.fromPayload(decrypted!)).toEqual(SECRET);
    expect(text(decrypted!.metadata?.encoding)).toBe('json/plain');
  });

  it('uses a fresh nonce for every payload', async () => {
    const codec = new AesGcmPayloadCodec(NEW);
    const payload = defaultPayloadConverter.toPayload('same value');
    const [a, b] = await codec.encode([payload, payload]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
    expect(Buffer.from(a!.data!).subarray(0, 12).equals(Buffer.from(b!.data!).subarray(0, 12))).toBe(false);
  });

  it('rotates: the first key encrypts, every key decrypts', async () => {
    const before = new AesGcmPayloadCodec(OLD);
    const after = new AesGcmPayloadCodec(`${NEW},${OLD}`);
    const [byOld] = await before.encode([defaultPayloadConverter.toPayload(SECRET)]);
    const [byNew] = await after.encode([defaultPayloadConverter.toPayload(SECRET)]);
    expect(after.keyId).toBe('new');
    expect(text(byNew!.metadata?.[METADATA_ENCRYPTION_KEY_ID])).toBe('new');
    const decoded = await after.decode([byOld!, byNew!]);
    expect(decoded.map((payload) => defaultPayloadConverter.fromPayload(payload))).toEqual([SECRET, SECRET]);
    // The old key alone cannot read what the new one wrote.
    await expect(before.decode([byNew!])).rejects.toMatchObject({ name: 'PayloadDecryptionError', reason: 'unknown-key', keyId: 'new' });
  });

  it('refuses altered data and a key of the same id that is not the one used', async () => {
    const codec = new AesGcmPayloadCodec(NEW);
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload(SECRET)]);
    const altered = Buffer.from(encrypted!.data!);
    altered[20] = (altered[20] ?? 0) ^ 1;
    const error = await codec.decode([{ ...encrypted!, data: altered }]).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PayloadDecryptionError);
    expect(error).toMatchObject({ reason: 'not-authentic', keyId: 'new' });
    const impostor = new AesGcmPayloadCodec(`new=${Buffer.alloc(32, 9).toString('base64')}`);
    await expect(impostor.decode([encrypted!])).rejects.toMatchObject({ reason: 'not-authentic' });
    await expect(codec.decode([{ ...encrypted!, data: new Uint8Array(10) }])).rejects.toMatchObject({ reason: 'malformed' });
    const noKeyId: Payload = { metadata: { encoding: encrypted!.metadata!.encoding! }, data: encrypted!.data! };
    await expect(codec.decode([noKeyId])).rejects.toMatchObject({ reason: 'unknown-key', keyId: undefined });
  });

  it('passes payloads that were never encrypted through (callbacks registered before the keys)', async () => {
    const codec = new AesGcmPayloadCodec(NEW);
    const plain = [defaultPayloadConverter.toPayload(SECRET), defaultPayloadConverter.toPayload(null), defaultPayloadConverter.toPayload(new Uint8Array([1, 2]))];
    expect(await codec.decode(plain)).toEqual(plain);
  });

  it('names what is wrong with keys given as an option, never the key', () => {
    const secret = Buffer.alloc(31, 7);
    const thrown = (keys: Parameters<typeof normalizeEncryptionKeys>[0]): EncryptionKeysError => {
      try {
        normalizeEncryptionKeys(keys, 'payloadEncryptionKeys');
      } catch (err) {
        expect(err).toBeInstanceOf(EncryptionKeysError);
        return err as EncryptionKeysError;
      }
      throw new Error('accepted');
    };
    expect(thrown([{ id: 'k', key: secret }]).message).toMatch(/payloadEncryptionKeys entry 1 \(key id "k"\) is not 32 bytes/);
    expect(thrown([]).message).toMatch(/holds no key/);
    expect(thrown([{ id: 'a b', key: Buffer.alloc(32) }]).variable).toBe('payloadEncryptionKeys');
    expect(thrown(`k=${secret.toString('base64')}`).message).not.toContain(secret.toString('base64'));
    expect(parseEncryptionKeys(`${NEW} , ${OLD}`).map((k) => k.id)).toEqual(['new', 'old']);
  });
});

describe('withPayloadEncryption', () => {
  it('adds the codec after the caller\'s own (theirs first out, last in) and the encoded failure converter', async () => {
    const seen: string[] = [];
    const tagging: PayloadCodec = {
      encode: async (payloads) => (seen.push(`out ${isEncrypted(payloads[0]!) ? 'ciphertext' : 'plain'}`), payloads),
      decode: async (payloads) => (seen.push(`in ${isEncrypted(payloads[0]!) ? 'ciphertext' : 'plain'}`), payloads),
    };
    const converter = withPayloadEncryption(NEW, { payloadCodecs: [tagging] });
    expect(converter.payloadCodecs).toHaveLength(2);
    expect(converter.payloadCodecs?.[1]).toBeInstanceOf(AesGcmPayloadCodec);
    expect(converter.failureConverterPath).toBe(ENCODED_FAILURE_CONVERTER_PATH);
    // As Temporal applies them: in order on the way out, in reverse on the way in.
    const stored = await encode(converter.payloadCodecs!, [defaultPayloadConverter.toPayload(SECRET)]);
    expect(isEncrypted(stored[0]!)).toBe(true);
    const [read] = await decode(converter.payloadCodecs!, stored);
    expect(defaultPayloadConverter.fromPayload(read!)).toEqual(SECRET);
    expect(seen).toEqual(['out plain', 'in plain']);
    expect(withPayloadEncryption(undefined, { payloadCodecs: [tagging] })).toEqual({ payloadCodecs: [tagging] });
  });

  it('points at a failure converter require() can load, that moves message and stack into a payload', () => {
    const loaded = createRequire(import.meta.url)(ENCODED_FAILURE_CONVERTER_PATH) as { failureConverter: DefaultFailureConverter };
    expect(loaded.failureConverter).toBeInstanceOf(DefaultFailureConverter);
    const failure = loaded.failureConverter.errorToFailure(new Error('card 4111 declined'), defaultPayloadConverter);
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace).toBe('');
    expect(defaultPayloadConverter.fromPayload(failure.encodedAttributes!)).toMatchObject({ message: 'card 4111 declined' });
  });
});
