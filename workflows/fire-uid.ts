/**
 * The uid of a schedule's fire and its workflow id, one-to-one.
 *
 * A Temporal Schedule whose action has the workflow id `callback:<app>:<scheduleId>` starts
 * each fire as `callback:<app>:<scheduleId>-2026-12-02T10:00:00Z` (it appends the fire's
 * scheduled time, UTC, whole seconds, RFC 3339). A uid in a path may not hold colons
 * (`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`), so the uid writes the same instant in the basic
 * ISO 8601 form: `<scheduleId>-20261202T100000Z`. Only the last such suffix is mapped, so a
 * schedule id that itself ends in a timestamp still maps both ways. Other uids (UUIDs) never
 * end in either form and pass through unchanged. Pure: the workflow and the facade share it.
 */

const UID_TIME = /^(.*)-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const WORKFLOW_ID_TIME = /^(.*)-(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

/** The uid of the fire of `scheduleId` scheduled at `time` (whole seconds, UTC). */
export function fireUid(scheduleId: string, time: Date): string {
  const iso = time.toISOString(); // 2026-12-02T10:00:00.000Z
  return `${scheduleId}-${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/** The workflow id suffix (after `callback:<app>:`) of a uid: a fire's time in Temporal's form, else the uid itself. */
export function workflowIdSuffixOf(uid: string): string {
  const match = UID_TIME.exec(uid);
  if (!match) return uid;
  const [, id, year, month, day, hour, minute, second] = match;
  return `${id}-${year}-${month}-${day}T${hour}:${minute}:${second}Z`;
}

/** The inverse of {@link workflowIdSuffixOf}. */
export function uidOfWorkflowIdSuffix(suffix: string): string {
  const match = WORKFLOW_ID_TIME.exec(suffix);
  if (!match) return suffix;
  const [, id, year, month, day, hour, minute, second] = match;
  return `${id}-${year}${month}${day}T${hour}${minute}${second}Z`;
}

/** The scheduled time written in a fire's workflow id suffix, if it is one. */
export function fireTimeOfWorkflowIdSuffix(suffix: string): Date | undefined {
  const match = WORKFLOW_ID_TIME.exec(suffix);
  if (!match) return undefined;
  const time = new Date(suffix.slice((match[1] ?? '').length + 1));
  return Number.isFinite(time.getTime()) ? time : undefined;
}
