/**
 * The probe decides against Temporal, never by patience alone: an accepted
 * registration that has not fired is looked up and awaited (bounded) until its
 * workflow closes; an unknown outcome is looked up to learn whether it exists;
 * and every workflow of the run that no accepted answer names is a ghost.
 */
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { callbackWorkflowId } from '../../workflows/contract.js';
import { sleep } from './pacer.js';

export type UnfiredVerdict = 'fired-late' | 'lost-no-workflow' | 'lost-closed-unfired' | 'open-at-deadline';

export interface TemporalLookup {
  /** Whether the workflow of `uid` exists (null: Temporal did not tell). */
  exists(uid: string): Promise<boolean | null>;
  /** Awaits each uid's workflow closing (or its fire), bounded by `deadline`; a verdict per uid. */
  settle(uids: string[], hasFired: (uid: string) => boolean, deadline: number): Promise<Map<string, UnfiredVerdict>>;
  /** Uids of the app's workflows started at or after `since` (visibility, eventually consistent). */
  startedSince(since: number): Promise<Set<string>>;
  close(): Promise<void>;
}

export async function connectLookup(address: string, namespace: string, app: string): Promise<TemporalLookup> {
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });
  const handle = (uid: string) => client.workflow.getHandle(callbackWorkflowId(app, uid));

  const closedStatus = async (uid: string): Promise<'open' | 'closed' | 'missing'> => {
    try {
      const description = await handle(uid).describe();
      return description.status.name === 'RUNNING' ? 'open' : 'closed';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return 'missing';
      throw err;
    }
  };

  return {
    async exists(uid) {
      try {
        return (await closedStatus(uid)) !== 'missing';
      } catch {
        return null;
      }
    },

    async settle(uids, hasFired, deadline) {
      const verdicts = new Map<string, UnfiredVerdict>();
      let pending = [...uids];
      while (pending.length > 0) {
        const next: string[] = [];
        for (const batch of chunks(pending, 20)) {
          await Promise.all(
            batch.map(async (uid) => {
              if (hasFired(uid)) return void verdicts.set(uid, 'fired-late');
              const status = await closedStatus(uid).catch(() => 'open' as const);
              if (status === 'missing') return void verdicts.set(uid, 'lost-no-workflow');
              if (status === 'open') return void next.push(uid);
              // Closed: the handler ran before the workflow closed; give its report a moment.
              await sleep(1_000);
              verdicts.set(uid, hasFired(uid) ? 'fired-late' : 'lost-closed-unfired');
            }),
          );
        }
        pending = next;
        if (pending.length === 0) break;
        if (Date.now() >= deadline) {
          for (const uid of pending) verdicts.set(uid, hasFired(uid) ? 'fired-late' : 'open-at-deadline');
          break;
        }
        await sleep(2_000);
      }
      return verdicts;
    },

    async startedSince(since) {
      const uids = new Set<string>();
      const prefix = callbackWorkflowId(app, '');
      const query = `CallbackApp = '${app}' AND StartTime >= '${new Date(since).toISOString()}'`;
      for await (const execution of client.workflow.list({ query })) {
        if (execution.workflowId.startsWith(prefix)) uids.add(execution.workflowId.slice(prefix.length));
      }
      return uids;
    },

    close: () => connection.close(),
  };
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
