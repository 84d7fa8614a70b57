/**
 * The data converter of every process that touches callback payloads (the
 * facade's client, the service worker, each app worker) when payload encryption
 * is on: the AES-256-GCM codec after any codecs of the caller's own, and a
 * failure converter that moves failure messages and stack traces into an
 * (encrypted) payload.
 */
import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { AesGcmPayloadCodec } from './aes-gcm-codec.js';
import type { PayloadEncryptionKey } from './encryption-keys.js';

/**
 * The failure converter module Temporal loads by path (workers, clients, the workflow bundle). CommonJS
 * so require() loads it from source and from a build alike; `allowJs` in tsconfig.build.json emits it.
 */
export const ENCODED_FAILURE_CONVERTER_PATH = fileURLToPath(new URL('./encoded-failure-converter.cjs', import.meta.url));

/**
 * `base` with encryption added: its codecs run first on the way out (compress, then encrypt) and
 * last on the way in. Without keys, `base` unchanged.
 */
export function withPayloadEncryption(
  keys: string | readonly PayloadEncryptionKey[] | undefined,
  base: DataConverter = {},
): DataConverter {
  if (keys === undefined) return base;
  return {
    ...base,
    payloadCodecs: [...(base.payloadCodecs ?? []), new AesGcmPayloadCodec(keys)],
    failureConverterPath: base.failureConverterPath ?? ENCODED_FAILURE_CONVERTER_PATH,
  };
}
