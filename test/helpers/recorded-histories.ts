/**
 * The recorded workflow histories of test/histories/ (every sub-folder), as the replay tests read them.
 * See test/integration/replay.test.ts for why the protobuf JSON codec is the one of @temporalio/proto's copy.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { HistoryAndWorkflowId } from '@temporalio/client';

const dir = join(import.meta.dirname, '..', 'histories');
const requireHere = createRequire(import.meta.url);
const requireFromProto = createRequire(requireHere.resolve('@temporalio/proto'));
const { fromJson } = requireFromProto('protobufjs/ext/protojson') as { fromJson(type: unknown, json: unknown, options: object): unknown };
const { patchProtobufRoot } = requireHere('@temporalio/proto/lib/patch-protobuf-root') as { patchProtobufRoot(root: unknown): { lookupType(name: string): unknown } };
const historyType = patchProtobufRoot(requireHere('@temporalio/proto')).lookupType('temporal.api.history.v1.History');

export function recordedHistories(): HistoryAndWorkflowId[] {
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((name) => name.endsWith('.json')).sort();
  return files.map((name) => ({
    workflowId: name.replace(/\.json$/, ''),
    history: fromJson(historyType, JSON.parse(readFileSync(join(dir, name), 'utf8')), { ignoreUnknownFields: true }),
  }));
}
