/**
 * Registering through the facade as a careful client does while the cluster fails over:
 * every request carries an idempotency key, and a network error, 429 or 5xx is retried
 * with the same key until the facade answers 200 or 201.
 */
export interface Registration {
  key: string;
  uid: string;
  triggerAt: string;
  /** Requests sent for this key (1 = no retry needed). */
  requests: number;
  /** Every uid the facade answered for this key: more than one would be a double registration. */
  uids: Set<string>;
}

export async function registerWithRetry(
  baseUrl: string,
  app: string,
  body: { alias: string; args: unknown; delaySeconds: number; idempotencyKey: string },
  { deadlineMs = 90_000, pauseMs = 500 } = {},
): Promise<Registration> {
  const deadline = Date.now() + deadlineMs;
  const uids = new Set<string>();
  let requests = 0;
  let lastProblem = '';
  for (;;) {
    requests++;
    try {
      const response = await fetch(`${baseUrl}/v1/apps/${app}/callbacks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
      const answer = (await response.json()) as { uid?: string; triggerAt?: string };
      if ((response.status === 200 || response.status === 201) && answer.uid && answer.triggerAt) {
        uids.add(answer.uid);
        return { key: body.idempotencyKey, uid: answer.uid, triggerAt: answer.triggerAt, requests, uids };
      }
      if (response.status !== 429 && response.status < 500) {
        throw new Error(`registration ${body.idempotencyKey} refused: ${response.status} ${JSON.stringify(answer)}`);
      }
      lastProblem = `${response.status} ${JSON.stringify(answer)}`;
    } catch (err) {
      if ((err as Error).message.startsWith('registration')) throw err;
      lastProblem = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`registration ${body.idempotencyKey} gave up after ${requests} requests: ${lastProblem}`);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}

/** Reads a callback, retrying while the facade answers 503 (a dependency failing over). */
export async function readCallback(baseUrl: string, app: string, uid: string): Promise<{ status: string; attempts: number }> {
  for (let tries = 0; ; tries++) {
    const response = await fetch(`${baseUrl}/v1/apps/${app}/callbacks/${uid}`, { signal: AbortSignal.timeout(15_000) });
    if (response.ok) return (await response.json()) as { status: string; attempts: number };
    if (response.status !== 503 || tries > 60) throw new Error(`GET ${uid}: ${response.status} ${await response.text()}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
