/**
 * How many handlers run at once on one worker (`maxConcurrentHandlers`). Armed
 * attempts (waiting for their due time) do not take one: the worker's activity
 * slots are handlers plus armed attempts, and a slot here is taken only just
 * before the pre-start check. A handler keeps its slot until it settles, also
 * past its attempt timeout, so timed-out handlers cannot pile up.
 */
export class HandlerSlots {
  private running = 0;
  private readonly queue: Array<() => void> = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`handler slots must be an integer >= 1, got ${size}`);
  }

  /**
   * Resolves with the slot's release once one is free. While it waits, `whileWaiting` is called
   * every `everyMs` (the attempt reports itself alive). Rejects with the signal's reason if it aborts.
   */
  async acquire(signal: AbortSignal, whileWaiting: () => void, everyMs: number): Promise<() => void> {
    if (signal.aborted) throw signal.reason;
    if (this.running < this.size) {
      this.running++;
      return this.releaser();
    }
    // Queued: a release hands its slot over directly (the count stays), so nobody can overtake.
    await new Promise<void>((resolve, reject) => {
      const ready = (): void => {
        cleanup();
        resolve();
      };
      const onAbort = (): void => {
        cleanup();
        const index = this.queue.indexOf(ready);
        if (index >= 0) this.queue.splice(index, 1);
        reject(signal.reason as Error);
      };
      const ticker = setInterval(whileWaiting, everyMs);
      const cleanup = (): void => {
        clearInterval(ticker);
        signal.removeEventListener('abort', onAbort);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.queue.push(ready);
    });
    return this.releaser();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    };
  }
}
