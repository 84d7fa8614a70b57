/**
 * Part of `npm run build`: bundles workflows/ once into dist/workflows/bundle.js, so a
 * built service worker starts in a moment instead of bundling (seconds) at every start.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { prebuiltBundlePath, workflowsPath } from '../server/worker.js';

const target = prebuiltBundlePath();
const { code } = await bundleWorkflowCode({ workflowsPath: workflowsPath() });
await mkdir(dirname(target), { recursive: true });
await writeFile(target, code);
console.log(`workflow bundle: ${target} (${Math.round(code.length / 1024)} KiB)`);
