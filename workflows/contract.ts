/**
 * The contract between the `delayCallback` workflow, the facade (`server/`) and
 * the client SDK (`client-sdk/`): names, input/state types, and the signal,
 * query and update definitions. Deterministic and Node-free, like the workflow.
 * This module holds the names and ids; the rest lives in the modules re-exported
 * below, so every importer keeps importing from here.
 */
import { uidOfWorkflowIdSuffix, workflowIdSuffixOf } from './fire-uid.js';

export * from './attempt-contract.js';
export * from './callback-state.js';
export * from './callback-messages.js';

/** Workflow type registered by the service worker. */
export const WORKFLOW_TYPE = 'delayCallback';
/** Task queue of the service worker (the workflows). */
export const SERVICE_TASK_QUEUE = 'delay-callback';
/** Activity type run by an application's worker. */
export const INVOKE_CALLBACK_ACTIVITY = 'invokeCallback';

/** Each application polls its own task queue: `delay-callback.<app>`. */
export function appTaskQueue(app: string): string {
  return `${SERVICE_TASK_QUEUE}.${app}`;
}

/**
 * Workflow id of a callback, readable in the Web UI: `callback:<app>:<uid>`. A schedule's fire
 * has the id Temporal gave it, `callback:<app>:<scheduleId>-2026-12-02T10:00:00Z`, for the uid
 * `<scheduleId>-20261202T100000Z` (see fire-uid.ts).
 */
export function callbackWorkflowId(app: string, uid: string): string {
  return `callback:${app}:${workflowIdSuffixOf(uid)}`;
}

/** The uid of the callback of `app` whose workflow id is `workflowId` (the inverse of callbackWorkflowId). */
export function callbackUidOf(app: string, workflowId: string): string {
  return uidOfWorkflowIdSuffix(workflowId.slice(`callback:${app}:`.length));
}
