/**
 * Samples the resident memory of processes by pid (/proc/<pid>/status VmRSS), so
 * each of our processes, the Temporal server and the BullMQ worker get a peak and
 * a curve over the run. It also reads their CPU time (/proc/<pid>/stat), to show
 * which process a scenario's load went to.
 */
import { readFileSync } from 'node:fs';

export interface RssSeries {
  name: string;
  pid: number;
  peakMb: number;
  lastMb: number;
  /** [ms since the sampler started, MB]. */
  samples: Array<[number, number]>;
  /** CPU seconds (user + system) used by the process when the sampler was last reset. */
  cpuAtReset: number;
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const CLOCK_TICKS = 100;

/** CPU seconds (user + system) the process has used, or undefined when it is gone. */
export function readCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** VmRSS of `pid` in MB, or undefined when the process is gone (or not on Linux). */
export function readRssMb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Math.round((Number(match[1]) / 1024) * 10) / 10 : undefined;
  } catch {
    return undefined;
  }
}

export class RssSampler {
  private readonly series = new Map<string, RssSeries>();
  readonly startedAt = Date.now();
  private timer: NodeJS.Timeout | undefined;

  /** @param intervalMs how often every watched process is read */
  constructor(private readonly intervalMs = 500) {}

  watch(name: string, pid: number | undefined): void {
    if (pid === undefined) return;
    this.series.set(name, { name, pid, peakMb: 0, lastMb: 0, samples: [], cpuAtReset: readCpuSeconds(pid) ?? 0 });
    this.sample();
  }

  unwatch(name: string): void {
    this.series.delete(name);
  }

  start(): void {
    this.timer ??= setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Forgets peaks and curves (a new scenario starts), keeping the watched pids. */
  reset(): void {
    for (const series of this.series.values()) {
      series.peakMb = 0;
      series.samples = [];
      series.cpuAtReset = readCpuSeconds(series.pid) ?? series.cpuAtReset;
    }
    this.sample();
  }

  sample(): void {
    const at = Date.now() - this.startedAt;
    for (const series of this.series.values()) {
      const mb = readRssMb(series.pid);
      if (mb === undefined) continue;
      series.lastMb = mb;
      series.peakMb = Math.max(series.peakMb, mb);
      series.samples.push([at, mb]);
    }
  }

  /** Peak MB by process name. */
  peaks(): Record<string, number> {
    return Object.fromEntries([...this.series.values()].map((s) => [s.name, s.peakMb]));
  }

  /** CPU seconds each process used since the last reset. */
  cpuSeconds(): Record<string, number> {
    return Object.fromEntries(
      [...this.series.values()].map((s) => [s.name, Math.round(((readCpuSeconds(s.pid) ?? s.cpuAtReset) - s.cpuAtReset) * 10) / 10]),
    );
  }

  snapshot(): RssSeries[] {
    return [...this.series.values()].map((s) => ({ ...s, samples: [...s.samples] }));
  }
}
