// The public surface of the SDK package, `@delay-callback/client`.
export { DelayCallbackClient } from './client.js';
export { DelayCallbackError } from './errors.js';
export { verifyWebhook, type WebhookHeaders } from './webhooks.js';
export type * from './types.js';
export { temporalOptionsFromEnv, type TemporalConnectionSettings } from './temporal-env.js';
export type * from './schedules.js';
export {
  AesGcmPayloadCodec,
  EncryptionKeysError,
  PayloadDecryptionError,
  parseEncryptionKeys,
  withPayloadEncryption,
  type PayloadEncryptionKey,
} from './codec/index.js';
