// Prints "Tests: N passed, M failed" from vitest's JSON report. A missing report (typecheck
// or lint failed before vitest ran) counts as one failure when the command failed.
import { existsSync, readFileSync } from 'node:fs';

const [reportPath, statusArg] = process.argv.slice(2);
const status = Number(statusArg ?? 0);
if (!reportPath || !existsSync(reportPath)) {
  console.log(`Tests: 0 passed, ${status === 0 ? 0 : 1} failed${status === 0 ? '' : ' (no test report: the run stopped before the tests)'}`);
  process.exit(0);
}
const report = JSON.parse(readFileSync(reportPath, 'utf8'));
const passed = report.numPassedTests ?? 0;
let failed = (report.numFailedTests ?? 0) + (report.numRuntimeErrors ?? 0);
// A suite that failed to load has no failed tests of its own: count it.
failed += (report.testResults ?? []).filter((file) => file.status === 'failed' && (file.assertionResults ?? []).every((t) => t.status !== 'failed')).length;
if (status !== 0 && failed === 0) failed = 1;
console.log(`Tests: ${passed} passed, ${failed} failed`);
