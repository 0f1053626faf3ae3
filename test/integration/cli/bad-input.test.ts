/**
 * Bad input through the real CLI: each case gives a clear message and the right exit code,
 * and a failed build never hides the other images' results.
 */
import { execFileSync } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import type { Report } from '../../../src/report/types.js';
import { git } from '../../support/git-fixture.js';
import { runCli } from '../../support/run-cli.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ib-cli-bad-'));
  await cp('test/fixtures/e2e', dir, { recursive: true });
});

async function check(config: string, extra: string[] = [], env?: NodeJS.ProcessEnv) {
  await writeFile(path.join(dir, 'budget.yml'), config);
  return runCli(['check', '--config', 'budget.yml', ...extra], { cwd: dir, env });
}

describe('config errors exit 2 and name file:line:column and the field', () => {
  test.each([
    [1, 'malformed YAML', 'version: 1\nimages:\n  app:\n    context: app\n    budget: { max: 1MB\n', /budget\.yml:\d+:\d+/],
    [
      2,
      'unknown field with a suggestion',
      'version: 1\nimages:\n  app:\n    context: app\n    budget:\n      max_layers: 3\n',
      /budget\.yml:6:7 .*max_layers.*did you mean `max-layers`/,
    ],
    [
      3,
      'a size in parsecs',
      'version: 1\nimages:\n  app:\n    context: app\n    budget:\n      max: 12 parsecs\n',
      /budget\.yml:6:12 images\.app\.budget\.max: .*"12 parsecs"/,
    ],
    [
      4,
      'a missing Dockerfile',
      'version: 1\nimages:\n  app:\n    context: app\n    dockerfile: Nope.Dockerfile\n',
      /budget\.yml:5:17 .*dockerfile.*Nope\.Dockerfile/,
    ],
    [5, 'an unsupported version', 'version: 7\nimages:\n  app:\n    context: app\n', /budget\.yml:1:10 version/],
  ])('%i. %s', async (_n, _name, config, message) => {
    const run = await check(config);
    expect(run.exitCode, run.stderr).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  test('a missing budget file names the path', async () => {
    const run = await runCli(['check', '--config', 'nowhere.yml'], { cwd: dir });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/nowhere\.yml/);
  });

  test('usage errors exit 2', async () => {
    const run = await runCli(['check', '--parallel', 'zero'], { cwd: dir });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/--parallel: expected a whole number/);
    expect((await runCli(['frobnicate'], { cwd: dir })).exitCode).toBe(2);
  });
});

describe('--base REF that git cannot find', () => {
  test('a typo is a usage error: exit 2 naming the ref, before anything is built', async () => {
    const repo = await mkdtemp(path.join(os.tmpdir(), 'ib-cli-base-typo-'));
    await cp('test/fixtures/e2e', repo, { recursive: true });
    await writeFile(path.join(repo, 'budget.yml'), 'version: 1\nimages:\n  app:\n    context: app\n');
    git(repo, 'init', '--quiet', '--initial-branch=main');
    git(repo, 'add', '--all');
    git(repo, 'commit', '--quiet', '-m', 'base');
    const run = await runCli(['check', '--config', 'budget.yml', '--base', 'mian'], { cwd: repo }).finally(() =>
      rm(repo, { recursive: true, force: true }),
    );
    expect(run.exitCode, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/^image-budget: --base mian: not a commit in /m);
    expect(run.stderr).not.toMatch(/building|baseline unavailable/);
    expect(run.stdout).toBe('');
  });

  test('outside a git checkout: exit 2, saying so', async () => {
    const run = await check('version: 1\nimages:\n  app:\n    context: app\n', ['--base', 'main']);
    expect(run.exitCode, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/--base main: no git history: .* is not in a git checkout/);
  });
});

describe('environment problems', () => {
  test('docker absent from PATH: exit 2 with what to install', async () => {
    const run = await check('version: 1\nimages:\n  app:\n    context: app\n', [], { ...process.env, PATH: path.join(dir, 'empty-path') });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/docker is not installed or not on PATH/);
  });

  test('buildx plugin absent: exit 2 naming buildx', async () => {
    // A docker CLI without the buildx plugin answers like this; everything else goes to the real docker.
    const bin = path.join(dir, 'no-buildx-bin');
    await mkdir(bin, { recursive: true });
    const realDocker = execFileSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).trim();
    await writeFile(
      path.join(bin, 'docker'),
      `#!/bin/sh\nif [ "$1" = buildx ]; then echo "docker: 'buildx' is not a docker command." >&2; exit 1; fi\nexec ${realDocker} "$@"\n`,
    );
    await chmod(path.join(bin, 'docker'), 0o755);
    const run = await check('version: 1\nimages:\n  app:\n    context: app\n', [], { ...process.env, PATH: `${bin}:${process.env.PATH}` });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/docker buildx is not available.*'buildx' is not a docker command/s);
  });
});

describe('a failing RUN', () => {
  test('exit 1, the failure explained, the other image still measured and reported', async () => {
    const run = await check(await readFile('test/fixtures/e2e/one-broken.yml', 'utf8'), ['--json', 'out/report.json']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/build of broken failed/);
    expect(run.stderr).toMatch(/exit code: 3|exit 3|did not complete successfully/);
    const report = JSON.parse(await readFile(path.join(dir, 'out/report.json'), 'utf8')) as Report;
    expect(report.images.map((e) => [e.name, e.status])).toEqual([
      ['broken', 'error'],
      ['app', 'ok'],
    ]);
    expect(report.images[0]?.error).toMatch(/build failed/);
    expect(report.images[1]?.compressedBytes).toBeGreaterThan(200_000);
    expect(run.stdout).toMatch(/broken .* ERROR/);
  });
});
