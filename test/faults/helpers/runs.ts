/**
 * The handler-run log the fixture worker writes (one JSON line per event) and
 * what the suite reads from it: runs per callback and attempt, and whether a
 * run was in flight when a fault hit.
 */
import { existsSync, readFileSync } from 'node:fs';

/** Callback args understood by the fixture's `work` handler. */
export interface WorkArgs {
  /** The callback's index in its batch: finds a second workflow for the same registration. */
  n: number;
  /** How long the handler works. */
  ms: number;
  /** Attempts up to this number fail (0: the first attempt succeeds). */
  failUntil: number;
}

export interface RunRecord {
  event: 'ready' | 'start' | 'end' | 'stopping' | 'stopped';
  pid: number;
  /** Epoch ms on the worker's clock (the same machine). */
  at: number;
  uid?: string;
  n?: number;
  attempt?: number;
  ok?: boolean;
}

/** One execution of a handler, by one worker process. */
export interface HandlerRun {
  uid: string;
  attempt: number;
  pid: number;
  startedAt: number;
  /** Undefined when the process died (or is still working) before the handler returned. */
  endedAt?: number;
  ok?: boolean;
}

export function readRecords(file: string): RunRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as RunRecord);
}

/** Pairs each `start` with the `end` of the same uid, attempt and process. */
export function handlerRuns(records: readonly RunRecord[]): HandlerRun[] {
  const runs: HandlerRun[] = [];
  const open = new Map<string, HandlerRun[]>();
  for (const record of records) {
    if (record.uid === undefined || record.attempt === undefined) continue;
    const key = `${record.uid}#${record.attempt}#${record.pid}`;
    if (record.event === 'start') {
      const run: HandlerRun = { uid: record.uid, attempt: record.attempt, pid: record.pid, startedAt: record.at };
      runs.push(run);
      open.set(key, [...(open.get(key) ?? []), run]);
    } else if (record.event === 'end') {
      const run = open.get(key)?.shift();
      if (run) {
        run.endedAt = record.at;
        run.ok = record.ok;
      }
    }
  }
  return runs;
}

/** Handlers running right now (started, not ended), optionally only those of one process. */
export function inFlight(file: string, pid?: number): HandlerRun[] {
  return handlerRuns(readRecords(file)).filter((run) => run.endedAt === undefined && (pid === undefined || run.pid === pid));
}

/** A span of time during which a fault was in effect (epoch ms). */
export interface FaultWindow {
  what: string;
  from: number;
  to: number;
}

/**
 * A handler that has returned is not yet an attempt Temporal knows about: the worker still has to
 * report the result. A run that ended this shortly before a fault may have lost its result with it.
 */
export const RESULT_IN_TRANSIT_MS = 1_000;

/** True when the run was in flight during the window, or its result may have been: a crash may have cut it or lost its result. */
export function hitByFault(run: HandlerRun, windows: readonly FaultWindow[]): boolean {
  return windows.some((w) => run.startedAt <= w.to && (run.endedAt === undefined || run.endedAt >= w.from - RESULT_IN_TRANSIT_MS));
}
