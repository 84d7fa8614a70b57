/**
 * How the bench's worker children report fires to the parent: over the IPC
 * channel, in batches every 100 ms, each fire as [run, seq, fireEpochMs, attempt].
 * The fire time is taken by the worker the moment the handler starts.
 */

export type FireRecord = [run: string, seq: number, firedAt: number, attempt: number];

export type ChildMessage = { type: 'ready' } | { type: 'fires'; fires: FireRecord[] } | { type: 'error'; message: string };

/** What the bench puts in each callback's args / job data. */
export interface BenchPayload {
  run: string;
  seq: number;
}

/** Child side: buffers fires and ships them to the parent. */
export class FireReporter {
  private buffer: FireRecord[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(flushEveryMs = 100) {
    this.timer = setInterval(() => this.flush(), flushEveryMs);
  }

  record(payload: BenchPayload, attempt: number, firedAt = Date.now()): void {
    this.buffer.push([payload.run, payload.seq, firedAt, attempt]);
  }

  send(message: ChildMessage): void {
    process.send?.(message);
  }

  flush(): void {
    if (this.buffer.length === 0) return;
    const fires = this.buffer;
    this.buffer = [];
    this.send({ type: 'fires', fires });
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
  }

  /** Stops the worker with `stopWorker`, flushes and exits 0 on SIGTERM, SIGINT or the parent's going away. */
  exitOnStop(stopWorker: () => Promise<void>): void {
    const stop = async (): Promise<void> => {
      await stopWorker();
      this.close();
      process.disconnect?.();
      process.exit(0);
    };
    process.once('SIGTERM', () => void stop());
    process.once('SIGINT', () => void stop());
    process.once('disconnect', () => void stop());
  }
}

/** Parent side: fires of one run, by sequence number. */
export class FireCollector {
  /** seq -> fire times of the first delivery; duplicates counted separately. */
  readonly firstFire = new Map<number, number>();
  duplicates = 0;
  /** Re-deliveries of the same attempt or later attempts (no handler fails here, so all are anomalies). */
  laterAttempts = 0;
  lastFireAt = 0;

  constructor(readonly run: string) {}

  add(record: FireRecord): void {
    const [run, seq, firedAt, attempt] = record;
    if (run !== this.run) return;
    if (attempt > 1) this.laterAttempts++;
    if (this.firstFire.has(seq)) {
      this.duplicates++;
      return;
    }
    this.firstFire.set(seq, firedAt);
    this.lastFireAt = Math.max(this.lastFireAt, firedAt);
  }
}
