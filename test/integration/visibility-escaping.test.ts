/**
 * The visibility query builder against the real Temporal server: hostile app names and aliases
 * (quotes, backslashes, `' OR '1'='1`, newlines, Unicode) reach Temporal as one literal each, so a
 * listing finds exactly the callback carrying that value, and nothing for a value nobody has.
 * The routes' schemas never let such names through; CallbackVisibility is called directly.
 */
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { CallbackVisibility } from '../../server/callbacks/visibility.js';
import { WORKFLOW_TYPE, callbackWorkflowId, searchAttributes } from '../../workflows/contract.js';
import { uniqueName } from '../helpers/stack.js';

const prefix = uniqueName('esc');
/** Each a CallbackApp and CallbackAlias of a workflow of this file; the dev server's store matches these exactly. */
const MATCHED = [`${prefix} it's`, `${prefix} ünïcødé 日本語 🎉`];
/**
 * These too, but the dev server's SQLite visibility store escapes the parsed value again (observed
 * on Temporal CLI 1.5.1: backslashes, double quotes, control characters, two quotes in a row), so
 * it matches nothing for them: the query must still be accepted and never widen to another callback.
 */
const UNMATCHED = [`${prefix} ''`, `${prefix}\\`, `${prefix} back\\slash \\' OR 1=1 --`, `${prefix} "double" quotes`, `${prefix} new\nline\tand tab`];
const HOSTILE = [...MATCHED, ...UNMATCHED];
/** Values no workflow has, written to widen a naive query to every callback. */
const ABSENT = [`${prefix}' OR '1'='1`, `${prefix}' OR CallbackApp != '`, `${prefix}\\' OR '1'='1`];

let connection: Connection;
let client: Client;
let visibility: CallbackVisibility;
const started: string[] = [];

beforeAll(async () => {
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection, namespace: 'default' });
  visibility = new CallbackVisibility(client, { uiUrl: inject('temporalUiUrl'), namespace: 'default' }, (call) => call());
  // A plain one as well: the absent values must not widen the query to it.
  for (const [i, name] of [prefix, ...HOSTILE].entries()) {
    const workflowId = callbackWorkflowId(name, `uid-${i}`);
    // On a task queue nobody polls, an hour away: nothing runs; only visibility sees them.
    await client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: `${prefix}-unpolled`,
      workflowId,
      args: [],
      startDelay: '1 hour',
      typedSearchAttributes: [
        { key: searchAttributes.app, value: name },
        { key: searchAttributes.alias, value: name },
        { key: searchAttributes.status, value: 'scheduled' },
        { key: searchAttributes.triggerAt, value: new Date(Date.now() + 3_600_000) },
      ],
    });
    started.push(workflowId);
  }
  await waitFor('all in visibility', async () => (await client.workflow.count(`CallbackApp STARTS_WITH '${prefix}'`)).count === started.length, {
    timeoutMs: 15_000,
    intervalMs: 200,
  });
});

afterAll(async () => {
  await Promise.all(started.map((id) => client.workflow.getHandle(id).terminate('test over').catch(() => undefined)));
  await connection?.close();
});

describe('hostile names against the real visibility store', () => {
  it.each(MATCHED.map((name) => [JSON.stringify(name), name] as const))('lists exactly the callback of app and alias %s', async (_label, name) => {
    const page = await visibility.list(name, { alias: name }, 50, undefined);
    expect(page.items.map((item) => [item.uid, item.alias, item.app])).toEqual([[`uid-${HOSTILE.indexOf(name) + 1}`, name, name]]);
    const stats = await visibility.stats(name);
    expect(stats.counts.scheduled).toBe(1);
    expect(stats.total).toBe(1);
  });

  it.each(UNMATCHED.map((name) => [JSON.stringify(name), name] as const))('accepts a listing of app and alias %s, never widened', async (_label, name) => {
    const page = await visibility.list(name, { alias: name }, 50, undefined);
    expect(page.items.every((item) => item.alias === name && item.app === name)).toBe(true);
    expect((await visibility.stats(name)).total).toBeLessThanOrEqual(1);
  });

  it.each(ABSENT.map((name) => [JSON.stringify(name), name] as const))('finds nothing, and no error, for %s', async (_label, name) => {
    expect((await visibility.list(name, {}, 50, undefined)).items).toEqual([]);
    expect((await visibility.list(prefix, { alias: name }, 50, undefined)).items).toEqual([]);
    expect((await visibility.stats(name)).total).toBe(0);
  });

  it('refuses a NUL character with 400 (the store fails on it even escaped) instead of querying', async () => {
    await expect(visibility.list(`${prefix}\0`, {}, 50, undefined)).rejects.toMatchObject({ code: 'VALIDATION_FAILED', statusCode: 400 });
  });
});
