#!/usr/bin/env node
// `npm test`: vitest over both tiers under Node 24 (the action's runtime: node_modules/node24, from
// npm), headed by the engine, buildx and builder the integration tests run against, then one plain
// closing line ("N passed, N failed") that any CI can read, with vitest's exit code. Extra
// arguments go to vitest. IB_TEST_PART names the part of the matrix in the log; IB_TEST_TOTALS
// names a file the counts are appended to, for scripts/test-matrix.sh to add up.
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

const node24 = path.resolve('node_modules/node24/bin/node');
const part = process.env.IB_TEST_PART ?? 'tests';

const described = spawnSync(
  node24,
  [
    '--no-warnings',
    '--input-type=module',
    '-e',
    "import { describeEngine, readEngineInfo } from './test/support/engine-info.ts'; console.log(describeEngine(readEngineInfo()));",
  ],
  { encoding: 'utf8' },
);
const engineLine = described.status === 0 ? described.stdout.trim() : `no engine answers (${described.stderr.trim().split('\n').pop()})`;
const nodeLine = spawnSync(node24, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? 'missing';
console.log(`\n=== ${part}: ${engineLine}; Node ${nodeLine}\n`);

const results = `.image-budget/test-results-${process.pid}.json`;
mkdirSync('.image-budget', { recursive: true });
const vitest = path.resolve('node_modules/vitest/vitest.mjs');
const run = spawnSync(
  node24,
  [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile=${results}`, ...process.argv.slice(2)],
  {
    stdio: 'inherit',
  },
);
let counts = null;
try {
  const summary = JSON.parse(readFileSync(results, 'utf8'));
  counts = { passed: summary.numPassedTests, failed: summary.numFailedTests, skipped: summary.numPendingTests + summary.numTodoTests };
} catch {
  console.log('\nno test results were written');
}
rmSync(results, { force: true });
const status = run.status ?? 1;
if (counts) {
  console.log(`\n(${part}: ${engineLine})`);
  console.log(`${counts.passed} passed, ${counts.failed} failed${counts.skipped > 0 ? `, ${counts.skipped} skipped` : ''}`);
}
if (process.env.IB_TEST_TOTALS) {
  // A part whose vitest failed without counting anything still counts as one failure.
  const line = counts ?? { passed: 0, failed: status === 0 ? 0 : 1, skipped: 0 };
  appendFileSync(process.env.IB_TEST_TOTALS, `${line.passed} ${line.failed} ${line.skipped} ${part}\n`);
}
process.exitCode = status;
