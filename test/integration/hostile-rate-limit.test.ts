/**
 * Rate limit: RATE_LIMIT_MAX requests per known token per window, 429 with Retry-After
 * and the envelope past it; unknown tokens and anonymous floods count per client IP
 * (guessing tokens is limited too); probes are never limited; RATE_LIMIT_MAX=0 is off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope } from '../helpers/envelope.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';

const appA = uniqueName('rl-a');
const appB = uniqueName('rl-b');
const TOKEN_A = 'rate-limit-token-a-0001';
const TOKEN_B = 'rate-limit-token-b-0002';
const MAX = 3;

const stacks: TestStack[] = [];
afterAll(async () => Promise.all(stacks.map((stack) => stack.close())));

async function stackWith(env: Record<string, string>): Promise<TestStack> {
  const stack = await startTestStack({ serviceWorker: false, env: { DELAY_CALLBACK_TOKENS: `${appA}=${TOKEN_A},${appB}=${TOKEN_B}`, ...env } });
  stacks.push(stack);
  return stack;
}

const read = (stack: TestStack, app: string, token?: string) =>
  stack.http('GET', `/v1/apps/${app}/callbacks/no-such-uid`, undefined, token ? { authorization: `Bearer ${token}` } : {});

describe(`RATE_LIMIT_MAX=${MAX}`, () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await stackWith({ RATE_LIMIT_MAX: String(MAX), RATE_LIMIT_WINDOW: '1 minute' });
  });

  it('answers 429 with Retry-After and the envelope past the limit of a token', async () => {
    for (let i = 0; i < MAX; i++) expect((await read(stack, appA, TOKEN_A)).status).toBe(404);
    const limited = await read(stack, appA, TOKEN_A);
    expectEnvelope({ name: '429', status: 429, code: 'RATE_LIMITED' }, limited.status, JSON.stringify(limited.body));
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Registration is limited the same way (and nothing is registered).
    const register = await stack.http('POST', `/v1/apps/${appA}/callbacks`, { alias: 'a', delaySeconds: 60 }, { authorization: `Bearer ${TOKEN_A}` });
    expect(register.status).toBe(429);
  });

  it('gives each token its own budget', async () => {
    for (let i = 0; i < MAX; i++) expect((await read(stack, appB, TOKEN_B)).status).toBe(404);
    expect((await read(stack, appB, TOKEN_B)).status).toBe(429);
  });

  it('never limits probes, scrapes or the OpenAPI document', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json']) {
      for (let i = 0; i < MAX + 2; i++) {
        const response = await fetch(`${stack.baseUrl}${path}`, { headers: { authorization: `Bearer ${TOKEN_A}` } });
        expect(response.status, path).not.toBe(429);
        await response.arrayBuffer();
      }
    }
  });

  it('counts unknown tokens per client IP, so rotating guesses is limited', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < MAX + 2; i++) statuses.push((await read(stack, appA, `guess-${i}`)).status);
    expect(statuses.slice(0, MAX)).toEqual(Array(MAX).fill(401));
    expect(statuses.slice(MAX)).toEqual([429, 429]);
  });
});

describe('an anonymous flood', () => {
  it('is limited per client IP, before auth', async () => {
    const stack = await stackWith({ RATE_LIMIT_MAX: String(MAX) });
    const statuses: number[] = [];
    for (let i = 0; i < MAX + 1; i++) statuses.push((await read(stack, appA)).status);
    expect(statuses).toEqual([...Array(MAX).fill(401), 429]);
    // A known token still has its own budget.
    expect((await read(stack, appA, TOKEN_A)).status).toBe(404);
  });
});

describe('RATE_LIMIT_MAX=0', () => {
  it('turns limiting off', async () => {
    const stack = await stackWith({ RATE_LIMIT_MAX: '0' });
    for (let i = 0; i < 40; i++) {
      const response = await read(stack, appA, TOKEN_A);
      expect(response.status).toBe(404);
      expect(response.headers.get('x-ratelimit-limit')).toBeNull();
    }
  });
});
