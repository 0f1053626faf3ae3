#!/usr/bin/env node
// `npm run bench [-- NAME ...] [-- flags]`: the benchmarks named (all of them when none is),
// one after the other (they share the machine's cores). Each prints its figures as ratios
// against a reference measured in the same run, and exits non-zero on a wrong size.
import { spawnSync } from 'node:child_process';

const benches = {
  measure: ['Measuring sizes', 'scripts/bench-measure.js'],
  analysis: ['Layer analysis', 'scripts/bench-analysis.js'],
  baseline: ['Baseline build overhead', 'scripts/bench-baseline.js'],
  worktree: ['Base worktree in a monorepo', 'scripts/bench-worktree.js'],
  monorepo: ['A monorepo of 20 images against docker buildx bake', 'scripts/bench-monorepo.js'],
  big: ['Images of many gigabytes', 'scripts/bench-big.js'],
};
// `big` writes some 10 GB and takes minutes: run it only when named.
const byDefault = ['measure', 'analysis', 'baseline', 'worktree', 'monorepo'];

const args = process.argv.slice(2);
// Names come first; everything from the first flag on goes to each benchmark (`--runs 5`).
const firstFlag = args.findIndex((arg) => arg.startsWith('-'));
const named = firstFlag === -1 ? args : args.slice(0, firstFlag);
const flags = firstFlag === -1 ? [] : args.slice(firstFlag);
const unknown = named.filter((name) => !(name in benches));
if (unknown.length > 0) {
  console.error(`bench: no benchmark named ${unknown.join(', ')}; choose from ${Object.keys(benches).join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const name of named.length > 0 ? named : byDefault) {
  const [title, script] = benches[name];
  console.log(`\n=== ${title}: node ${script}`);
  const result = spawnSync(process.execPath, [script, ...flags], { stdio: 'inherit' });
  if (result.status !== 0) failed += 1;
}
process.exitCode = failed > 0 ? 1 : 0;
