import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../../scripts/lib/wait-for.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

describe('smoke', () => {
  it('registers, fires and reports the result', async () => {
    const app = uniqueName('smoke');
    const client = stack.client(app);
    const seen: unknown[] = [];
    client.define<string[], string>('greet', async (req) => {
      seen.push(req);
      return `hello ${req.args.join(' ')}`;
    });
    await client.start();
    const registered = await client.register({ alias: 'greet', args: ['a', 'b'], delaySeconds: 1 });
    expect(registered.status).toBe('scheduled');
    const done = await waitFor('succeeded', async () => {
      const cb = await client.get(registered.uid);
      console.log(cb.status, cb.attempts, JSON.stringify(cb.lastError));
      return cb.status === 'succeeded' ? cb : undefined;
    }, { timeoutMs: 8_000, intervalMs: 1000 });
    console.log(JSON.stringify(done, null, 2));
    expect(done.result).toBe('hello a b');
    expect(seen).toHaveLength(1);
  });
});
