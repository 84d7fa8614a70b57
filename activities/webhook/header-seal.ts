/**
 * Custom header values may hold credentials, so the workflow input (and with it
 * Temporal's history and the Web UI) holds them sealed: AES-256-GCM under a key
 * derived with HKDF-SHA256 from the app's current signing secret, with the app
 * name in the derivation (a sealed blob opens for its own app only).
 *
 * Format: `v1.<keyId>.<iv>.<ciphertext+tag>` (base64url parts). `keyId` names the
 * secret it was sealed under without revealing it, so after a rotation
 * (`app=new,app=old`) the old secret still opens callbacks registered before it;
 * once a secret is removed, callbacks sealed under it can no longer be opened
 * (their attempts fail with WEBHOOK_SECRET_MISSING).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { SigningSecret } from './secrets.js';

const VERSION = 'v1';
const SALT = 'delay-callback webhook headers v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** One header as sent: name (lower case) and value. */
export type HeaderPair = readonly [name: string, value: string];

interface DerivedKey {
  id: string;
  key: Buffer;
}

const cache = new WeakMap<SigningSecret, Map<string, DerivedKey>>();

function derive(secret: SigningSecret, app: string): DerivedKey {
  let perApp = cache.get(secret);
  if (!perApp) cache.set(secret, (perApp = new Map()));
  let derived = perApp.get(app);
  if (!derived) {
    const key = Buffer.from(hkdfSync('sha256', secret.key, SALT, `header key of app ${app}`, 32));
    const id = Buffer.from(hkdfSync('sha256', secret.key, SALT, `header key id of app ${app}`, 9)).toString('base64url');
    perApp.set(app, (derived = { id, key }));
  }
  return derived;
}

/** Seals header pairs for `app` under its current secret (the first of `secrets`). */
export function sealHeaders(app: string, headers: readonly HeaderPair[], secrets: readonly SigningSecret[]): string {
  const current = secrets[0];
  if (!current) throw new SealedHeadersError('no signing secret to seal the headers with');
  const { id, key } = derive(current, app);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(`${VERSION}.${id}.${app}`));
  const plaintext = Buffer.from(JSON.stringify(headers));
  const sealed = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return [VERSION, id, iv.toString('base64url'), sealed.toString('base64url')].join('.');
}

/** Opens what {@link sealHeaders} made, with whichever of `secrets` sealed it. */
export function openHeaders(app: string, sealed: string, secrets: readonly SigningSecret[]): HeaderPair[] {
  const [version, id, iv, body, ...rest] = sealed.split('.');
  if (version !== VERSION || !id || !iv || !body || rest.length > 0) throw new SealedHeadersError('the sealed headers are malformed');
  const secret = secrets.find((candidate) => derive(candidate, app).id === id);
  if (!secret) {
    throw new SealedHeadersError(
      `the custom headers were sealed under a signing secret of app "${app}" that is no longer configured ` +
        '(keep a rotated-out secret in WEBHOOK_SIGNING_SECRETS until the callbacks registered under it are done)',
    );
  }
  try {
    const bytes = Buffer.from(body, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', derive(secret, app).key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(`${VERSION}.${id}.${app}`));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    const plaintext = Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)), decipher.final()]);
    return JSON.parse(plaintext.toString('utf8')) as HeaderPair[];
  } catch {
    throw new SealedHeadersError('the sealed headers do not open (altered, or sealed for another app)');
  }
}

/** The sealed headers cannot be made or opened with the configured secrets. */
export class SealedHeadersError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealedHeadersError';
  }
}
