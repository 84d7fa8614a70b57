// Runs before `npm run dev` and `npm test`: on a fresh clone (or after package-lock.json
// changed) it installs the dependencies first, so each command does its own set-up.
// Plain JavaScript with no dependencies: it runs before any are installed.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');

const stale = !existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs;
if (stale) {
  console.log('[setup] installing dependencies (npm ci): first run of this clone, or package-lock.json changed');
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('[setup] npm ci failed; fix the error above, then run the command again');
    process.exit(result.status ?? 1);
  }
}
