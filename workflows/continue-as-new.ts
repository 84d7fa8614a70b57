/**
 * When a version-2 run hands over to a new run (continue-as-new): when Temporal
 * suggests it (history length or size), or past bounds of our own that keep well
 * inside Temporal's limits, among them the number of updates a run may take
 * (2000 by default on the server).
 */
import { workflowInfo } from '@temporalio/workflow';

/** Updates (cancel, reschedule) one run takes before it continues as new. */
export const MAX_UPDATES_PER_RUN = 500;
/** History events one run may reach before it continues as new (Temporal fails a run at 51200). */
export const MAX_HISTORY_EVENTS = 10_000;
/** History bytes one run may reach before it continues as new (Temporal fails a run at 50 MiB). */
export const MAX_HISTORY_BYTES = 8 * 1024 * 1024;

/** Counts what Temporal does not tell the workflow about its own run. */
export class RunBudget {
  private updates = 0;

  countUpdate(): void {
    this.updates++;
  }

  /** True when the run should continue as new at its next safe point. */
  continueAsNewDue(): boolean {
    const info = workflowInfo();
    return (
      info.continueAsNewSuggested ||
      info.historyLength >= MAX_HISTORY_EVENTS ||
      info.historySize >= MAX_HISTORY_BYTES ||
      this.updates >= MAX_UPDATES_PER_RUN
    );
  }
}
