#!/usr/bin/env node
// `npm run bench`: every benchmark, one after the other (they share the machine's 2 cores).
// Each prints its figures as ratios against a reference measured in the same run.
import { spawnSync } from 'node:child_process';

const benches = [
  ['Measuring sizes (issue: true uncompressed sizes)', 'scripts/bench-measure.js'],
  ['Layer analysis (issue: layer intelligence)', 'scripts/bench-analysis.js'],
  ['Baseline build overhead (issue: base-branch comparison)', 'scripts/bench-baseline.js'],
  ['Base worktree in a monorepo (issue: base-branch comparison)', 'scripts/bench-worktree.js'],
];
let failed = 0;
for (const [title, script] of benches) {
  console.log(`\n=== ${title}: node ${script}`);
  const result = spawnSync(process.execPath, [script, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (result.status !== 0) failed += 1;
}
process.exitCode = failed > 0 ? 1 : 0;
