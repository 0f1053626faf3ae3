#!/usr/bin/env node
// `npm test`: vitest over both tiers, then one plain closing line ("N passed, N failed") that
// any CI can read, with vitest's exit code. Extra arguments go to vitest.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

const results = '.image-budget/test-results.json';
mkdirSync('.image-budget', { recursive: true });
const run = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${results}`, ...process.argv.slice(2)], { stdio: 'inherit' });
try {
  const summary = JSON.parse(readFileSync(results, 'utf8'));
  const skipped = summary.numPendingTests + summary.numTodoTests;
  console.log(`\n${summary.numPassedTests} passed, ${summary.numFailedTests} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
} catch {
  console.log('\nno test results were written');
}
process.exitCode = run.status ?? 1;
