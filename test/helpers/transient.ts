/**
 * Two busy cores: a 503 with Retry-After (Temporal slow to answer) is an allowed, transient
 * answer to any request. A client sends the same request again; the test then still requires
 * the definite answer. Re-sends after a 503 at most `tries` times, a second apart.
 */
export async function resendAfter503<T extends { status: number }>(send: () => Promise<T>, tries: number): Promise<T> {
  let answer = await send();
  for (let retry = 0; retry < tries && answer.status === 503; retry++) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    answer = await send();
  }
  return answer;
}
