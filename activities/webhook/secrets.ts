/**
 * Webhook signing secrets (WEBHOOK_SIGNING_SECRETS): `app=whsec_...` entries,
 * `*=whsec_...` for every app without its own. An app listed twice is signed
 * with both, the first being current (rotation). The secrets never leave this
 * object in readable form: it prints and serializes as `[redacted]`.
 */
import { inspect } from 'node:util';
import { Webhook } from 'standardwebhooks';

export const DEFAULT_SECRET_APP = '*';
const PREFIX = 'whsec_';
const APP = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** The Standard Webhooks spec's range of secret sizes. */
const MIN_BYTES = 24;
const MAX_BYTES = 64;

/** One secret: the `whsec_` string the receiver holds and its raw key bytes. */
export interface SigningSecret {
  readonly value: string;
  readonly key: Buffer;
  /** The standardwebhooks signer for this secret. */
  readonly signer: Webhook;
}

export class WebhookSecrets {
  private readonly byApp: ReadonlyMap<string, readonly SigningSecret[]>;

  private constructor(byApp: Map<string, SigningSecret[]>) {
    this.byApp = byApp;
  }

  /** No secrets: webhook registrations answer WEBHOOK_SECRET_MISSING. */
  static none(): WebhookSecrets {
    return new WebhookSecrets(new Map());
  }

  /**
   * Parses `app=whsec_...,app2=whsec_...,*=whsec_...`. Throws an Error whose message never
   * contains a secret (entries are named by their position).
   */
  static parse(raw: string): WebhookSecrets {
    const byApp = new Map<string, SigningSecret[]>();
    raw
      .split(',')
      .map((entry) => entry.trim())
      .forEach((entry, index) => {
        if (entry === '') return;
        const eq = entry.indexOf('=');
        const app = entry.slice(0, eq).trim();
        const value = entry.slice(eq + 1).trim();
        const where = `entry ${index + 1}`;
        if (eq < 0 || (app !== DEFAULT_SECRET_APP && !APP.test(app))) {
          throw new Error(`has an ${where} that is not app=whsec_... with a valid app name (or * for the default)`);
        }
        const secret = toSecret(value, where);
        const list = byApp.get(app) ?? [];
        if (!list.some((known) => known.value === secret.value)) list.push(secret);
        byApp.set(app, list);
      });
    return new WebhookSecrets(byApp);
  }

  /** The secrets an app's webhooks are signed with, current first: its own, else the default. Empty: none. */
  forApp(app: string): readonly SigningSecret[] {
    return this.byApp.get(app) ?? this.byApp.get(DEFAULT_SECRET_APP) ?? [];
  }

  /** How many apps have secrets of their own, and whether a default exists (for start-up logs). */
  describe(): { apps: number; hasDefault: boolean } {
    return { apps: [...this.byApp.keys()].filter((app) => app !== DEFAULT_SECRET_APP).length, hasDefault: this.byApp.has(DEFAULT_SECRET_APP) };
  }

  toJSON(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return 'WebhookSecrets [redacted]';
  }
}

function toSecret(value: string, where: string): SigningSecret {
  const encoded = value.startsWith(PREFIX) ? value.slice(PREFIX.length) : undefined;
  const key = encoded !== undefined && BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : undefined;
  if (!key || key.length < MIN_BYTES || key.length > MAX_BYTES) {
    throw new Error(`has an ${where} whose value is not whsec_ followed by base64 of ${MIN_BYTES} to ${MAX_BYTES} random bytes`);
  }
  return { value, key, signer: new Webhook(value) };
}
