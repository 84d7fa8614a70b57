/**
 * Payload encryption through the whole stack (facade, service worker, SDK worker), in a
 * namespace of this file's own: Temporal's history holds only ciphertext (read with a plain
 * client and with the Temporal CLI), the API and the handlers see plain values, failure
 * messages are encrypted too, callbacks registered under an old key fire and read after a
 * new key is put first, and a Temporal Schedule created through the codec-enabled client
 * starts callbacks that run.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AesGcmPayloadCodec, METADATA_ENCRYPTION_KEY_ID, isEncrypted } from '../../client-sdk/codec/index.js';
import type { DelayCallbackClient } from '../../client-sdk/index.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { DEFAULT_RETRY, SERVICE_TASK_QUEUE, WORKFLOW_TYPE, callbackWorkflowId, type DelayCallbackInput } from '../../workflows/contract.js';
import { createNamespace } from '../helpers/namespace.js';
import { Recorder, waitForStatus } from '../helpers/recorder.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';
import { workflowBundle } from '../helpers/workflow-bundles.js';

const execFileAsync = promisify(execFile);
const { History } = proto.temporal.api.history.v1;

const OLD_KEY = `2025-12=${randomBytes(32).toString('base64')}`;
const NEW_KEY = `2026-06=${randomBytes(32).toString('base64')}`;
/** Markers that must never appear in Temporal in clear. */
const marker = (what: string): string => `${what}-${randomBytes(6).toString('hex')}`;

let namespace: string;
let bundle: { code: string };
let plain: Client;
let plainConnection: Connection;
let stack: TestStack | undefined;
let client: DelayCallbackClient;
const recorder = new Recorder();
const app = uniqueName('enc');

beforeAll(async () => {
  [namespace, bundle] = await Promise.all([createNamespace('encrypted'), workflowBundle({ encrypted: true })]);
  plainConnection = await Connection.connect({ address: inject('temporalAddress') });
  plain = new Client({ connection: plainConnection, namespace });
}, 180_000);
afterAll(async () => {
  await stack?.close();
  await plainConnection?.close();
});

async function startStack(keys: string): Promise<void> {
  await stack?.close();
  stack = await startTestStack({ env: { TEMPORAL_NAMESPACE: namespace, PAYLOAD_ENCRYPTION_KEYS: keys }, workflowBundle: bundle });
  client = stack.client(app);
  client.define('echo', recorder.wrap(async (req) => ({ echoed: req.args })));
  client.define('decline', async (req) => {
    throw new Error(`card declined: ${(req.args as { reason: string }).reason}`);
  });
  await client.start();
}

/** Every payload of a workflow's history, with where it is; search attributes are never encoded, by Temporal's design. */
function payloadsOf(value: unknown, path = ''): Array<{ path: string; payload: Payload }> {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return [];
  const object = value as Record<string, unknown>;
  if (object.data instanceof Uint8Array && object.metadata && typeof object.metadata === 'object') return [{ path, payload: object as Payload }];
  return Object.entries(object).flatMap(([key, child]) => (key === 'searchAttributes' ? [] : payloadsOf(child, path ? `${path}.${key}` : key)));
}

/** The CLI's JSON output with every payload's `data` (base64) decoded, joined. */
function dataIn(json: string): string {
  const found: string[] = [];
  const walk = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return;
    const object = value as Record<string, unknown>;
    if (typeof object.data === 'string' && object.metadata) found.push(Buffer.from(object.data, 'base64').toString('utf8'));
    Object.values(object).forEach(walk);
  };
  walk(JSON.parse(json));
  return found.join('\n');
}

async function historyOf(workflowId: string) {
  const history = await plain.workflow.getHandle(workflowId).fetchHistory();
  return { history, bytes: Buffer.from(History.encode(History.create(history)).finish()) };
}

