// Prints "Tests: N passed, M failed" from vitest's JSON reports, one `report status` pair per run
// (Node 20 and Node 24), summed. A missing report (typecheck or lint failed before vitest ran)
// counts as one failure when its command failed.
import { existsSync, readFileSync } from 'node:fs';

const args = process.argv.slice(2);
let passed = 0;
let failed = 0;
for (let i = 0; i < args.length; i += 2) {
  const reportPath = args[i];
  const status = Number(args[i + 1] ?? 0);
  if (!reportPath || !existsSync(reportPath)) {
    if (status !== 0) {
      failed += 1;
      console.log(`[ci] ${reportPath}: no test report (the run stopped before the tests)`);
    }
    continue;
  }
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  const runPassed = report.numPassedTests ?? 0;
  let runFailed = (report.numFailedTests ?? 0) + (report.numRuntimeErrors ?? 0);
  // A suite that failed to load has no failed tests of its own: count it.
  runFailed += (report.testResults ?? []).filter((file) => file.status === 'failed' && (file.assertionResults ?? []).every((t) => t.status !== 'failed')).length;
  if (status !== 0 && runFailed === 0) runFailed = 1;
  console.log(`[ci] ${reportPath}: ${runPassed} passed, ${runFailed} failed`);
  passed += runPassed;
  failed += runFailed;
}
console.log(`Tests: ${passed} passed, ${failed} failed`);
