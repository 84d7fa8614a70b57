/**
 * A trivial payload codec for tests: each payload is serialized whole and base64-wrapped in a new
 * one with an encoding of its own. Anything that reads a payload without the data converter sees
 * only this wrapper (and the default converter refuses its encoding).
 */
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';

export const BASE64_ENCODING = 'binary/x-delay-callback-test-base64';
const { Payload: PayloadMessage } = proto.temporal.api.common.v1;

export class Base64Codec implements PayloadCodec {
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => ({
      metadata: { encoding: Buffer.from(BASE64_ENCODING) },
      data: Buffer.from(Buffer.from(PayloadMessage.encode(payload).finish()).toString('base64')),
    }));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) =>
      encodingOf(payload) === BASE64_ENCODING ? PayloadMessage.decode(Buffer.from(Buffer.from(payload.data ?? []).toString(), 'base64')) : payload,
    );
  }
}

export function encodingOf(payload: Payload | null | undefined): string | undefined {
  const encoding = payload?.metadata?.encoding;
  return encoding ? Buffer.from(encoding).toString() : undefined;
}
