/**
 * The probe's report: answers by status and code, answer times, refusals,
 * fires of accepted, refused and unknown-outcome registrations, lateness, and
 * a verdict against the overload contract (every registration answered within
 * 2 s with 201/200 or 429/503 + Retry-After; no ghost; every accepted fires;
 * none early; no 500).
 */
import { distribution, type Distribution } from './stats.js';
import type { Answer, Fire } from './probe-run.js';
import type { UnfiredVerdict } from './probe-verify.js';

export const ANSWER_BOUND_MS = 2_000;
export const OUTCOME_UNKNOWN = 'REGISTRATION_OUTCOME_UNKNOWN';

export type AnswerClass = 'accepted' | 'refused' | 'unknown' | 'failed';

/** 201/200 accepted; 429/503 refused; 503 REGISTRATION_OUTCOME_UNKNOWN neither; anything else failed. */
export function classify(answer: Answer): AnswerClass {
  if (answer.status === 200 || answer.status === 201) return 'accepted';
  if (answer.status === 503 && answer.code === OUTCOME_UNKNOWN) return 'unknown';
  if (answer.status === 429 || answer.status === 503) return 'refused';
  return 'failed';
}

export interface ProbeFacts {
  answers: Answer[];
  fires: Fire[];
  /** Verdicts of accepted registrations that had not fired when the wait ended. */
  unfired: Map<string, UnfiredVerdict>;
  /** Unknown outcomes looked up in Temporal: uid -> exists (null: could not tell). */
  unknownLookups: Map<string, boolean | null>;
  /** Workflows of the run found in Temporal that no accepted or existing-unknown answer names. */
  ghostWorkflows: string[];
}

export interface ProbeReport {
  registrations: number;
  answers: {
    byStatus: Record<string, number>;
    accepted: number;
    refused: number;
    unknown: number;
    failed: number;
    refusedPercent: number;
    /** 429/503 answers without a Retry-After. */
    withoutRetryAfter: number;
    overBound: number;
    timeMs: Distribution;
  };
  unknownOutcomes: { total: number; exist: number; absent: number; couldNotTell: number; fired: number };
  fires: {
    acceptedFired: number;
    acceptedNotFired: Record<UnfiredVerdict, number>;
    lost: number;
    duplicates: number;
    ghostFires: number;
    /** Ghost fires by the answer their registration got (`status code`). */
    ghostFiresByAnswer: Record<string, number>;
    ghostWorkflows: number;
    early: number;
    latenessMs: Distribution;
  };
  ok: boolean;
  problems: string[];
}