describe('with PAYLOAD_ENCRYPTION_KEYS', () => {
  it('callbacks registered under the old key fire and read after a new key is added first', async () => {
    await startStack(OLD_KEY);
    const fired = await client.register({ alias: 'echo', args: { n: 1 }, delaySeconds: 0 });
    const waiting = await client.register({ alias: 'echo', args: { n: 2 }, delaySeconds: 3_600 });
    await waitForStatus(client, fired.uid, 'succeeded');
    const oldInput = (await historyOf(callbackWorkflowId(app, waiting.uid))).history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    expect(Buffer.from(oldInput?.metadata?.[METADATA_ENCRYPTION_KEY_ID] ?? []).toString()).toBe('2025-12');

    await startStack(`${NEW_KEY},${OLD_KEY}`);
    // Finished under the old key: its result reads back.
    expect(await client.get(fired.uid)).toMatchObject({ status: 'succeeded', args: { n: 1 }, result: { echoed: { n: 1 } } });
    // Not run yet: read from its (old-key) start input, then moved to now and fired by the new stack.
    expect(await client.get(waiting.uid)).toMatchObject({ status: 'scheduled', args: { n: 2 } });
    await client.reschedule(waiting.uid, { delaySeconds: 0 });
    const done = await waitForStatus(client, waiting.uid, 'succeeded');
    expect(done.result).toEqual({ echoed: { n: 2 } });
    expect(recorder.runsOf(waiting.uid).map((run) => run.args)).toEqual([{ n: 2 }]);
    // What the new stack wrote (the handler's result) is under the new key.
    const { history } = await historyOf(callbackWorkflowId(app, waiting.uid));
    const all = payloadsOf(history);
    const written = all.filter(({ path }) => /activityTaskCompletedEventAttributes\.result/.test(path));
    expect(written.length).toBeGreaterThan(0);
    for (const { payload } of written) expect(Buffer.from(payload.metadata?.[METADATA_ENCRYPTION_KEY_ID] ?? []).toString()).toBe('2026-06');
    // The reschedule's update (its request and the state it answered) is ciphertext too.
    expect(all.some(({ path }) => path.includes('workflowExecutionUpdateAcceptedEventAttributes'))).toBe(true);
    expect(all.some(({ path }) => path.includes('workflowExecutionUpdateCompletedEventAttributes'))).toBe(true);
    for (const { path, payload } of all) expect(isEncrypted(payload), `${path} is encrypted`).toBe(true);
  });

  it('stores only ciphertext: a plain client reads no args, result or memo, the codec reads them all', async () => {
    const [secretArg, secretResult] = [marker('arg'), marker('result')];
    client.define('secretive', async () => ({ answer: secretResult }));
    const { uid } = await client.register({ alias: 'secretive', args: { card: secretArg }, delaySeconds: 0 });
    const done = await waitForStatus(client, uid, 'succeeded');
    expect(done).toMatchObject({ args: { card: secretArg }, result: { answer: secretResult } });

    const workflowId = callbackWorkflowId(app, uid);
    const { history, bytes } = await historyOf(workflowId);
    expect(bytes.includes(secretArg)).toBe(false);
    expect(bytes.includes(secretResult)).toBe(false);
    const payloads = payloadsOf(history);
    const paths = payloads.map(({ path }) => path);
    for (const expected of ['input', 'memo', 'result', 'userMetadata.summary']) expect(paths.some((path) => path.includes(expected)), expected).toBe(true);
    for (const { path, payload } of payloads) expect(isEncrypted(payload), `${path} is encrypted`).toBe(true);
    // The memo as the service describes it (visibility) is ciphertext as well.
    const described = await plain.workflowService.describeWorkflowExecution({ namespace, execution: { workflowId } });
    const memo = Object.values(described.workflowExecutionInfo?.memo?.fields ?? {});
    expect(memo.length).toBeGreaterThan(0);
    for (const payload of memo) expect(isEncrypted(payload)).toBe(true);

    // The positive control: the same payloads, decrypted, hold both values.
    const codec = new AesGcmPayloadCodec(`${NEW_KEY},${OLD_KEY}`);
    const decrypted = Buffer.concat((await codec.decode(payloads.map(({ payload }) => payload))).map((payload) => Buffer.from(payload.data ?? [])));
    expect(decrypted.includes(secretArg)).toBe(true);
    expect(decrypted.includes(secretResult)).toBe(true);
    // And the service's own client (with the codec) reads the workflow's result in plain values.
    expect(await stack!.temporal.workflow.getHandle(workflowId).result()).toMatchObject({ args: { card: secretArg }, result: { answer: secretResult } });
  });

  it('shows only ciphertext in `temporal workflow show`, and the args through the codec endpoint', async () => {
    const secretArg = marker('cli');
    const { uid } = await client.register({ alias: 'echo', args: [secretArg], delaySeconds: 0 });
    await waitForStatus(client, uid, 'succeeded');
    const show = (...extra: string[]) =>
      execFileAsync(inject('temporalBinary'), ['workflow', 'show', '--address', inject('temporalAddress'), '--namespace', namespace, '--workflow-id', callbackWorkflowId(app, uid), '--output', 'json', ...extra], { timeout: 30_000 });
    const raw = await show();
    expect(raw.stdout).toContain('WORKFLOW_EXECUTION_COMPLETED');
    expect(raw.stdout).not.toContain(secretArg);
    expect(dataIn(raw.stdout)).not.toContain(secretArg);
    expect(raw.stdout).toContain(Buffer.from('binary/encrypted').toString('base64'));
    const decoded = await show('--codec-endpoint', `${stack!.baseUrl}/codec`);
    expect(decoded.stdout).not.toContain(Buffer.from('binary/encrypted').toString('base64'));
    expect(dataIn(decoded.stdout)).toContain(secretArg);
  });

  it('encrypts failure messages: the handler\'s error is ciphertext in Temporal, plain in GET', async () => {
    const reason = marker('reason');
    const { uid } = await client.register({ alias: 'decline', args: { reason }, delaySeconds: 0, retry: null });
    const failed = await waitForStatus(client, uid, 'failed');
    expect(failed.lastError).toEqual({ code: 'HANDLER_FAILED', message: `card declined: ${reason}` });
    const { history, bytes } = await historyOf(callbackWorkflowId(app, uid));
    expect(bytes.includes(reason)).toBe(false);
    // Both the activity's failure (the app worker) and the workflow's (the service worker) say only this.
    const failures = (history.events ?? []).flatMap((event) => [event.activityTaskFailedEventAttributes?.failure, event.workflowExecutionFailedEventAttributes?.failure]).filter(Boolean);
    expect(failures.length).toBe(2);
    for (const failure of failures) {
      expect(failure?.message).toBe('Encoded failure');
      expect(isEncrypted(failure!.encodedAttributes!)).toBe(true);
    }
  });

  it('reads plain values back through GET, list and stats', async () => {
    const secretArg = marker('list');
    const registered = await client.register({ alias: 'echo', args: { secretArg }, delaySeconds: 3_600 });
    const { replayed: _replayed, ...summary } = registered;
    const page = await waitFor('listed', async () => {
      const listed = await client.list({ status: 'scheduled' });
      return listed.items.find((item) => item.uid === registered.uid);
    }, { timeoutMs: 15_000, intervalMs: 200 });
    // createdAt comes from the (decrypted) memo, to the millisecond.
    expect(page).toEqual(summary);
    expect((await client.stats()).counts.scheduled).toBeGreaterThanOrEqual(1);
    expect((await client.get(registered.uid)).args).toEqual({ secretArg });
    expect(await client.unregister(registered.uid)).toEqual({ uid: registered.uid, status: 'cancelled' });
  });

  it('runs callbacks a Temporal Schedule starts, when the schedule was created through the codec-enabled client', async () => {
    const secretArg = marker('schedule');
    const uid = uniqueName('sched');
    const input: DelayCallbackInput = {
      app,
      uid,
      alias: 'echo',
      args: { secretArg },
      triggerAt: new Date(0).toISOString(),
      createdAt: new Date().toISOString(),
      retry: { ...DEFAULT_RETRY, maxAttempts: 1 },
      attemptTimeoutSeconds: 30,
    };
    const scheduleId = uniqueName('encrypted-schedule');
    const handle = await stack!.temporal.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1 day' }] },
      action: { type: 'startWorkflow', workflowType: WORKFLOW_TYPE, taskQueue: SERVICE_TASK_QUEUE, workflowId: callbackWorkflowId(app, uid), args: [input] },
      state: { paused: true },
    });
    try {
      const stored = await plain.workflowService.describeSchedule({ namespace, scheduleId });
      const actionInput = stored.schedule?.action?.startWorkflow?.input?.payloads?.[0];
      expect(actionInput && isEncrypted(actionInput)).toBe(true);
      expect(((await handle.describe()).action as { args?: unknown[] }).args).toEqual([input]);

      await handle.trigger();
      const [run] = await recorder.waitForRuns(uid, 1, 30_000);
      expect(run?.args).toEqual({ secretArg });
      const started = await waitFor('the schedule\'s action', async () => (await handle.describe()).info.recentActions[0], { timeoutMs: 10_000, intervalMs: 200 });
      const { bytes } = await historyOf(started.action.workflow.workflowId);
      expect(bytes.includes(secretArg)).toBe(false);
    } finally {
      await handle.delete();
    }
  });
});
