/** Links returned with every callback: to itself in this API and to its workflow in the Temporal Web UI. */
import { callbackWorkflowId } from '../../workflows/contract.js';

export interface LinkSettings {
  /** Temporal Web UI base URL. */
  uiUrl: string;
  namespace: string;
  /** Absolute base of this API; relative links when undefined. */
  publicUrl?: string;
}

export interface CallbackLinks {
  self: string;
  webUi: string;
}

export function callbackPath(app: string, uid: string): string {
  return `/v1/apps/${encodeURIComponent(app)}/callbacks/${encodeURIComponent(uid)}`;
}

/**
 * A callback's links. The Web UI link names its workflow only (the UI opens the latest run): a
 * callback that continued as new, or was redriven, has newer runs than any one a link could pin.
 */
export function callbackLinks(settings: LinkSettings, app: string, uid: string, runId?: string): CallbackLinks {
  return {
    self: `${settings.publicUrl ?? ''}${callbackPath(app, uid)}`,
    webUi: workflowUiUrl(settings, callbackWorkflowId(app, uid), runId),
  };
}

/** The workflow's page in the Web UI (its history tab when a run is given). */
export function workflowUiUrl(settings: LinkSettings, workflowId: string, runId?: string): string {
  const base = `${settings.uiUrl}/namespaces/${encodeURIComponent(settings.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}

/** The Web UI's workflow list filtered by a visibility query. */
export function workflowListUiUrl(settings: LinkSettings, query: string): string {
  return `${settings.uiUrl}/namespaces/${encodeURIComponent(settings.namespace)}/workflows?query=${encodeURIComponent(query)}`;
}