export function buildReport(facts: ProbeFacts): ProbeReport {
  const { answers } = facts;
  const byStatus: Record<string, number> = {};
  const classes = { accepted: 0, refused: 0, unknown: 0, failed: 0 };
  let withoutRetryAfter = 0;
  for (const answer of answers) {
    const key = `${answer.status} ${answer.code}`;
    byStatus[key] = (byStatus[key] ?? 0) + 1;
    const kind = classify(answer);
    classes[kind]++;
    if (kind === 'refused' || kind === 'unknown') withoutRetryAfter += answer.retryAfter ? 0 : 1;
  }
  const times = answers.map((answer) => answer.answeredAt - answer.sentAt);
  const overBound = times.filter((ms) => ms > ANSWER_BOUND_MS).length;

  const firstFire = new Map<number, Fire>();
  const fireCounts = new Map<string, number>();
  for (const fire of facts.fires) {
    if (!firstFire.has(fire.seq)) firstFire.set(fire.seq, fire);
    const key = `${fire.seq}#${fire.attempt}`;
    fireCounts.set(key, (fireCounts.get(key) ?? 0) + 1);
  }
  const duplicates = [...fireCounts.values()].reduce((sum, count) => sum + count - 1, 0);

  const lateness: number[] = [];
  let acceptedFired = 0;
  let early = 0;
  let ghostFires = 0;
  const ghostFiresByAnswer: Record<string, number> = {};
  const ghost = (answer: Answer): void => {
    ghostFires++;
    const key = `${answer.status} ${answer.code}`;
    ghostFiresByAnswer[key] = (ghostFiresByAnswer[key] ?? 0) + 1;
  };
  let unknownFired = 0;
  for (const answer of answers) {
    const fire = firstFire.get(answer.seq);
    const kind = classify(answer);
    if (kind === 'accepted' && fire) {
      acceptedFired++;
      const late = fire.firedAt - (answer.triggerAt ?? answer.intendedTriggerAt);
      lateness.push(late);
      if (late < 0) early++;
    } else if (kind === 'unknown' && fire) {
      unknownFired++;
      if (answer.uid !== undefined && facts.unknownLookups.get(answer.uid) === false) ghost(answer);
    } else if (fire && kind !== 'accepted') {
      ghost(answer);
    }
  }

  const acceptedNotFired: Record<UnfiredVerdict, number> = { 'fired-late': 0, 'lost-no-workflow': 0, 'lost-closed-unfired': 0, 'open-at-deadline': 0 };
  for (const verdict of facts.unfired.values()) acceptedNotFired[verdict]++;
  const lost = acceptedNotFired['lost-no-workflow'] + acceptedNotFired['lost-closed-unfired'];
  const lookups = [...facts.unknownLookups.values()];

  const report: ProbeReport = {
    registrations: answers.length,
    answers: {
      byStatus,
      ...classes,
      refusedPercent: answers.length ? Math.round((classes.refused / answers.length) * 1000) / 10 : 0,
      withoutRetryAfter,
      overBound,
      timeMs: distribution(times),
    },
    unknownOutcomes: {
      total: classes.unknown,
      exist: lookups.filter((value) => value === true).length,
      absent: lookups.filter((value) => value === false).length,
      couldNotTell: lookups.filter((value) => value === null).length,
      fired: unknownFired,
    },
    fires: {
      acceptedFired,
      acceptedNotFired,
      lost,
      duplicates,
      ghostFires,
      ghostFiresByAnswer,
      ghostWorkflows: facts.ghostWorkflows.length,
      early,
      latenessMs: distribution(lateness),
    },
    ok: true,
    problems: [],
  };
  const problem = (condition: boolean, text: string): void => {
    if (condition) report.problems.push(text);
  };
  problem(overBound > 0, `${overBound} registrations answered after more than ${ANSWER_BOUND_MS} ms`);
  problem(classes.failed > 0, `${classes.failed} registrations answered neither 201/200 nor 429/503 (see byStatus)`);
  problem(withoutRetryAfter > 0, `${withoutRetryAfter} 429/503 answers without Retry-After`);
  problem(ghostFires > 0, `${ghostFires} fires of registrations that were refused (ghosts)`);
  problem(facts.ghostWorkflows.length > 0, `${facts.ghostWorkflows.length} workflows in Temporal that no accepted answer names (ghosts)`);
  problem(lost > 0, `${lost} accepted registrations lost`);
  problem(early > 0, `${early} early fires`);
  problem(duplicates > 0, `${duplicates} duplicate fires`);
  problem(acceptedNotFired['open-at-deadline'] > 0, `${acceptedNotFired['open-at-deadline']} accepted registrations still waiting when the verification bound ended`);
  report.ok = report.problems.length === 0;
  return report;
}

export function formatReport(report: ProbeReport): string {
  const d = (dist: Distribution): string => `p50 ${dist.p50 ?? '-'} / p90 ${dist.p90 ?? '-'} / p99 ${dist.p99 ?? '-'} / max ${dist.max ?? '-'} ms`;
  const { answers, fires, unknownOutcomes } = report;
  const lines = [
    `registrations       ${report.registrations}`,
    `answers             ${Object.entries(answers.byStatus).sort().map(([key, count]) => `${key}: ${count}`).join(', ')}`,
    `accepted/refused    ${answers.accepted} accepted, ${answers.refused} refused (${answers.refusedPercent} %), ${answers.unknown} unknown outcome, ${answers.failed} other`,
    `answer time         ${d(answers.timeMs)}; over ${ANSWER_BOUND_MS} ms: ${answers.overBound}; 429/503 without Retry-After: ${answers.withoutRetryAfter}`,
    `unknown outcomes    ${unknownOutcomes.total}: exist ${unknownOutcomes.exist}, absent ${unknownOutcomes.absent}, could not tell ${unknownOutcomes.couldNotTell}, fired ${unknownOutcomes.fired}`,
    `accepted fired      ${fires.acceptedFired}; not fired at the wait's end: ${Object.entries(fires.acceptedNotFired).map(([key, count]) => `${key} ${count}`).join(', ')}`,
    `lateness            ${d(fires.latenessMs)}; early ${fires.early}`,
    `ghosts              ${fires.ghostFires} fires of registrations not accepted${fires.ghostFires ? ` (${Object.entries(fires.ghostFiresByAnswer).map(([key, count]) => `${key}: ${count}`).join(', ')})` : ''}, ${fires.ghostWorkflows} workflows no accepted answer names; duplicates ${fires.duplicates}; lost ${fires.lost}`,
    report.ok ? 'verdict             OK' : `verdict             FAILED: ${report.problems.join('; ')}`,
  ];
  return lines.join('\n');
}
