/**
 * The base-branch build gets the same build options as the head: a secret from a file the job
 * wrote (untracked, so not in the base checkout), one from the environment, one by value, a named
 * build context (checked out sparsely with the base), and a bake entry resolved in the base
 * checkout. Base and head both build (each RUN checks its secret) and are compared.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { prepareRunSettings } from '../../../src/config/prepare-run-settings.js';
import { parseRunBuildSettings } from '../../../src/config/run-build-settings.js';
import { createMemoryLogger } from '../../../src/logger.js';
import { runCheck } from '../../../src/run.js';
import type { Report } from '../../../src/types.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const FILE_SECRET = `file-${randomBytes(12).toString('hex')}`;
const ENV_SECRET = `env-${randomBytes(12).toString('hex')}`;
const VALUE_SECRET = `value-${randomBytes(12).toString('hex')}`;

const dockerfile = (bytes: number) => `FROM busybox:1.35
COPY --from=shared /lib.txt /lib.txt
RUN --mount=type=secret,id=file,required=true \\
    --mount=type=secret,id=env,required=true \\
    --mount=type=secret,id=value,required=true \\
    test "$(sha256sum < /run/secrets/file | cut -c1-64)" = "${sha256(FILE_SECRET)}" && \\
    test "$(sha256sum < /run/secrets/env | cut -c1-64)" = "${sha256(ENV_SECRET)}" && \\
    test "$(sha256sum < /run/secrets/value | cut -c1-64)" = "${sha256(VALUE_SECRET)}" && \\
    seq 1 ${bytes} > /payload
`;

const BUDGET = `version: 1
images:
  app:
    context: app
    secrets: ["id=file,src=.secrets/token", "id=env,env=IB_BASE_ENV_SECRET"]
    build-contexts: { shared: libs/shared }
  baked:
    bake: { file: docker-bake.hcl, target: app }
`;

const BAKE = `target "app" {
  context = "app"
  contexts = { shared = "libs/shared" }
  secret = ["id=file,src=.secrets/token", "id=env,env=IB_BASE_ENV_SECRET"]
}
`;

let repo: string;
let report: Report;
const logger = createMemoryLogger();

function git(...args: string[]): void {
  execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: repo, stdio: 'pipe' });
}

beforeAll(async () => {
  repo = await mkdtemp(path.join(os.tmpdir(), 'ib-options-base-'));
  await mkdir(path.join(repo, 'app'));
  await mkdir(path.join(repo, 'libs/shared'), { recursive: true });
  await mkdir(path.join(repo, 'unrelated'));
  await writeFile(path.join(repo, 'app/Dockerfile'), dockerfile(1000));
  await writeFile(path.join(repo, 'libs/shared/lib.txt'), 'shared library\n');
  await writeFile(path.join(repo, 'unrelated/big.txt'), 'not part of any build\n');
  await writeFile(path.join(repo, 'budget.yml'), BUDGET);
  await writeFile(path.join(repo, 'docker-bake.hcl'), BAKE);
  await writeFile(path.join(repo, '.gitignore'), '.secrets/\n');
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'base');
  git('checkout', '-qb', 'pr');
  await writeFile(path.join(repo, 'app/Dockerfile'), dockerfile(20000));
  await writeFile(path.join(repo, 'libs/shared/lib.txt'), 'shared library, changed by the PR\n');
  git('commit', '-qam', 'grow');
  // Written by a workflow step: untracked, so only the head's checkout has it.
  await mkdir(path.join(repo, '.secrets'));
  await writeFile(path.join(repo, '.secrets/token'), FILE_SECRET);
  process.env.IB_BASE_ENV_SECRET = ENV_SECRET;

  const settings = await prepareRunSettings(parseRunBuildSettings({ secrets: [`value=${VALUE_SECRET}`] }, repo), {
    workdir: repo,
    env: process.env,
  });
  const result = await runCheck(
    {
      configPath: 'budget.yml',
      workdir: repo,
      parallel: 2,
      env: process.env,
      analyze: false,
      baseline: { mode: 'build', baseRef: 'main' },
      buildSettings: settings,
    },
    logger,
  ).finally(() => settings.remove());
  report = result.report;
}, 900_000);

afterAll(async () => {
  delete process.env.IB_BASE_ENV_SECRET;
  if (repo) await rm(repo, { recursive: true, force: true });
});

test('head and base both built with the secrets and the named context, and compared', () => {
  expect(report.images.map((e) => [e.name, e.status, e.baseline === null])).toEqual([
    ['app', 'ok', false],
    ['baked', 'ok', false],
  ]);
  for (const entry of report.images) expect(entry.delta?.uncompressedBytes).toBeGreaterThan(100_000);
  const baseBuilds = logger.lines.filter((line) => line.includes('--secret id=file,src=') && line.includes('image-budget-base-'));
  expect(baseBuilds.length, logger.lines.join('\n').slice(0, 4000)).toBeGreaterThanOrEqual(1);
});

test('no secret value in the log or the report', () => {
  const written = `${logger.lines.join('\n')}\n${JSON.stringify(report)}`;
  for (const secret of [FILE_SECRET, ENV_SECRET, VALUE_SECRET]) expect(written).not.toContain(secret);
});
