/**
 * `check --base`: an image the change does not touch is not built a second time; its
 * baseline is the head's measurement. An image it touches is built on the base as usual.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Report } from '../../../src/types.js';
import { runCli } from '../../support/run-cli.js';

let repo: string;

function git(...args: string[]): void {
  execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: repo, stdio: 'pipe' });
}

beforeAll(() => {
  repo = mkdtempSync(path.join(os.tmpdir(), 'ib-unchanged-'));
  cpSync('test/fixtures/e2e/app', path.join(repo, 'app'), { recursive: true });
  cpSync('test/fixtures/e2e/app', path.join(repo, 'other'), { recursive: true });
  writeFileSync(
    path.join(repo, 'budget.yml'),
    'version: 1\nimages:\n  app:\n    context: app\n    target: runtime\n  other:\n    context: other\n    target: runtime\n',
  );
  writeFileSync(path.join(repo, '.gitignore'), '.image-budget/\n');
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'base');
  // The change touches `other` only, and a file outside every context.
  writeFileSync(path.join(repo, 'README.md'), 'docs\n');
  const dockerfile = path.join(repo, 'other/Dockerfile');
  writeFileSync(dockerfile, readFileSync(dockerfile, 'utf8').replace('head -c 200000', 'head -c 250000'));
  git('add', '-A');
  git('commit', '-qm', 'change other');
});

afterAll(() => {
  rmSync(repo, { recursive: true, force: true });
  rmSync(`${repo}-cache`, { recursive: true, force: true });
});

test('untouched image: baseline = head, not rebuilt; touched image: built on the base', async () => {
  // A cache directory of its own: measurements kept in the user's (keyed on content, not on this
  // repository) by an earlier run of this test would spare the base build it checks for.
  const args = [
    'check',
    '--config',
    'budget.yml',
    '--base',
    'HEAD~1',
    '--json',
    'report.json',
    '--no-analyze',
    '--cache-dir',
    `${repo}-cache`,
  ];
  const run = await runCli(args, { cwd: repo });
  expect(run.exitCode, run.stderr).toBe(0);
  expect(run.stderr).toMatch(/baseline: app unchanged by this change/);
  expect(run.stderr).not.toMatch(/base: \[\d+\/\d+\] building app/);
  expect(run.stderr).toMatch(/base: \[1\/1\] building other:runtime/);

  const report = JSON.parse(readFileSync(path.join(repo, 'report.json'), 'utf8')) as Report;
  const [app, other] = report.images;
  expect(app?.change).toBe('unchanged');
  expect(app?.baseline?.compressedBytes).toBe(app?.compressedBytes);
  expect(app?.delta).toEqual({ compressedBytes: 0, uncompressedBytes: 0 });
  expect(other?.change).toBe('changed');
  expect(other?.delta?.uncompressedBytes).toBeGreaterThanOrEqual(50_000);
});
