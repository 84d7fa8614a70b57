/**
 * Workflow upgrades: the recorded histories of `delayCallback` (test/histories/<version>/, recorded by
 * `npx tsx scripts/record-histories.ts <version>`) must replay against the workflow code of this
 * commit. A change that would break callbacks already running or sleeping (some sleep for
 * years) fails here with a determinism violation. Two fixtures show that the test can fail,
 * and that the same change behind `patched()` passes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { bundleWorkflowCode, Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { HistoryAndWorkflowId } from '@temporalio/client';
import { HISTORY_SCENARIOS } from '../../scripts/lib/history-scenarios.js';
import { installTemporalRuntime } from '../../server/temporal/runtime.js';

const dir = join(import.meta.dirname, '..', 'histories');
/** The folder of the current workflow version's recording (scripts/record-histories.ts writes it). */
const CURRENT = 'v2';
/** Every history of every version of the workflow, each in the folder of its version (v1/, v2/, ...). */
const files = (readdirSync(dir, { recursive: true }) as string[]).filter((name) => name.endsWith('.json')).sort();
/** The histories of the current recording. */
const current = files.filter((name) => name.startsWith(`${CURRENT}/`));

/**
 * History JSON (as `temporal workflow show -o json` writes it) to a History message. The SDK's own
 * `historyFromJSON` cannot be used here: with @grpc/proto-loader holding protobufjs 7 at the top of
 * node_modules, @temporalio/common and @temporalio/proto each get a private copy of protobufjs 8,
 * and common's JSON codec refuses proto's types ("type must be a Type"). Decoding with the codec of
 * the copy that @temporalio/proto itself loads avoids the mismatch, whatever the layout.
 */
const requireHere = createRequire(import.meta.url);
const requireFromProto = createRequire(requireHere.resolve('@temporalio/proto'));
const { fromJson } = requireFromProto('protobufjs/ext/protojson') as { fromJson(type: unknown, json: unknown, options: object): unknown };
const { patchProtobufRoot } = requireHere('@temporalio/proto/lib/patch-protobuf-root') as { patchProtobufRoot(root: unknown): { lookupType(name: string): unknown } };
const historyType = patchProtobufRoot(requireHere('@temporalio/proto')).lookupType('temporal.api.history.v1.History');

function histories(): HistoryAndWorkflowId[] {
  return files.map((name) => ({
    workflowId: name.replace(/\.json$/, ''),
    history: fromJson(historyType, JSON.parse(readFileSync(join(dir, name), 'utf8')), { ignoreUnknownFields: true }),
  }));
}

/** What a replay of every history with `options` gives, by history file. */
async function replayAll(options: ReplayWorkerOptions): Promise<Record<string, string>> {
  const outcome: Record<string, string> = {};
  for await (const result of Worker.runReplayHistories(options, histories())) {
    outcome[result.workflowId] = result.error
      ? `${result.error instanceof DeterminismViolationError ? 'nondeterministic' : 'error'}: ${result.error.message.slice(0, 200)}`
      : 'ok';
  }
  return outcome;
}

const everyHistory = (value: string | RegExp): Record<string, unknown> =>
  Object.fromEntries(files.map((name) => [name.replace(/\.json$/, ''), typeof value === 'string' ? value : expect.stringMatching(value)]));

// The workflow reports metrics through sinks; replay never calls them, but the worker must know them.
const sinks = { callbackMetrics: { attemptFinished: { fn: () => undefined }, fired: { fn: () => undefined }, finished: { fn: () => undefined } } };
const quiet = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

describe('recorded histories of delayCallback', () => {
  beforeAll(() => installTemporalRuntime('warn'));

  it('cover every scenario of the recording script, each a non-empty history, and keep the older versions', () => {
    expect(current.map((name) => name.slice(CURRENT.length + 1).replace(/\.json$/, '')).sort()).toEqual(HISTORY_SCENARIOS.map((s) => s.name).sort());
    expect(files.filter((name) => name.startsWith('v1/')).length).toBeGreaterThanOrEqual(12);
    for (const { history } of histories()) expect((history as { events: unknown[] }).events.length).toBeGreaterThan(3);
  });

  it('replay against the workflow code of this commit', async () => {
    const outcome = await replayAll({ workflowBundle: { codePath: inject('workflowBundlePath') }, sinks, replayName: 'delay-callback-replay' });
    expect(outcome).toEqual(everyHistory('ok'));
  });

  describe('a change to the workflow', () => {
    let unpatched: string;
    let patchedBundle: string;
    beforeAll(async () => {
      const bundle = async (file: string): Promise<string> =>
        (await bundleWorkflowCode({ workflowsPath: join(dir, 'changed-workflows', file), logger: quiet })).code;
      [unpatched, patchedBundle] = await Promise.all([bundle('unpatched-change.ts'), bundle('patched-change.ts')]);
    }, 120_000);

    it('that adds a command unconditionally fails every recorded history', async () => {
      const outcome = await replayAll({ workflowBundle: { code: unpatched }, sinks, replayName: 'delay-callback-unpatched' });
      expect(outcome).toEqual(everyHistory(/^nondeterministic: /));
    });

    it('made behind patched() replays every recorded history', async () => {
      const outcome = await replayAll({ workflowBundle: { code: patchedBundle }, sinks, replayName: 'delay-callback-patched' });
      expect(outcome).toEqual(everyHistory('ok'));
    });
  });
});
