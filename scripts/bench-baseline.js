#!/usr/bin/env node
// Benchmark: what the base-branch build (`baseline: build`, here `--base HEAD~1`) adds to the
// job's wall time for the bundled example, with a warm BuildKit cache — the situation of every
// PR after the first. Both runs are timed in the same session, alternating, and compared as a
// ratio. Run after `npm run build`:   node scripts/bench-baseline.js [--runs N]
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;
const cli = resolve('lib/cli.js');
const repo = mkdtempSync(join(tmpdir(), 'ib-bench-baseline-'));

function git(...args) {
  execFileSync('git', ['-c', 'user.email=bench@example.com', '-c', 'user.name=bench', ...args], { cwd: repo, stdio: 'pipe' });
}

// The example as a repository: the base commit, then a PR commit that changes the runtime's
// script (one changed layer per target, everything else cached).
cpSync('examples/hello', join(repo, 'examples/hello'), { recursive: true });
cpSync('examples/image-budget.yml', join(repo, 'budget.yml'));
git('init', '-q', '-b', 'main');
git('add', '-A');
git('commit', '-qm', 'base');
writeFileSync(join(repo, 'examples/hello/main.sh'), `${readFileSync(join(repo, 'examples/hello/main.sh'), 'utf8')}echo "a change in this PR"\n`);
git('commit', '-qam', 'pr');

function timeCheck(extra) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [cli, 'check', '--config', 'budget.yml', ...extra], { cwd: repo, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`check ${extra.join(' ')} exited ${result.status}:\n${result.stderr}`);
  return { seconds, stderr: result.stderr };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function compare(label) {
  // Warm the cache for both sides, as the runs of a PR's earlier pushes would.
  timeCheck([]);
  timeCheck(['--base', 'HEAD~1']);
  const headOnly = [];
  const withBase = [];
  for (let i = 0; i < runs; i += 1) {
    headOnly.push(timeCheck([]).seconds);
    withBase.push(timeCheck(['--base', 'HEAD~1']).seconds);
  }
  const head = median(headOnly);
  const both = median(withBase);
  console.log(`${label}, ${runs} runs each, medians`);
  console.log(`  check (head only)            ${head.toFixed(2)} s   [${headOnly.map((s) => s.toFixed(2)).join(', ')}]`);
  console.log(`  check --base HEAD~1 (+ base) ${both.toFixed(2)} s   [${withBase.map((s) => s.toFixed(2)).join(', ')}]`);
  console.log(`  ratio with/without baseline: ${(both / head).toFixed(3)}  (adds ${(((both - head) / head) * 100).toFixed(1)}% to the wall time; goal ≤ 15%)`);
}

try {
  compare('example: a PR that changes the image (examples/hello, builder + runtime)');
  // A PR that does not touch the image's sources: the base build is skipped.
  writeFileSync(join(repo, 'README.md'), 'a change outside every build context\n');
  git('add', '-A');
  git('commit', '-qm', 'docs');
  compare('example: a PR that does not touch the image');
} finally {
  rmSync(repo, { recursive: true, force: true });
}
