/**
 * `npm run test:faults`: the fault suite (vitest.faults.config.ts), then the
 * figures of every scenario as one table, the suite's duration, and the
 * closing line `Tests: N passed, M failed`. Arguments go on to vitest (a file
 * filter, `-t`). Exits with vitest's status.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { FIGURES_FILE, formatTable, readFigures } from './helpers/figures.js';
import { repoRoot } from './helpers/node-process.js';

const report = join(repoRoot, 'test-results', 'faults.json');
rmSync(report, { force: true });
rmSync(FIGURES_FILE, { force: true });

// vitest's own command line, found through its package (its bin is not an export).
const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const started = Date.now();
const run = spawnSync(process.execPath, [vitest, 'run', '--config', 'vitest.faults.config.ts', ...process.argv.slice(2)], {
  cwd: repoRoot,
  stdio: 'inherit',
});
const status = run.status ?? 1;
const minutes = (Date.now() - started) / 60_000;

const figures = readFigures();
console.log('\nFault suite: figures per scenario (lost and twice must be 0)\n');
console.log(figures.length > 0 ? formatTable(figures) : '(no scenario reported figures)');
console.log(`\nFault suite duration: ${minutes.toFixed(1)} min\n`);
spawnSync(process.execPath, [join(repoRoot, '.ci', 'summarize.mjs'), report, String(status)], { stdio: 'inherit' });
process.exit(status);
