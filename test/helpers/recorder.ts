/** Records every handler run of a test app, so tests can assert when and how often callbacks fired. */
import type { CallbackHandler, CallbackRequest } from '../../client-sdk/types.js';
import type { DelayCallbackClient } from '../../client-sdk/index.js';
import { waitFor } from '../../scripts/lib/wait-for.js';

export interface HandlerRun {
  uid: string;
  attempt: number;
  args: unknown;
  /** When the handler was entered (this process's clock). */
  at: number;
  triggerAt: string;
  firedAt: string;
}

export class Recorder {
  readonly runs: HandlerRun[] = [];

  /** Wraps `handler` so each run is recorded before it executes. */
  wrap<Args, Result>(handler: CallbackHandler<Args, Result>): CallbackHandler<Args, Result> {
    return (request: CallbackRequest<Args>) => {
      this.runs.push({
        uid: request.uid,
        attempt: request.attempt,
        args: request.args,
        at: Date.now(),
        triggerAt: request.triggerAt,
        firedAt: request.firedAt,
      });
      return handler(request);
    };
  }

  runsOf(uid: string): HandlerRun[] {
    return this.runs.filter((run) => run.uid === uid);
  }

  async waitForRuns(uid: string, count: number, timeoutMs = 20_000): Promise<HandlerRun[]> {
    return waitFor(`${count} run(s) of ${uid}`, async () => (this.runsOf(uid).length >= count ? this.runsOf(uid) : undefined), {
      timeoutMs,
      intervalMs: 50,
    });
  }
}

/** Polls `get` until the callback reaches `status`. */
export async function waitForStatus(client: DelayCallbackClient, uid: string, status: string, timeoutMs = 20_000) {
  return waitFor(
    `callback ${uid} to be ${status}`,
    async () => {
      const callback = await client.get(uid);
      return callback.status === status ? callback : undefined;
    },
    { timeoutMs, intervalMs: 100 },
  );
}

/** A latch a handler can wait on, opened by the test. */
export function latch(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
