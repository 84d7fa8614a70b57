/**
 * The codec server for the Temporal Web UI and CLI: `POST /codec/decode` and
 * `/codec/encode` in Temporal's JSON shape, with the service's payload keys.
 *
 * Who may call it: with no token configured (development), anyone, and browsers
 * only from the Web UI's origin (TEMPORAL_UI_URL); with tokens, the admin token
 * alone (an app token would read every app's payloads). The Web UI sends no
 * Authorization unless it has an OIDC login of its own and is told to pass its
 * access token, which is not ours: in production, decode from the CLI with
 * `--codec-auth`, or put this path behind the proxy that guards the Web UI
 * (docs/encryption-and-tracing.md). A request whose Origin is not the Web UI's is
 * refused whatever its token.
 */
import cors from '@fastify/cors';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Payload } from '@temporalio/common';
import { AesGcmPayloadCodec, PayloadDecryptionError, isEncrypted } from '../../client-sdk/codec/aes-gcm-codec.js';
import type { PayloadEncryptionKey } from '../../client-sdk/codec/encryption-keys.js';
import { ServiceError, validationError } from '../errors.js';
import { methodNotAllowed } from '../plugins/errors.js';
import {
  CODEC_BODY_LIMIT_BYTES,
  CodecHeaders,
  DecodeBody,
  DecodeResponse,
  EncodeBody,
  EncodeResponse,
  type CodecBody,
  type PayloadJson,
} from '../../shared/schemas/codec.js';
import { errorEnvelope } from '../../shared/schemas/common.js';

export interface CodecRoutesOptions {
  /** Undefined: encryption is off; encode and decode pass plain payloads through. */
  keys: readonly PayloadEncryptionKey[] | undefined;
  /** The only namespace served (X-Namespace). */
  namespace: string;
  /** The Web UI's base URL: its origin (and, on loopback, its localhost / 127.0.0.1 twin) may call from a browser. */
  uiUrl: string;
}

const TAGS = ['codec'];

export const codecRoutes: FastifyPluginAsyncTypebox<CodecRoutesOptions> = async (app, options) => {
  const codec = options.keys ? new AesGcmPayloadCodec(options.keys) : undefined;
  const origins = allowedOrigins(options.uiUrl);

  // Before auth: a preflight carries no Authorization and is answered here.
  await app.register(cors, {
    origin: origins,
    methods: ['POST'],
    allowedHeaders: ['content-type', 'x-namespace', 'authorization'],
    // The Web UI's "include cross-origin credentials" setting sends cookies.
    credentials: true,
    maxAge: 600,
  });
  app.addHook('onRequest', async (request) => {
    const origin = request.headers.origin;
    if (origin !== undefined && !origins.includes(origin)) {
      throw new ServiceError('FORBIDDEN', `requests from ${origin.slice(0, 100)} are not allowed; only the Temporal Web UI (${origins[0]}) may call from a browser`);
    }
    await app.authorizeAdmin(request);
  });

  // The CLI sends an empty X-Namespace when it was given no --namespace: that says nothing.
  const checkNamespace = (namespace: string | undefined): void => {
    if (namespace && namespace !== options.namespace) {
      throw validationError('header.x-namespace', `must be "${options.namespace}", the namespace this service's payloads are in`);
    }
  };

  app.post(
    '/decode',
    {
      bodyLimit: CODEC_BODY_LIMIT_BYTES,
      schema: {
        summary: 'Decrypt payloads (codec server)',
        description:
          'For the Temporal Web UI (`--ui-codec-endpoint <this service>/codec`) and CLI (`--codec-endpoint`): decrypts payloads ' +
          'with any configured key; payloads that are not encrypted pass through. Needs the admin token when tokens are configured.',
        tags: TAGS,
        headers: CodecHeaders,
        body: DecodeBody,
        response: { 200: DecodeResponse, ...CODEC_ERRORS, 400: DECODE_400 },
      },
    },
    async (request) => {
      checkNamespace(request.headers['x-namespace']);
      return { payloads: (request.body.payloads ?? []).map((json, index) => toJson(decrypt(codec, fromJson(json), index))) };
    },
  );

  app.post(
    '/encode',
    {
      bodyLimit: CODEC_BODY_LIMIT_BYTES,
      schema: {
        summary: 'Encrypt payloads (codec server)',
        description:
          'Encrypts payloads under the first configured key, as the service stores them (for tools that write to Temporal, such as ' +
          'the CLI\'s `workflow signal --codec-endpoint`). Without keys, payloads pass through. Needs the admin token when tokens are configured.',
        tags: TAGS,
        headers: CodecHeaders,
        body: EncodeBody,
        response: { 200: EncodeResponse, ...CODEC_ERRORS },
      },
    },
    async (request) => {
      checkNamespace(request.headers['x-namespace']);
      const payloads = ((request.body as CodecBody).payloads ?? []).map(fromJson);
      return { payloads: (codec ? await codec.encode(payloads) : payloads).map(toJson) };
    },
  );

  methodNotAllowed(app, '/decode', ['POST', 'OPTIONS']);
  methodNotAllowed(app, '/encode', ['POST', 'OPTIONS']);
};

