// `npm run build`, and the first step of `npm run dev`: TypeScript to dist/ with tsc's build mode,
// which keeps its state in dist/tsconfig.build.tsbuildinfo and recompiles only what changed (about
// 7 s cold, under a second when nothing changed, on 2 cores), then the workflow bundle when the
// compiled workflows changed. Plain JavaScript: it is what turns the TypeScript into JavaScript.
//
//   --allow-type-errors   print tsc's type errors but go on when it emitted JavaScript (npm run dev:
//                         a work-in-progress type error should not stop the stack from starting;
//                         `npm run build`, CI and the Dockerfile stay strict)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const allowTypeErrors = process.argv.includes('--allow-type-errors');
const started = performance.now();
const seconds = () => ((performance.now() - started) / 1000).toFixed(1);

const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
if (tsc.status !== 0) {
  const emitted = existsSync(join(root, 'dist', 'server', 'main.js'));
  if (!allowTypeErrors || !emitted) {
    console.error(`[build] tsc failed (exit ${tsc.status ?? tsc.signal}); fix the errors above`);
    process.exit(tsc.status || 1);
  }
  console.error('[build] type errors above; running the JavaScript tsc emitted anyway');
}
const bundle = spawnSync(process.execPath, [join(root, 'dist', 'scripts', 'bundle-workflows.js')], { cwd: root, stdio: 'inherit' });
if (bundle.status !== 0) process.exit(bundle.status || 1);
console.log(`[build] dist/ ready in ${seconds()} s`);
