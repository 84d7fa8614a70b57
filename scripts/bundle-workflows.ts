/**
 * Part of `npm run build`: bundles workflows/ once into dist/workflows/bundle.js, so a
 * built service worker starts in a moment instead of bundling (seconds) at every start.
 * Skipped when the bundle is newer than every compiled workflow file and the SDK
 * (`--force` bundles anyway), so a second `npm run dev` starts at once.
 */
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { prebuiltBundlePath, workflowsPath } from '../server/worker.js';

/** webpack's statistics are noise on every `npm run dev`; warnings and errors still show. */
const quietLogger = { trace: () => undefined, debug: () => undefined, info: () => undefined, log: () => undefined, warn: console.warn, error: console.error };

const target = prebuiltBundlePath();
const sources = [
  ...(await filesUnder(dirname(workflowsPath()))).filter((file) => file !== target),
  createRequire(import.meta.url).resolve('@temporalio/workflow/package.json'),
];

if (!process.argv.includes('--force') && (await isNewerThanAll(target, sources))) {
  console.log(`workflow bundle: ${target} is up to date`);
} else {
  const { code } = await bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: quietLogger });
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, code);
  console.log(`workflow bundle: ${target} (${Math.round(code.length / 1024)} KiB)`);
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith('.js')).map((entry) => join(entry.parentPath, entry.name));
}

async function isNewerThanAll(file: string, others: string[]): Promise<boolean> {
  const mtime = (path: string): Promise<number> => stat(path).then((s) => s.mtimeMs, () => Number.NaN);
  const own = await mtime(file);
  if (Number.isNaN(own)) return false;
  for (const other of others) if (!((await mtime(other)) < own)) return false;
  return true;
}
