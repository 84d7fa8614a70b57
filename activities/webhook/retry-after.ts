/**
 * `Retry-After` (RFC 9110 section 10.2.3): delay-seconds or an HTTP date.
 * Answers milliseconds from `now`, or null when absent or unreadable; a date
 * in the past is 0.
 */
export function retryAfterMs(value: string | string[] | undefined, now: number): number | null {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) return null;
  if (/^\d+$/.test(raw)) {
    const seconds = Number(raw);
    return Number.isSafeInteger(seconds) ? seconds * 1000 : null;
  }
  // IMF-fixdate (and the obsolete forms Date.parse also reads); anything else is ignored.
  if (!/^[A-Za-z]{3},? /.test(raw) && !/^[A-Za-z]+day, /.test(raw)) return null;
  const at = Date.parse(raw);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}
