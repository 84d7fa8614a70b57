/**
 * When a schedule fires: `every` (an interval) or `cron` (5 or 6 fields) in a time zone,
 * validated here with the parser's own message and turned into Temporal's ScheduleSpec.
 * Temporal computes the fire times (and the next ones we show); cron-parser only validates,
 * restricted to the syntax Temporal's calendar understands the same way.
 */
import type { ScheduleSpec } from '@temporalio/client';
import { CronExpressionParser } from 'cron-parser';
import { validationError } from '../errors.js';

const EVERY = /^([1-9]\d{0,9})(s|m|h|d)$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

/** `30s`, `5m`, `1h`, `1d`: a whole number of a unit, at least a second; returns seconds. */
export function parseEvery(text: string, maxSeconds: number, field = 'body.every'): number {
  const match = EVERY.exec(text);
  if (!match) throw validationError(field, `must be a whole number followed by s, m, h or d, such as "30s", "5m", "1h" or "1d" (got "${text}")`);
  const seconds = Number(match[1]) * (UNIT_SECONDS[match[2] as string] as number);
  if (seconds > maxSeconds) throw validationError(field, `is longer than the horizon of ${maxSeconds} seconds`);
  return seconds;
}

/**
 * What Temporal's calendar parses as cron-parser does: per field, `*`, numbers or three-letter
 * names, ranges, lists and steps. Not `L`, `W`, `#`, `?` or `H`, which Temporal lacks.
 */
const TOKEN = '(?:\\d+|[A-Za-z]{3})';
const ITEM = `(?:\\*|${TOKEN}(?:-${TOKEN})?)(?:/\\d+)?`;
const FIELD = new RegExp(`^${ITEM}(?:,${ITEM})*$`);

/**
 * A cron expression, 5 fields (minute hour day-of-month month day-of-week) or 6 (second
 * first, as BullMQ and Quartz write it), checked by cron-parser; returns Temporal's form
 * (7 fields: second ... day-of-week year).
 */
export function parseCron(expression: string, field = 'body.cron'): string {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    throw validationError(
      field,
      `must have 5 fields (minute hour day-of-month month day-of-week) or 6 (second first); "${expression}" has ${fields.length}`,
    );
  }
  const withSeconds = fields.length === 5 ? ['0', ...fields] : fields;
  const unsupported = withSeconds.find((part) => !FIELD.test(part));
  if (unsupported !== undefined) {
    throw validationError(
      field,
      `field "${unsupported}" uses syntax Temporal's calendar does not have: use *, numbers, three-letter names, ranges (a-b), lists (a,b) and steps (/n)`,
    );
  }
  try {
    // Strict: also refuses day-of-month and day-of-week both restricted, which cron implementations
    // combine differently (Vixie cron: either; Temporal: both).
    CronExpressionParser.parse(withSeconds.join(' '), { strict: true });
  } catch (err) {
    throw validationError(field, `is not a valid cron expression: ${(err as Error).message}`);
  }
  return `${withSeconds.join(' ')} *`;
}

/** An IANA time zone as the runtime's ICU knows it; a name differing only in case is corrected. */
export function parseTimezone(name: string, field = 'body.timezone'): string {
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch (err) {
    throw validationError(field, `is not an IANA time zone: ${(err as Error).message}`);
  }
  // Temporal (Go) loads zones case-sensitively; an alias such as US/Pacific it knows as given.
  return resolved.toLowerCase() === name.toLowerCase() ? resolved : name;
}

export interface Timing {
  every: string | null;
  cron: string | null;
  timezone: string;
  startAt: string | null;
  endAt: string | null;
}

/**
 * Temporal's spec: an interval aligned to `startAt` (to the Unix epoch without one, so `1h`
 * fires on the hour), or the cron in its zone; both bounded by startAt/endAt (inclusive).
 */
export function temporalSpecOf(timing: Timing, maxSeconds: number): ScheduleSpec {
  const bounds = {
    ...(timing.startAt === null ? {} : { startAt: new Date(timing.startAt) }),
    ...(timing.endAt === null ? {} : { endAt: new Date(timing.endAt) }),
  };
  if (timing.every !== null) {
    const every = parseEvery(timing.every, maxSeconds);
    const startSeconds = timing.startAt === null ? 0 : Math.ceil(Date.parse(timing.startAt) / 1000);
    const offset = ((startSeconds % every) + every) % every;
    return { intervals: [{ every: `${every}s`, offset: `${offset}s` }], ...bounds };
  }
  return { cronExpressions: [parseCron(timing.cron ?? '')], timezone: timing.timezone, ...bounds };
}
