/**
 * workflows/webhook-attempt.ts on the real dev server, through test workflows
 * (test/fixtures/webhook-attempt-workflows.ts) and a worker hosting deliverWebhook:
 * the local-activity shape (markers, no activity tasks), the regular activity for long
 * attempt timeouts, outcomes as the workflow sees them, stand-down on cancel, and no
 * secret or header value anywhere in the history read back with a plain client.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { verifyWebhook } from '../../client-sdk/index.js';
import { createWebhookActivities } from '../../activities/webhook/deliver-webhook.js';
import { sealHeaders } from '../../activities/webhook/header-seal.js';
import { WebhookSecrets } from '../../activities/webhook/secrets.js';
import { TargetPolicy, parseAllowedCidrs } from '../../activities/webhook/target-policy.js';
import { EventType } from '../../server/temporal/enums.js';
import { installTemporalRuntime } from '../../server/temporal/runtime.js';
import type { WebhookAttemptOutcome } from '../../workflows/webhook-attempt.js';
import type { DeliverWebhookInput } from '../../workflows/webhook-contract.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { uniqueName } from '../helpers/stack.js';
import { startReceiver, type Receiver, type ScriptedAnswer } from '../helpers/webhook-receiver.js';

installTemporalRuntime('error');
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const APP = 'billing';
const secrets = WebhookSecrets.parse(`${APP}=${SECRET}`);
const HEADER_VALUE = `Bearer ${randomBytes(12).toString('hex')}-header-credential`;
const taskQueue = uniqueName('webhook-attempts');

let client: Client;
let worker: Worker;
let running: Promise<void>;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  const address = inject('temporalAddress');
  const native = await NativeConnection.connect({ address });
  cleanups.push(() => native.close());
  worker = await Worker.create({
    connection: native,
    taskQueue,
    workflowsPath: fileURLToPath(new URL('../fixtures/webhook-attempt-workflows.ts', import.meta.url)),
    activities: createWebhookActivities({ secrets, policy: new TargetPolicy(parseAllowedCidrs('127.0.0.1/32')) }),
  });
  running = worker.run();
  client = new Client({ connection: await Connection.connect({ address }) });
  cleanups.push(() => client.connection.close());
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function receiver(answers: ScriptedAnswer[]): Promise<Receiver> {
  const started = await startReceiver(answers);
  cleanups.push(() => started.close());
  return started;
}

function inputFor(url: string, overrides: Partial<DeliverWebhookInput> = {}): DeliverWebhookInput {
  return {
    app: APP,
    uid: uniqueName('uid'),
    alias: 'invoice-due',
    args: { invoice: 7 },
    attempt: 1,
    triggerAt: new Date().toISOString(),
    firedAt: null,
    attemptTimeoutSeconds: 10,
    webhook: { url, headers: { names: ['authorization'], sealed: sealHeaders(APP, [['authorization', HEADER_VALUE]], secrets.forApp(APP)) } },
    ...overrides,
  };
}

async function attempts(inputs: DeliverWebhookInput[]): Promise<{ outcomes: WebhookAttemptOutcome[]; history: temporal.api.history.v1.IHistory; workflowId: string }> {
  const workflowId = uniqueName('webhook-attempts');
  const handle = await client.workflow.start('webhookAttempts', { taskQueue, workflowId, args: [inputs] });
  const outcomes = (await handle.result()) as WebhookAttemptOutcome[];
  return { outcomes, history: await handle.fetchHistory(), workflowId };
}

const eventTypes = (history: temporal.api.history.v1.IHistory): number[] => (history.events ?? []).map((event) => Number(event.eventType));
const count = (history: temporal.api.history.v1.IHistory, type: number): number => eventTypes(history).filter((t) => t === type).length;

/** Every string and every payload's bytes of the history, as text: what a reader of Temporal could see. */
function historyText(value: unknown, out: string[] = []): string[] {
  if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) historyText(item, out);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) historyText(item, out);
  return out;
}

