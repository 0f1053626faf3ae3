#!/usr/bin/env node
// Benchmark: materialising the base commit for `baseline: build` in a monorepo. The base build
// reads only the budget file and each image's context and Dockerfile, so the worktree checks out
// only those (a sparse checkout); the reference, timed in the same run, is the full worktree
// (`git worktree add --detach`), which writes every file of the repository.
//
// The repository: one service (context + Dockerfile) beside `--files N` unrelated files
// (default 30,000 in 300 directories, ~200 bytes each). On this machine a full checkout gets
// slower run after run (deleting 30,000 files leaves the disk busy), so the fastest runs are
// compared too.
//
// Run after `npm run build` (it imports lib/):
//   node scripts/bench-worktree.js [--runs N] [--files N]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withBaseWorktree } from '../lib/baseline/worktree.js';

const arg = (name, fallback) => Number(process.argv[process.argv.indexOf(name) + 1]) || fallback;
const runs = arg('--runs', 5);
const files = arg('--files', 30000);
const root = mkdtempSync(join(tmpdir(), 'ib-bench-worktree-'));
const git = (cwd, ...args) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@e', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@e' },
  }).trim();
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function timed(fn) {
  const started = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

try {
  const repo = join(root, 'repo');
  mkdirSync(join(repo, 'services/api'), { recursive: true });
  writeFileSync(join(repo, 'services/api/Dockerfile'), 'FROM scratch\nCOPY . /app\n');
  writeFileSync(join(repo, 'services/api/main.go'), 'package main\n');
  mkdirSync(join(repo, '.github'));
  writeFileSync(join(repo, '.github/image-budget.yml'), 'version: 1\nimages:\n  api:\n    context: services/api\n');
  const perDir = 100;
  for (let d = 0; d < Math.ceil(files / perDir); d += 1) {
    mkdirSync(join(repo, 'other', `d${d}`), { recursive: true });
    for (let f = 0; f < perDir && d * perDir + f < files; f += 1)
      writeFileSync(join(repo, 'other', `d${d}`, `f${f}.txt`), `${'x'.repeat(200)}${d * f}\n`);
  }
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'monorepo');
  const commit = git(repo, 'rev-parse', 'HEAD');
  const paths = ['.github/image-budget.yml', 'services/api', 'services/api/Dockerfile', 'services/api/Dockerfile.dockerignore'];

  const full = [];
  const sparse = [];
  for (let i = 0; i < runs; i += 1) {
    full.push(await timed(() => withBaseWorktree(repo, commit, async () => {})));
    sparse.push(await timed(() => withBaseWorktree(repo, commit, async () => {}, paths)));
  }
  const list = (values) => values.map((s) => s.toFixed(2)).join(', ');
  console.log(`worktree of the base commit, ${files + 3} files, one service's context: ${runs} runs each, medians (add + remove)`);
  console.log(`  full checkout     ${median(full).toFixed(3)} s   [${list(full)}]`);
  console.log(`  sparse checkout   ${median(sparse).toFixed(3)} s   [${list(sparse)}]`);
  console.log(
    `  ratio sparse/full: ${(median(sparse) / median(full)).toFixed(3)} (medians), ${(Math.min(...sparse) / Math.min(...full)).toFixed(3)} (fastest runs)`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
