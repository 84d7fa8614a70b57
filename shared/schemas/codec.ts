/**
 * Schemas of the codec server (`/codec/encode`, `/codec/decode`): Temporal's JSON
 * shape of Payloads (the protobuf JSON mapping: bytes as base64), as the Web UI
 * and the Temporal CLI send it.
 */
import { Type, type Static } from 'typebox';

/** Most payloads one request may carry. */
export const CODEC_MAX_PAYLOADS = 1000;
/** Largest body: a payload of Temporal's 2 MB blob limit, in base64, with room. */
export const CODEC_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

/** Standard or URL-safe base64 (the protobuf JSON mapping accepts both). */
const Base64 = Type.String({ pattern: '^[A-Za-z0-9+/_-]*={0,2}$', description: 'Bytes, base64.' });

const Payload = Type.Object(
  {
    metadata: Type.Optional(
      Type.Record(Type.String(), Base64, {
        maxProperties: 64,
        propertyNames: { maxLength: 256 },
        description: 'Metadata values, base64 (`encoding` says how `data` is serialized).',
      }),
    ),
    data: Type.Optional(Base64),
    externalPayloads: Type.Optional(
      Type.Array(
        Type.Object({ sizeBytes: Type.Optional(Type.Union([Type.String({ pattern: '^[0-9]{1,19}$' }), Type.Integer({ minimum: 0 })])) }, { additionalProperties: false }),
        { maxItems: 100, description: 'Details of externally stored payloads, passed through.' },
      ),
    ),
  },
  { additionalProperties: false },
);
export type PayloadJson = Static<typeof Payload>;

const b64 = (text: string): string => Buffer.from(text).toString('base64');
const PLAIN_EXAMPLE = { payloads: [{ metadata: { encoding: b64('json/plain') }, data: b64('["hello","world"]') }] };
const ENCRYPTED_EXAMPLE = {
  payloads: [
    {
      metadata: { encoding: b64('binary/encrypted'), 'encryption-key-id': b64('2026-01') },
      data: 'hY0DUsEeS2c3RR7b/SwBbyqRtkHRcR/XNwe4BCmMrjxTybIP1gnsT1O4otTgd6rO0gFD6z/Oca4Ux61I',
    },
  ],
};

// `payloads` may be absent: the protobuf JSON mapping leaves out an empty list (the CLI sends `{}`).
const payloadsOf = (description: string, example: object) =>
  Type.Object({ payloads: Type.Optional(Type.Array(Payload, { maxItems: CODEC_MAX_PAYLOADS })) }, { additionalProperties: false, description, examples: [example] });

export const EncodeBody = payloadsOf('Plain payloads to encrypt.', PLAIN_EXAMPLE);
export const EncodeResponse = payloadsOf('The same payloads, encrypted under the first key.', ENCRYPTED_EXAMPLE);
export const DecodeBody = payloadsOf('Payloads as Temporal stores them; those not encrypted pass through.', ENCRYPTED_EXAMPLE);
export const DecodeResponse = payloadsOf('The same payloads, decrypted.', PLAIN_EXAMPLE);
export type CodecBody = Static<typeof EncodeBody>;

export const CodecHeaders = Type.Object({
  'x-namespace': Type.Optional(
    Type.String({ maxLength: 255, description: 'The namespace the payloads belong to (the Web UI sends it); only this service\'s namespace is served. Empty or absent: this one.' }),
  ),
});
