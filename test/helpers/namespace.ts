/**
 * A Temporal namespace of a test file's own, created at run time on the run's dev
 * server with the project's search attributes: no service worker of another test
 * file (without this file's keys or interceptors) ever takes its workflow tasks.
 */
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { inject } from 'vitest';
import { ensureSearchAttributes } from '../../scripts/lib/temporal-dev-server.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { uniqueName } from './stack.js';

export async function createNamespace(prefix: string, address: string = inject('temporalAddress')): Promise<string> {
  const namespace = uniqueName(prefix);
  const connection = await Connection.connect({ address });
  try {
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    // The frontend learns of a new namespace when its cache refreshes (a few seconds on the dev server).
    await waitFor(`namespace ${namespace}`, async () => {
      await connection.workflowService.describeNamespace({ namespace });
      await ensureSearchAttributes(connection, namespace);
      await connection.workflowService.countWorkflowExecutions({ namespace, query: "CallbackApp = 'probe' AND CallbackStatus = 'probe'" });
      return true;
    }, { timeoutMs: 60_000, intervalMs: 500 });
  } finally {
    await connection.close();
  }
  return namespace;
}
