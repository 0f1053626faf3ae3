/**
 * `check --base` when the base does not build: the image is "baseline unavailable" (with why),
 * not "new", no growth is blamed on its layers, and it does not fail the run on its own.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Report } from '../../../src/types.js';
import { git } from '../../support/git-fixture.js';
import { runCli } from '../../support/run-cli.js';

let repo: string;

beforeAll(() => {
  repo = mkdtempSync(path.join(os.tmpdir(), 'ib-base-fails-'));
  writeFileSync(
    path.join(repo, 'budget.yml'),
    'version: 1\nimages:\n  app:\n    context: .\n    budget:\n      max: 10MB\n      max-increase: 1B\n',
  );
  writeFileSync(path.join(repo, '.gitignore'), '.image-budget/\nreport.json\n');
  writeFileSync(path.join(repo, 'Dockerfile'), 'FROM busybox:1.35\nRUN exit 3\n');
  git(repo, 'init', '--quiet', '--initial-branch=main');
  git(repo, 'add', '--all');
  git(repo, 'commit', '--quiet', '-m', 'base: does not build');
  writeFileSync(path.join(repo, 'Dockerfile'), 'FROM busybox:1.35\nRUN head -c 100000 /dev/urandom > /blob\n');
  git(repo, 'add', '--all');
  git(repo, 'commit', '--quiet', '-m', 'fix the build');
});

afterAll(() => {
  rmSync(repo, { recursive: true, force: true });
  rmSync(`${repo}-cache`, { recursive: true, force: true });
});

test('a base that fails to build: baseline unavailable with the reason, not new; delta budgets skipped; exit 0', async () => {
  const cacheDir = `${repo}-cache`;
  const run = await runCli(
    ['check', '--config', 'budget.yml', '--base', 'HEAD~1', '--json', 'report.json', '--no-analyze', '--cache-dir', cacheDir],
    {
      cwd: repo,
    },
  );
  expect(run.exitCode, run.stderr).toBe(0);
  const report = JSON.parse(readFileSync(path.join(repo, 'report.json'), 'utf8')) as Report;
  expect(report.images).toHaveLength(1);
  const [app] = report.images;
  expect(app?.status).toBe('ok');
  expect(app?.change).toBeNull();
  expect(app?.baseline).toBeNull();
  expect(app?.contributors ?? []).toEqual([]);
  expect(app?.notes).toContainEqual(expect.stringMatching(/^baseline unavailable: base build failed \(.*exit code: 3.*\)$/));
  expect(app?.notes).toContain('max-increase skipped: no baseline to compare with');
  expect(report.baseline?.note).toContain('unavailable for app (base build failed)');
});