describe('a webhook attempt in a workflow', () => {
  it('runs as a local activity: 500 then 200 is two markers, one webhook-id, and the second attempt succeeds', async () => {
    const target = await receiver([{ status: 500 }, { status: 200, body: '{"paid":true}' }]);
    const first = inputFor(target.url());
    const { outcomes, history } = await attempts([first, { ...first, attempt: 2 }]);
    expect(outcomes[0]).toMatchObject({ outcome: 'failed', error: { code: 'WEBHOOK_HTTP_STATUS' }, status: 500, final: false, retryNotBefore: null });
    expect(outcomes[1]).toMatchObject({ outcome: 'succeeded', status: 200, result: { paid: true } });
    expect((outcomes[1] as { durationMs: number }).durationMs).toBeGreaterThanOrEqual(0);

    expect(target.requests).toHaveLength(2);
    expect(new Set(target.requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(target.requests.map((r) => verifyWebhook(SECRET, r.rawBody, r.headers).data.attempt)).toEqual([1, 2]);
    expect(target.requests.every((r) => r.headers.authorization === HEADER_VALUE)).toBe(true);

    // The cheap shape: results recorded as markers in workflow tasks, no activity task at all.
    expect(count(history, EventType.EVENT_TYPE_MARKER_RECORDED)).toBe(2);
    expect(count(history, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toBe(0);
  });

  it('ends on 410 with a final failure, and reports Retry-After as an instant', async () => {
    const gone = await receiver([{ status: 410 }]);
    const busy = await receiver([{ status: 429, headers: { 'retry-after': '30' } }]);
    const before = Date.now();
    const { outcomes } = await attempts([inputFor(gone.url()), inputFor(busy.url())]);
    expect(outcomes[0]).toMatchObject({ outcome: 'failed', error: { code: 'WEBHOOK_GONE' }, status: 410, final: true });
    expect(outcomes[1]).toMatchObject({ outcome: 'failed', error: { code: 'WEBHOOK_HTTP_STATUS' }, status: 429, final: false });
    expect(Date.parse((outcomes[1] as { retryNotBefore: string }).retryNotBefore)).toBeGreaterThanOrEqual(before + 30_000);
  });

  it('times out as ATTEMPT_TIMEOUT and is blocked as WEBHOOK_TARGET_BLOCKED, each a plain outcome', async () => {
    const slow = await receiver([{ status: 200, delayMs: 5_000 }]);
    const { outcomes } = await attempts([
      inputFor(slow.url(), { attemptTimeoutSeconds: 1 }),
      inputFor(`http://[::1]:${slow.port}/hook`),
    ]);
    expect(outcomes[0]).toMatchObject({ outcome: 'failed', error: { code: 'ATTEMPT_TIMEOUT' }, status: null });
    expect(outcomes[1]).toMatchObject({ outcome: 'failed', error: { code: 'WEBHOOK_TARGET_BLOCKED' }, status: null });
  });

  it('runs as a regular activity on the workflow task queue when the attempt timeout is long', async () => {
    const target = await receiver([{ status: 202 }]);
    const { outcomes, history } = await attempts([inputFor(target.url(), { attemptTimeoutSeconds: 120 })]);
    expect(outcomes[0]).toMatchObject({ outcome: 'succeeded', status: 202, result: null });
    expect(count(history, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toBe(1);
    expect(count(history, EventType.EVENT_TYPE_MARKER_RECORDED)).toBe(0);
    expect(target.requests).toHaveLength(1);
  });

  /** Starts one cancellable attempt and sends the stand-down signal once it is armed (its task runs). */
  async function cancelWhileArmed(input: DeliverWebhookInput): Promise<WebhookAttemptOutcome> {
    const handle = await client.workflow.start('cancellableWebhookAttempt', { taskQueue, workflowId: uniqueName('stand-down'), args: [input] });
    await waitFor('the attempt armed', async () => (await handle.describe()).historyLength >= 3, { timeoutMs: 10_000, intervalMs: 50 });
    await handle.signal('stand-down');
    return (await handle.result()) as WebhookAttemptOutcome;
  }

  it('stands down when cancelled before its due time (a long attempt): nothing is sent', async () => {
    const target = await receiver([{ status: 200 }]);
    // The activity learns of the cancellation from a heartbeat's answer, sent at most every 8 s.
    const dueAt = Date.now() + 10_000;
    const outcome = await cancelWhileArmed(inputFor(target.url(), { attemptTimeoutSeconds: 120, dueAt: new Date(dueAt).toISOString() }));
    expect(outcome).toEqual({ outcome: 'stood-down' });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, dueAt - Date.now()) + 500));
    expect(target.requests).toHaveLength(0);
  });

  it('answers the truth when a local attempt is cancelled while armed: it was sent, and says so', async () => {
    const target = await receiver([{ status: 200 }]);
    const dueAt = Date.now() + 2_000;
    const outcome = await cancelWhileArmed(inputFor(target.url(), { dueAt: new Date(dueAt).toISOString() }));
    expect(outcome).toMatchObject({ outcome: 'succeeded', status: 200 });
    expect(target.requests[0]!.at).toBeGreaterThanOrEqual(dueAt);
    // The signal arrived while the task that ran the attempt was open; that task also completed the
    // workflow, so Temporal refused it (UNHANDLED_COMMAND) and the attempt ran again on the retried
    // task: at-least-once, the same webhook-id and attempt number each time.
    expect(target.requests.length).toBeGreaterThanOrEqual(1);
    const bodies = target.requests.map((r) => verifyWebhook(SECRET, r.rawBody, r.headers));
    expect(new Set(target.requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(new Set(bodies.map((b) => b.data.attempt))).toEqual(new Set([1]));
  });

  it('keeps the signing secret and the custom header values out of the history', async () => {
    const target = await receiver([{ status: 200 }]);
    const input = inputFor(target.url());
    const { workflowId } = await attempts([input]);
    expect(target.requests[0]?.headers.authorization).toBe(HEADER_VALUE);
    // Read back with a plain client, as anyone with access to Temporal (or the Web UI) would.
    const plain = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }) });
    try {
      const text = historyText(await plain.workflow.getHandle(workflowId).fetchHistory()).join('\n');
      expect(text).toContain(input.webhook.headers?.sealed as string); // the sealed form is there...
      expect(text).toContain('authorization'); // ...with the header's name
      expect(text).not.toContain(HEADER_VALUE.split(' ')[1] as string); // but never the value
      expect(text).not.toContain(SECRET.slice(6, 30));
      expect(text).not.toContain(secrets.forApp(APP)[0]?.key.toString('hex').slice(0, 24));
    } finally {
      await plain.connection.close();
    }
  });
});
