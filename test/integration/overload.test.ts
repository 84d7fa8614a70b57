/**
 * Truth under overload, against the real Temporal dev server: a gRPC proxy in
 * front of it puts Temporal in the situations a loaded one creates (a start that
 * reaches it late, one it executes whose answer is lost, one that never reaches
 * it, a describe that never comes back). Every registration gets a definite
 * answer: 201 when the workflow exists, 503 with the key released when it does
 * not, 503 REGISTRATION_OUTCOME_UNKNOWN with the uid and the key kept when nobody
 * can tell, 429 OVERLOADED when the in-flight limit is full; and nothing refused
 * ever fires.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DelayCallbackClient } from '../../client-sdk/index.js';
import { deterministicUid, fingerprintOf } from '../../server/callbacks/registration.js';
import { callbackWorkflowId } from '../../workflows/contract.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { expectEnvelope } from '../helpers/envelope.js';
import { workflowExists as exists } from '../helpers/history.js';
import { startGrpcFaultProxy, type GrpcFaultProxy } from '../helpers/grpc-fault-proxy.js';
import { Recorder, waitForStatus } from '../helpers/recorder.js';
import { startTestStack, testEnv, uniqueName, type TestStack } from '../helpers/stack.js';

const START = 'StartWorkflowExecution';
const DESCRIBE = 'DescribeWorkflowExecution';

let proxy: GrpcFaultProxy;
let stack: TestStack;
let client: DelayCallbackClient;
const recorder = new Recorder();

beforeAll(async () => {
  proxy = await startGrpcFaultProxy(testEnv().TEMPORAL_ADDRESS as string);
  stack = await startTestStack({
    env: {
      TEMPORAL_ADDRESS: proxy.address,
      REGISTRATION_START_TIMEOUT_MS: '500',
      REGISTRATION_OUTCOME_GRACE_MS: '100',
      REGISTRATION_OUTCOME_CHECK_TIMEOUT_MS: '500',
    },
  });
  client = stack.client(uniqueName('outcome'));
  client.define('tick', recorder.wrap(async () => true));
  await client.start();
});
afterAll(async () => {
  await stack?.close();
  await proxy?.close();
});

const path = (): string => `/v1/apps/${client.app}/callbacks`;
const uidOf = (body: Record<string, unknown>, key: string): string => deterministicUid(client.app, key, fingerprintOf(body as never));

async function metricsOf(of: TestStack): Promise<string> {
  return (await fetch(`${of.baseUrl}/metrics`)).text();
}

const workflowExists = (uid: string): Promise<boolean> => exists(stack.temporal, client.app, uid);

describe('a start Temporal does not answer in time', () => {
  it('answers 201 when the workflow exists (the start landed, its answer was lost), and it fires once', async () => {
    proxy.setRule(START, { action: 'lose-response', times: 1 });
    const key = uniqueName('landed');
    const body = { alias: 'tick', args: { test: 'landed' }, delaySeconds: 1 };
    const answer = await stack.http('POST', path(), body, { 'idempotency-key': key });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.headers.get('idempotent-replayed')).toBeNull();
    expect(answer.body).toMatchObject({ uid: uidOf(body, key), app: client.app, alias: 'tick', status: 'scheduled' });
    expect(answer.body.links.webUi).toContain(encodeURIComponent(callbackWorkflowId(client.app, answer.body.uid)));

    await waitForStatus(client, answer.body.uid, 'succeeded');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(recorder.runsOf(answer.body.uid)).toHaveLength(1);
    // The same request again is the replay of that one callback.
    expect((await stack.http('POST', path(), body, { 'idempotency-key': key })).status).toBe(200);
    expect(await metricsOf(stack)).toMatch(/delay_callback_registration_start_outcomes_total\{outcome="exists"\} [1-9]/);
  });

  it('answers 503 with Retry-After and releases the key when the workflow does not exist', async () => {
    proxy.setRule(START, { action: 'blackhole', times: 1 });
    const key = uniqueName('never-reached');
    const body = { alias: 'tick', args: { test: 'absent' }, delaySeconds: 1 };
    const answer = await stack.http('POST', path(), body, { 'idempotency-key': key });
    const envelope = expectEnvelope({ name: 'absent', status: 503, code: 'DEPENDENCY_UNAVAILABLE' }, answer.status, JSON.stringify(answer.body));
    expect(envelope.error.details).toEqual([{ dependency: 'temporal' }]);
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await workflowExists(uidOf(body, key))).toBe(false);

    // Released: the key now registers a different body (a kept key would answer 409).
    const other = { ...body, args: { test: 'absent, second body' } };
    const retried = await stack.http('POST', path(), other, { 'idempotency-key': key });
    expect(retried.status, JSON.stringify(retried.body)).toBe(201);
    expect(retried.body.uid).toBe(uidOf(other, key));
    await waitForStatus(client, retried.body.uid, 'succeeded');
    // The refused one never fires.
    expect(recorder.runs.filter((run) => (run.args as { test?: string }).test === 'absent')).toHaveLength(0);
  });

  it('answers 503 REGISTRATION_OUTCOME_UNKNOWN with the uid and keeps the key when Temporal cannot be asked', async () => {
    proxy.setRule(START, { action: 'blackhole', times: 1 });
    proxy.setRule(DESCRIBE, { action: 'blackhole', times: 1 });
    const key = uniqueName('cannot-tell');
    const body = { alias: 'tick', args: { test: 'unknown' }, delaySeconds: 1 };
    const answer = await stack.http('POST', path(), body, { 'idempotency-key': key });
    const envelope = expectEnvelope({ name: 'unknown', status: 503, code: 'REGISTRATION_OUTCOME_UNKNOWN' }, answer.status, JSON.stringify(answer.body));
    expect(envelope.error.details).toEqual([{ uid: uidOf(body, key) }]);
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);

    // Kept: another body under the key is refused, naming the uid the key stands for.
    const conflict = await stack.http('POST', path(), { ...body, args: { test: 'other' } }, { 'idempotency-key': key });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.details).toEqual([{ uid: uidOf(body, key) }]);
    // The same request, retried as the client is told to, registers it (it did not exist).
    const retried = await stack.http('POST', path(), body, { 'idempotency-key': key });
    expect(retried.status, JSON.stringify(retried.body)).toBe(201);
    expect(retried.body.uid).toBe(uidOf(body, key));
  });

  it('an SDK register retried after an unknown outcome registers exactly once: one workflow, one fire', async () => {
    // The first try's start lands but its answer is lost, and the describe after it never comes back:
    // the facade cannot tell. The SDK retries (after Retry-After) with the key it generated.
    proxy.setRule(START, { action: 'lose-response', times: 1 });
    proxy.setRule(DESCRIBE, { action: 'blackhole', times: 1 });
    const startsBefore = proxy.calls(START);
    const registered = await client.register({ alias: 'tick', args: { test: 'sdk-exactly-once' }, delaySeconds: 1 });
    expect(proxy.calls(START) - startsBefore).toBe(2);
    expect(registered.replayed).toBe(false);

    await waitForStatus(client, registered.uid, 'succeeded');
    const runs = recorder.runs.filter((run) => (run.args as { test?: string }).test === 'sdk-exactly-once');
    expect(runs.map((run) => run.uid)).toEqual([registered.uid]);
    const workflows = await waitFor('the callback in visibility', async () => {
      const found: string[] = [];
      for await (const execution of stack.temporal.workflow.list({ query: `CallbackApp = '${client.app}' AND CallbackStatus = 'succeeded'` })) {
        found.push(execution.workflowId);
      }
      return found.includes(callbackWorkflowId(client.app, registered.uid)) ? found : undefined;
    }, { timeoutMs: 15_000, intervalMs: 250 });
    // One workflow for this registration: every other succeeded one belongs to an earlier test.
    const ours = workflows.filter((id) => runs.some((run) => id === callbackWorkflowId(client.app, run.uid)));
    expect(ours).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(recorder.runs.filter((run) => (run.args as { test?: string }).test === 'sdk-exactly-once')).toHaveLength(1);
  });
});

describe('admission control', () => {
  let slow: GrpcFaultProxy;
  let limited: TestStack;
  let app: DelayCallbackClient;
  const fired = new Recorder();

  beforeAll(async () => {
    slow = await startGrpcFaultProxy(testEnv().TEMPORAL_ADDRESS as string);
    limited = await startTestStack({
      env: {
        TEMPORAL_ADDRESS: slow.address,
        ADMISSION_MAX_INFLIGHT_STARTS: '1',
        ADMISSION_QUEUE_TIMEOUT_MS: '50',
        ADMISSION_RETRY_AFTER_SECONDS: '2',
        REGISTRATION_START_TIMEOUT_MS: '20000',
        DEPENDENCY_TIMEOUT_MS: '20000',
      },
    });
    app = limited.client(uniqueName('admission'));
    app.define('tick', fired.wrap(async () => true));
    await app.start();
  });
  afterAll(async () => {
    await limited?.close();
    await slow?.close();
  });

  it('refuses a registration 429 OVERLOADED with Retry-After while the in-flight limit is full, and it never fires', async () => {
    const route = `/v1/apps/${app.app}/callbacks`;
    const existing = await limited.http('POST', route, { alias: 'tick', delaySeconds: 3600 });
    expect(existing.status).toBe(201);

    // One start held on its way to Temporal occupies the only slot.
    slow.setRule(START, { action: 'delay', ms: 4_000, times: 1 });
    const startsBefore = slow.calls(START);
    let slowAnswered = false;
    const slowRegistration = limited.http('POST', route, { alias: 'tick', args: { test: 'slow' }, delaySeconds: 1 }).finally(() => {
      slowAnswered = true;
    });
    await waitFor('the slow start to reach the proxy', async () => slow.calls(START) > startsBefore, { timeoutMs: 10_000, intervalMs: 10 });

    const key = uniqueName('refused');
    const refusedBody = { alias: 'tick', args: { test: 'refused' }, delaySeconds: 1 };
    const refused = await limited.http('POST', route, refusedBody, { 'idempotency-key': key });
    const envelope = expectEnvelope({ name: 'refused', status: 429, code: 'OVERLOADED' }, refused.status, JSON.stringify(refused.body));
    expect(envelope.error.details).toEqual([{ reason: 'start-queue' }]);
    expect(refused.headers.get('retry-after')).toBe('2');
    // Answered while the start ahead of it still waits: the refusal did not queue behind Temporal.
    expect(slowAnswered).toBe(false);
    // Reads, cancels and reschedules do not queue behind registrations.
    expect((await limited.http('GET', `${route}/${existing.body.uid as string}`)).status).toBe(200);
    expect((await limited.http('PATCH', `${route}/${existing.body.uid as string}`, { delaySeconds: 7200 })).status).toBe(200);
    expect((await limited.http('DELETE', `${route}/${existing.body.uid as string}`)).status).toBe(200);
    expect(slowAnswered).toBe(false);

    const slowAnswer = await slowRegistration;
    expect(slowAnswer.status, JSON.stringify(slowAnswer.body)).toBe(201);
    await fired.waitForRuns(slowAnswer.body.uid as string, 1);
    // Past the refused one's trigger time: it never fired, no workflow exists, and its key was released.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(fired.runs.filter((run) => (run.args as { test?: string }).test === 'refused')).toHaveLength(0);
    const again = await limited.http('POST', route, refusedBody, { 'idempotency-key': key });
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    const metrics = await metricsOf(limited);
    expect(metrics).toMatch(/delay_callback_admission_refusals_total\{reason="start-queue"\} [1-9]/);
    expect(metrics).toMatch(/delay_callback_registration_starts_inflight \d/);
  });
});
