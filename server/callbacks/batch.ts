/**
 * Bulk registration: the single registration use case applied to each item with
 * bounded concurrency. Each item is validated by the single route's own schema
 * and answered with what the single route would answer (status and body), so a
 * batch is exactly N registrations, in one request.
 */
import type { ValidateFunction } from 'ajv';
import type { FastifyBaseLogger } from 'fastify';
import pMap from 'p-map';
import { errorAnswerOf, validationEnvelopeOf } from '../plugins/errors.js';
import type { RegisterBody } from '../../shared/schemas/callbacks.js';
import type { BatchItemResult } from '../../shared/schemas/batch.js';
import type { RegisterResult } from './service.js';
import { ServiceError, dependencyUnavailable } from '../errors.js';

export interface BatchRegistrationOptions {
  app: string;
  items: readonly unknown[];
  /** The batch's Idempotency-Key: an item without its own key gets `<key>:<index>`. */
  batchKey: string | undefined;
  /** Items registered at once. */
  concurrency: number;
  /** The single route's body validator. */
  validateItem: ValidateFunction<RegisterBody>;
  register: (app: string, body: RegisterBody, headerKey: string | undefined) => Promise<RegisterResult>;
  log: FastifyBaseLogger;
}

/** The key an item registers under: its own wins; otherwise derived from the batch key and its index. */
export function itemKeyOf(item: RegisterBody, index: number, batchKey: string | undefined): string | undefined {
  if (item.idempotencyKey !== undefined || batchKey === undefined) return undefined;
  return `${batchKey}:${index}`;
}

export async function registerBatch(options: BatchRegistrationOptions): Promise<BatchItemResult[]> {
  const { app, batchKey, validateItem, register, log } = options;
  // Once a dependency is down, the items not yet started answer the same 503 instead of each
  // waiting out its own timeout: none of them was registered, and the client retries them.
  let unavailable: BatchItemResult | undefined;

  return pMap(
    options.items,
    async (item, index): Promise<BatchItemResult> => {
      if (!validateItem(item)) {
        return { status: 400, ...validationEnvelopeOf('body', validateItem.errors ?? []) };
      }
      if (unavailable) return unavailable;
      try {
        const { replayed, callback } = await register(app, item, itemKeyOf(item, index, batchKey));
        return { status: replayed ? 200 : 201, callback };
      } catch (err) {
        const answer = errorAnswerOf(err, log);
        const result: BatchItemResult = { status: answer.status, ...answer.envelope };
        if (answer.retryAfterSeconds !== undefined) result.retryAfterSeconds = answer.retryAfterSeconds;
        if (err instanceof ServiceError && err.code === 'DEPENDENCY_UNAVAILABLE') unavailable ??= result;
        // This item's start went out and Temporal could not say whether it landed; the items not yet
        // sent certainly did not: they answer that Temporal is unreachable.
        if (err instanceof ServiceError && err.code === 'REGISTRATION_OUTCOME_UNKNOWN') unavailable ??= notSent(err, log);
        return result;
      }
    },
    { concurrency: options.concurrency },
  );
}

/** The answer of an item never sent to Temporal because it was found unreachable meanwhile. */
function notSent(cause: unknown, log: FastifyBaseLogger): BatchItemResult {
  const answer = errorAnswerOf(dependencyUnavailable('temporal', cause), log);
  const result: BatchItemResult = { status: answer.status, ...answer.envelope };
  if (answer.retryAfterSeconds !== undefined) result.retryAfterSeconds = answer.retryAfterSeconds;
  return result;
}