function decrypt(codec: AesGcmPayloadCodec | undefined, payload: Payload, index: number): Payload {
  if (!codec) {
    if (!isEncrypted(payload)) return payload;
    throw new ServiceError('PAYLOAD_DECRYPTION_FAILED', `payloads[${index}] is encrypted, and payload encryption is off on this service (PAYLOAD_ENCRYPTION_KEYS)`, [
      { index, reason: 'unknown-key' },
    ]);
  }
  try {
    return codec.decrypt(payload);
  } catch (err) {
    if (!(err instanceof PayloadDecryptionError)) throw err;
    throw new ServiceError('PAYLOAD_DECRYPTION_FAILED', `payloads[${index}]: ${err.message}`, [{ index, keyId: err.keyId ?? null, reason: err.reason }]);
  }
}

function fromJson(json: PayloadJson): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [key, value] of Object.entries(json.metadata ?? {})) metadata[key] = bytes(value);
  const payload: Record<string, unknown> = { metadata, data: bytes(json.data ?? '') };
  // protobufjs writes a number into the int64 field.
  if (json.externalPayloads?.length) payload.externalPayloads = json.externalPayloads.map(({ sizeBytes }) => ({ sizeBytes: Number(sizeBytes ?? 0) }));
  return payload as Payload;
}

function toJson(payload: Payload): PayloadJson {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(payload.metadata ?? {})) metadata[key] = base64(value);
  const json: PayloadJson = { metadata, data: base64(payload.data ?? new Uint8Array()) };
  const external = (payload as { externalPayloads?: Array<{ sizeBytes?: unknown }> | null }).externalPayloads;
  if (external?.length) json.externalPayloads = external.map(({ sizeBytes }) => ({ sizeBytes: String(sizeBytes ?? 0) }));
  return json;
}

const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, /[-_]/.test(text) ? 'base64url' : 'base64'));
const base64 = (value: Uint8Array): string => Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');

/** The Web UI's origin; a loopback host also as its twin (a browser may open either 127.0.0.1 or localhost). */
export function allowedOrigins(uiUrl: string): string[] {
  const url = new URL(uiUrl);
  const origins = [url.origin];
  const twin = url.hostname === '127.0.0.1' ? 'localhost' : url.hostname === 'localhost' ? '127.0.0.1' : undefined;
  if (twin) origins.push(`${url.protocol}//${twin}${url.port ? `:${url.port}` : ''}`);
  return origins;
}

const CODEC_ERRORS = {
  400: errorEnvelope('The body is not Temporal\'s Payloads JSON (VALIDATION_FAILED naming the field), or X-Namespace names another namespace.', {
    code: 'VALIDATION_FAILED',
    message: 'header.x-namespace must be "default", the namespace this service\'s payloads are in',
    details: [{ field: 'header.x-namespace', message: 'must be "default", the namespace this service\'s payloads are in' }],
  }),
  401: errorEnvelope('Tokens are configured and the request has no admin token (UNAUTHORIZED).', { code: 'UNAUTHORIZED', message: 'unknown token' }),
  403: errorEnvelope('An app token instead of the admin token, or a browser request from an origin other than the Web UI\'s (FORBIDDEN).', {
    code: 'FORBIDDEN',
    message: 'this route needs the admin token, not an app token',
  }),
  413: errorEnvelope(`A body above ${CODEC_BODY_LIMIT_BYTES} bytes (PAYLOAD_TOO_LARGE).`, { code: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large' }),
  415: errorEnvelope('A body without Content-Type: application/json (UNSUPPORTED_MEDIA_TYPE).', {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'only application/json bodies are accepted',
  }),
  429: errorEnvelope('Rate limited like every route (RATE_LIMITED); retry after Retry-After seconds.', {
    code: 'RATE_LIMITED',
    message: 'rate limit of 6000 requests per 1 minute exceeded; retry later',
  }),
};

const DECODE_400 = errorEnvelope(
  'Not Temporal\'s Payloads JSON (VALIDATION_FAILED), another namespace, or a payload that does not decrypt (PAYLOAD_DECRYPTION_FAILED: a key id ' +
    'not configured here, or altered data; details name the payload).',
  {
    code: 'PAYLOAD_DECRYPTION_FAILED',
    message: 'payloads[0]: a payload is encrypted with key id "2025-01", which is not among the configured keys (2026-01)',
    details: [{ index: 0, keyId: '2025-01', reason: 'unknown-key' }],
  },
);
