/**
 * The bundled action as the runner runs it, with build-push-action's build inputs: a secret by
 * value (`secrets`), from a file (`secret-files`) and from the step's environment
 * (`secret-envs`), multi-line `build-args` and docker/metadata-action-shaped `labels`. The build
 * checks each secret (its RUN fails without it); no value appears in stdout or stderr (except the
 * runner's own `::add-mask::` command), the step summary, the outputs or the JSON report.
 * The bundle is built from the current sources into a scratch folder (IMAGE_BUDGET_ENTRY overrides it).
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Report } from '../../../src/types.js';
import { runActionProcess, type ActionRun } from '../../support/run-action.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const VALUE_SECRET = `value-${randomBytes(12).toString('hex')}`;
const FILE_SECRET = `file-${randomBytes(12).toString('hex')}`;
const ENV_SECRET = `env-${randomBytes(12).toString('hex')}`;

const DOCKERFILE = `FROM busybox:1.35
ARG PAYLOAD=1
RUN --mount=type=secret,id=value,required=true \\
    --mount=type=secret,id=file,required=true \\
    --mount=type=secret,id=env,required=true \\
    test "$(sha256sum < /run/secrets/value | cut -c1-64)" = "${sha256(VALUE_SECRET)}" && \\
    test "$(sha256sum < /run/secrets/file | cut -c1-64)" = "${sha256(FILE_SECRET)}" && \\
    test "$(sha256sum < /run/secrets/env | cut -c1-64)" = "${sha256(ENV_SECRET)}" && \\
    head -c "$PAYLOAD" /dev/zero > /payload
`;

let scratch: string;
let entry: string;
let workspace: string;
let run: ActionRun;
let report: Report;
const pullRequest = JSON.parse(await readFile('test/fixtures/events/pull_request-opened.json', 'utf8')) as unknown;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'ib-options-action-'));
  if (process.env.IMAGE_BUDGET_ENTRY) {
    entry = path.resolve(process.env.IMAGE_BUDGET_ENTRY);
  } else {
    // `npm run bundle`, into the scratch folder: dist/ is the coordinator's to commit.
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'pipe' });
    execFileSync('npx', ['ncc', 'build', 'lib/index.js', '-o', path.join(scratch, 'dist'), '--target', 'es2022'], { stdio: 'pipe' });
    entry = path.join(scratch, 'dist', 'index.js');
  }
  workspace = path.join(scratch, 'repo');
  await mkdir(path.join(workspace, '.github'), { recursive: true });
  await writeFile(path.join(workspace, 'Dockerfile'), DOCKERFILE);
  await writeFile(path.join(workspace, 'file-secret.txt'), FILE_SECRET);
  await writeFile(path.join(workspace, '.github', 'image-budget.yml'), 'version: 1\nimages:\n  api:\n    budget: { max: 50MB }\n');
  run = await runActionProcess({
    entry,
    workspace,
    inputs: {
      baseline: 'none',
      comment: 'off',
      secrets: `value=${VALUE_SECRET}\n`,
      'secret-files': 'file=file-secret.txt\n',
      'secret-envs': 'env=IB_ENV_SECRET\n',
      'build-args': 'PAYLOAD=123456\nUNUSED=a=b\n',
      labels: 'org.opencontainers.image.title=api\norg.opencontainers.image.description=Shop, API\n',
    },
    eventName: 'pull_request',
    event: pullRequest,
    env: { IB_ENV_SECRET: ENV_SECRET, ...(process.env.BUILDX_BUILDER ? { BUILDX_BUILDER: process.env.BUILDX_BUILDER } : {}) },
  });
  report = JSON.parse(await readFile(run.outputs.report!, 'utf8')) as Report;
}, 600_000);

afterAll(async () => {
  if (run) await rm(run.runnerDir, { recursive: true, force: true });
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

test('the image builds with all three secrets and the build args', () => {
  expect(run.exitCode, run.stdout + run.stderr).toBe(0);
  expect(report.images.map((e) => [e.name, e.status])).toEqual([['api', 'ok']]);
  expect(report.images[0]!.layers.at(-1)!.uncompressedBytes).toBeGreaterThanOrEqual(123456);
  expect(run.stdout).toContain('--label org.opencontainers.image.description=Shop, API');
  expect(run.stdout).toContain('--secret id=env,env=IB_ENV_SECRET');
});

test.each([
  [1, VALUE_SECRET],
  [2, FILE_SECRET],
  [3, ENV_SECRET],
])('%i. the secret is in no output but the runner’s mask command', async (_n, secret) => {
  const stdout = run.stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  const written = [stdout, run.stderr, run.summary, JSON.stringify(run.outputs), JSON.stringify(report)].join('\n');
  expect(written).toContain('api');
  expect(written).not.toContain(secret);
});

test('the value secret is masked for the runner and its file is gone', async () => {
  expect(run.stdout).toContain(`::add-mask::${VALUE_SECRET}`);
  const src = /--secret id=value,src=(\S+)/.exec(run.stdout)?.[1];
  expect(src).toMatch(/image-budget-secrets-/);
  await expect(readFile(src!)).rejects.toThrow(/ENOENT/);
});
