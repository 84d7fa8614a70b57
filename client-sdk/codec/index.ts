// Payload encryption, importable without the server: only @temporalio/common, @temporalio/proto and node:crypto.
export { AesGcmPayloadCodec, ENCRYPTED_ENCODING, METADATA_ENCRYPTION_KEY_ID, PayloadDecryptionError, isEncrypted } from './aes-gcm-codec.js';
export { ENCODED_FAILURE_CONVERTER_PATH, withPayloadEncryption } from './data-converter.js';
export {
  ENCRYPTION_KEYS_VARIABLE,
  EncryptionKeysError,
  normalizeEncryptionKeys,
  parseEncryptionKeys,
  type PayloadEncryptionKey,
} from './encryption-keys.js';
