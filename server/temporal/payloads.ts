/**
 * Reading workflow payloads the way the Temporal client wrote them: through its
 * loaded data converter, payload codecs included, so a codec (encryption, for
 * example) can be added without breaking reads of the start event's input or
 * of a listing's memo. Search attributes are never encoded by codecs and are
 * read as they are.
 */
import type { Client, WorkflowClient } from '@temporalio/client';
import type { Payload, WorkflowSerializationContext } from '@temporalio/common';
import { decodeFromPayloadsAtIndex, decodeOptionalSinglePayload } from '@temporalio/common/lib/internal-non-workflow/codec-helpers.js';

/** What a codec may key on: the workflow a payload belongs to (as the SDK passes it). */
export function workflowContext(namespace: string, workflowId: string): WorkflowSerializationContext {
  return { type: 'workflow', namespace, workflowId };
}

type AnyClient = Pick<Client, 'options'> | Pick<WorkflowClient, 'options'>;

/** The value of `payloads[index]` (e.g. a workflow's first argument), decoded by `client`'s converter. */
export async function decodeArgument<T>(client: AnyClient, payloads: Payload[] | null | undefined, index: number, context: WorkflowSerializationContext): Promise<T> {
  return (await decodeFromPayloadsAtIndex(client.options.loadedDataConverter, index, payloads, context)) as T;
}

/** One payload (e.g. a memo field) decoded by `client`'s converter; undefined when absent. */
export async function decodePayload<T>(client: AnyClient, payload: Payload | null | undefined, context: WorkflowSerializationContext): Promise<T | undefined> {
  return ((await decodeOptionalSinglePayload(client.options.loadedDataConverter, payload, context)) ?? undefined) as T | undefined;
}
