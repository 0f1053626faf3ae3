/**
 * The base comparison for given images with `baseline: build`: the base branch's `image:` entry
 * names the image its commit made (`{short-sha}`), which is measured (not built) and compared
 * with the PR's; an entry whose reference cannot name the base's image (`{pr}`) has no baseline
 * and says why.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createMemoryLogger } from '../../../src/logger.js';
import type { Report } from '../../../src/types.js';
import { runCheck } from '../../../src/run.js';
import { pushImage, REPO, uniqueTag, writeContext } from './fixture.js';

const TAG = uniqueTag();
const NAME = `localhost:5000/${REPO}-flow-${TAG}`;
let dir: string;
let report: Report;
let lines: string[];
let baseSha: string;
let headSha: string;

const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ib-given-baseline-'));
  git('init', '--quiet', '--initial-branch=main');
  git('config', 'user.email', 'ci@example.com');
  git('config', 'user.name', 'ci');
  await writeFile(
    path.join(dir, 'budget.yml'),
    `version: 1\nimages:\n  api:\n    image: ${NAME}:sha-{short-sha}\n  preview:\n    image: ${NAME}:pr-{pr}\n    platforms: [linux/amd64]\n`,
  );
  await writeFile(path.join(dir, 'README.md'), 'base\n');
  git('add', '.');
  git('commit', '--quiet', '-m', 'base');
  baseSha = git('rev-parse', 'HEAD');
  git('checkout', '--quiet', '-b', 'feature');
  await writeFile(path.join(dir, 'README.md'), 'the PR\n');
  git('commit', '--quiet', '-am', 'PR');
  headSha = git('rev-parse', 'HEAD');

  // What CI pushed for each commit: the PR's image carries a bigger file.
  const base = path.join(dir, '..', `${path.basename(dir)}-base`);
  await writeContext(base, `${TAG}-base`);
  await pushImage(base, `${NAME}:sha-${baseSha.slice(0, 7)}`);
  const head = path.join(dir, '..', `${path.basename(dir)}-head`);
  await writeContext(head, `${TAG}-head`);
  await writeFile(path.join(head, 'stamp'), 'x'.repeat(400_000));
  await pushImage(head, `${NAME}:sha-${headSha.slice(0, 7)}`);
  await pushImage(head, `${NAME}:pr-7`);

  const logger = createMemoryLogger();
  const result = await runCheck(
    {
      configPath: 'budget.yml',
      workdir: dir,
      parallel: 2,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      commit: headSha,
      pullRequest: 7,
      baseline: { mode: 'build', baseRef: 'main' },
    },
    logger,
  );
  report = result.report;
  lines = logger.lines;
});

afterAll(async () => {
  if (dir) {
    for (const side of ['base', 'head']) await rm(path.join(dir, '..', `${path.basename(dir)}-${side}`), { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  }
});

test("the base commit's image is the baseline: measured, not built", async () => {
  const api = report.images.filter((e) => e.name === 'api');
  expect(api.map((e) => [e.platform, e.status])).toEqual([
    ['linux/amd64', 'ok'],
    ['linux/arm64', 'ok'],
  ]);
  // The base's image measured on its own, as a head: the sizes the baseline must have.
  await writeFile(path.join(dir, 'base.yml'), `version: 1\nimages:\n  api:\n    image: ${NAME}:sha-${baseSha.slice(0, 7)}\n`);
  const alone = await runCheck(
    { configPath: 'base.yml', workdir: dir, parallel: 1, env: { PATH: process.env.PATH } },
    createMemoryLogger(),
  );
  for (const entry of api) {
    const base = alone.report.images.find((e) => e.platform === entry.platform)!;
    expect(entry.baseline?.compressedBytes).toBe(base.compressedBytes);
    expect(entry.baseline?.uncompressedBytes).toBe(base.uncompressedBytes);
    expect(entry.delta?.uncompressedBytes).toBe((entry.uncompressedBytes ?? 0) - (base.uncompressedBytes ?? 0));
    expect(entry.delta?.uncompressedBytes).toBeGreaterThan(390_000);
  }
  expect(report.baseline?.commit).toBe(baseSha);
  expect(lines.filter((line) => /building |docker buildx build/.test(line))).toEqual([]);
});

test('a reference that names the PR’s image has no baseline, and says why', () => {
  const preview = report.images.find((e) => e.name === 'preview')!;
  expect(preview.status).toBe('ok');
  expect(preview.baseline).toBeNull();
  expect(JSON.stringify(preview)).toContain("{pr} in its reference names the PR's image; the base has no pull request");
});

test('without a commit from the run (the CLI), {short-sha} is the checkout’s HEAD', async () => {
  await writeFile(
    path.join(dir, 'cli.yml'),
    `version: 1\nimages:\n  api:\n    image: ${NAME}:sha-{short-sha}\n    platforms: [linux/amd64]\n`,
  );
  const logger = createMemoryLogger();
  const { report: local } = await runCheck({ configPath: 'cli.yml', workdir: dir, parallel: 1, env: { PATH: process.env.PATH } }, logger);
  expect(local.images.map((e) => [e.name, e.status])).toEqual([['api', 'ok']]);
  expect(logger.lines).toContain(`progress: measuring api from ${NAME}:sha-${headSha.slice(0, 7)} (given image, not built)`);
});
