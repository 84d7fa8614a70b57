/**
 * `registerMany`: many registrations in as few requests as possible
 * (`POST /v1/apps/{app}/callbacks/batch`, up to 1000 items each), every item
 * keyed so the whole call is safe to repeat: an item without its own
 * `idempotencyKey` gets `<key>:<index>` (index in the whole list), the key
 * the server would derive from the batch's Idempotency-Key header.
 */
import { randomUUID } from 'node:crypto';
import { DelayCallbackError } from './errors.js';
import type { HttpClient } from './http.js';
import type { BatchItemResult, CallbackSummary, RegisterManyOptions, RegisterParams } from './types.js';

/** Items per request the server accepts. */
export const MAX_BATCH_ITEMS = 1000;
/** The longest key left room for `:<index>` in a 256-character item key. */
const MAX_BATCH_KEY_LENGTH = 248;

interface WireItem {
  status: number;
  callback?: CallbackSummary;
  error?: { code: string; message: string; details?: unknown[] };
  retryAfterSeconds?: number;
}

/** The request body of one registration, as the single route takes it. */
export function registrationBody(params: RegisterParams<unknown>): Record<string, unknown> {
  const { triggerAt, ...rest } = params;
  return { ...rest, ...(triggerAt === undefined ? {} : { triggerAt: triggerAt instanceof Date ? triggerAt.toISOString() : triggerAt }) };
}

export async function registerMany<Args>(
  http: HttpClient,
  path: string,
  items: ReadonlyArray<RegisterParams<Args>>,
  options: RegisterManyOptions = {},
): Promise<BatchItemResult[]> {
  const key = options.idempotencyKey ?? randomUUID();
  if (key.length > MAX_BATCH_KEY_LENGTH || !/^[\x20-\x7E]+$/.test(key)) {
    throw new DelayCallbackError('VALIDATION_FAILED', `idempotencyKey must be 1 to ${MAX_BATCH_KEY_LENGTH} printable ASCII characters`, 0);
  }
  const batchSize = Math.min(Math.max(1, options.batchSize ?? MAX_BATCH_ITEMS), MAX_BATCH_ITEMS);
  const bodies = items.map((item, index) => {
    const body = registrationBody(item);
    return body.idempotencyKey === undefined ? { ...body, idempotencyKey: `${key}:${index}` } : body;
  });

  const results: BatchItemResult[] = [];
  for (let start = 0; start < bodies.length; start += batchSize) {
    const response = await http.request<{ items: WireItem[] }>({
      method: 'POST',
      path,
      body: { items: bodies.slice(start, start + batchSize) },
      // Every item carries a key: sending the batch again registers nothing twice.
      idempotent: true,
      timeoutMs: options.timeoutMs ?? 60_000,
    });
    results.push(...response.body.items.map(toResult));
  }
  return results;
}

function toResult(item: WireItem): BatchItemResult {
  if (item.callback && (item.status === 200 || item.status === 201)) {
    return { ok: true, status: item.status, replayed: item.status === 200, callback: item.callback };
  }
  const envelope = item.error ?? { code: `HTTP_${item.status}`, message: `the item was answered ${item.status}` };
  const error = new DelayCallbackError(envelope.code, envelope.message, item.status, envelope.details);
  return { ok: false, status: item.status, error, retryAfterSeconds: item.retryAfterSeconds ?? null };
}
