/**
 * Bad input through the real CLI: each case gives a clear message and the right exit code,
 * and a failed build never hides the other images' results.
 */
import { execFileSync } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import type { Report } from '../../../src/types.js';
import { git } from '../../support/git-fixture.js';
import { runCli } from '../../support/run-cli.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ib-cli-bad-'));
  await cp('test/fixtures/e2e', dir, { recursive: true });
});

/** An image no registry has, for a temporary builder that must fail to start. */
const MISSING_BUILDKIT = 'localhost:5000/ib-no-such-buildkit:none';

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
    [
      6,
      'a target that names no stage',
      'version: 1\nimages:\n  app:\n    context: app\n    targets: [builder, runtme]\n',
      /budget\.yml:5:24 images\.app\.targets\.1: Dockerfile app\/Dockerfile has no stage named `runtme`; stages: builder, runtime; did you mean `runtime`\?/,
    ],
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

describe('init usage errors exit 2', () => {
  test('the budget file already exists', async () => {
    await writeFile(path.join(dir, 'exists.yml'), 'version: 1\nimages: {}\n');
    const run = await runCli(['init', '--config', 'exists.yml'], { cwd: dir });
    expect(run.exitCode, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/exists\.yml already exists: use --update to adjust its budgets, or --force to overwrite it\./);
  });

  test('no Dockerfile to start from', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'ib-cli-empty-'));
    const run = await runCli(['init'], { cwd: empty });
    expect(run.exitCode, run.stderr).toBe(2);
    expect(run.stderr).toContain(`no Dockerfile found under ${empty}`);
  });
});

describe('environment problems', () => {
  test('Docker daemon unreachable: exit 2 before any build, saying so', async () => {
    // The `docker` driver's builder, whichever builder is current: a docker-container builder
    // keeps the daemon address it was created with, and DOCKER_HOST does not move it.
    const run = await check('version: 1\nimages:\n  app:\n    context: app\n', [], {
      ...process.env,
      BUILDX_BUILDER: 'default',
      DOCKER_HOST: 'unix:///tmp/nonexistent.sock',
    });
    expect(run.exitCode, run.stderr).toBe(2);
    expect(run.stderr).toContain(
      'buildx builder "default" cannot be reached, so nothing can be built: Cannot connect to the Docker daemon at unix:///tmp/nonexistent.sock',
    );
    expect(run.stderr).toContain('Start the Docker daemon (or fix DOCKER_HOST / the docker context)');
    expect(run.stderr).not.toMatch(/building app/);
  });

  test("--builder naming no builder: exit 2 with buildx's ERROR line, no Go stack trace", async () => {
    const run = await check('version: 1\nimages:\n  app:\n    context: app\n', ['--builder', 'ib-no-such-builder']);
    expect(run.exitCode, run.stderr).toBe(2);
    expect(run.stderr).toContain(
      'builder "ib-no-such-builder" (input `builder`, --builder) cannot be used: no builder "ib-no-such-builder" found.',
    );
    expect(run.stderr).toContain('`docker buildx ls` lists the builders there are');
    expect(run.stderr).not.toMatch(/github\.com\/|\.go:\d+/);
  });

  test('docker absent from PATH: exit 2 with what to install', async () => {
    const run = await check('version: 1\nimages:\n  app:\n    context: app\n', [], { ...process.env, PATH: path.join(dir, 'empty-path') });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/docker is not installed or not on PATH/);
  });

  test('classic image store: a temporary docker-container builder is tried, and when it cannot start, exit 2 saying why', async () => {
    // The `docker` driver's builder, and a docker whose daemon reports the classic store;
    // everything else, `buildx create` and the bootstrap included, goes to the real docker. The
    // bootstrap really fails: the builder is made to start from an image no registry has (this
    // engine may hold moby/buildkit, which a runner pulls; the real fallback is tested on a
    // classic-store engine in test/integration/runner-stack/classic-store.test.ts).
    const bin = path.join(dir, 'classic-store-bin');
    await mkdir(bin, { recursive: true });
    const realDocker = execFileSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).trim();
    const classic = '[["Backing Filesystem","extfs"],["Supports d_type","true"],["Using metacopy","false"],["Native Overlay Diff","true"]]';
    await writeFile(
      path.join(bin, 'docker'),
      [
        '#!/bin/sh',
        `if [ "$1" = info ]; then echo '${classic}'; exit 0; fi`,
        `if [ "$1" = buildx ] && [ "$2" = create ]; then shift 2; exec ${realDocker} buildx create --driver-opt image=${MISSING_BUILDKIT} "$@"; fi`,
        `exec ${realDocker} "$@"`,
        '',
      ].join('\n'),
    );
    await chmod(path.join(bin, 'docker'), 0o755);
    const run = await check('version: 1\nimages:\n  app:\n    context: app\n', [], {
      ...process.env,
      BUILDX_BUILDER: 'default',
      PATH: `${bin}:${process.env.PATH}`,
    });
    expect(run.exitCode, run.stderr).toBe(2);
    const name = /temporary docker-container builder "(image-budget-[0-9a-f]{8})"/.exec(run.stderr)?.[1];
    expect(name, run.stderr).toBeDefined();
    // The notice comes first, then the failure with buildx's reason and the way out.
    expect(run.stderr).toContain(`warning: builder "default" uses the docker driver on the classic image store`);
    expect(run.stderr).toContain(`the temporary docker-container builder "${name}" that would replace it failed to start: `);
    expect(run.stderr).toMatch(/failed to start: .*ib-no-such-buildkit/);
    expect(run.stderr).toContain('add docker/setup-buildx-action before this step');
    expect(run.stderr).not.toMatch(/building app/);
    // Removed again: buildx no longer knows it.
    expect(() => execFileSync('docker', ['buildx', 'inspect', name!], { stdio: 'pipe' })).toThrow(/no builder/);
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
    // The finding is BuildKit's ERROR line, not the first line of the log excerpt.
    expect(report.images[0]?.findings).toEqual([
      {
        status: 'error',
        rule: 'build',
        message: 'ERROR: process "/bin/sh -c echo \\"about to fail\\" && exit 3" did not complete successfully: exit code: 3',
      },
    ]);
    expect(report.images[1]?.compressedBytes).toBeGreaterThan(200_000);
    expect(run.stdout).toMatch(/broken .* ERROR/);
  });
});
