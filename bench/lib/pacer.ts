/**
 * Open-loop load: calls `send(i)` for i = 0..count-1 at `ratePerSecond`, each at
 * its own scheduled instant (start + i / rate), with at most `maxInFlight`
 * outstanding. When the system under test falls behind, requests queue at the
 * bound and the lag shows in the achieved rate, not as hidden pauses.
 */
export interface PaceOptions {
  count: number;
  ratePerSecond: number;
  /** When send 0 is due (epoch ms). @default now */
  startAt?: number;
  /** @default 512 */
  maxInFlight?: number;
  /** Called at most every `tickMs` with how many sends completed. */
  onTick?: (completed: number) => void;
}

export interface PaceResult {
  startedAt: number;
  finishedAt: number;
  /** Completed sends per second over the whole run. */
  achievedRate: number;
  /** How far behind schedule the last send started, ms. */
  maxLagMs: number;
}

export async function pace(options: PaceOptions, send: (index: number) => Promise<void>): Promise<PaceResult> {
  const startAt = options.startAt ?? Date.now();
  const maxInFlight = options.maxInFlight ?? 512;
  const intervalMs = 1000 / options.ratePerSecond;
  let next = 0;
  let inFlight = 0;
  let completed = 0;
  let maxLagMs = 0;

  await new Promise<void>((resolve) => {
    let slotFreed: (() => void) | undefined;
    const finishOne = (): void => {
      inFlight--;
      completed++;
      slotFreed?.();
      if (completed === options.count) resolve();
    };
    const loop = async (): Promise<void> => {
      while (next < options.count) {
        const due = startAt + next * intervalMs;
        const wait = due - Date.now();
        if (wait > 1) await sleep(Math.min(wait, 20));
        else if (inFlight >= maxInFlight) await new Promise<void>((freed) => (slotFreed = freed));
        else {
          maxLagMs = Math.max(maxLagMs, -wait);
          inFlight++;
          void send(next++).catch(() => undefined).finally(finishOne);
          options.onTick?.(completed);
          // Let responses be handled between bursts of due sends.
          if (next % 64 === 0) await sleep(0);
        }
      }
    };
    if (options.count === 0) resolve();
    else void loop();
  });
  const finishedAt = Date.now();
  return {
    startedAt: startAt,
    finishedAt,
    achievedRate: options.count / Math.max(0.001, (finishedAt - startAt) / 1000),
    maxLagMs: Math.round(maxLagMs),
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
