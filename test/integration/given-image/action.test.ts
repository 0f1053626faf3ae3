/**
 * The bundled action as the runner runs it, one step after a build step: build-push-action's
 * `digest` and `metadata` outputs passed straight in, the budget file's `image: from-input`
 * entry measured with no build. The bundle is built from the current sources into a scratch
 * folder (IMAGE_BUDGET_ENTRY overrides it).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Report } from '../../../src/types.js';
import { runActionProcess, type ActionRun } from '../../support/run-action.js';
import { startAuthRegistry, type AuthRegistry } from './auth-registry.js';
import { PLATFORMS, pushImage, REPO, uniqueTag, writeContext, type Pushed } from './fixture.js';

const TAG = uniqueTag();
const USER = 'ci-bot';
const TOKEN = `tok-${uniqueTag()}-secret`;
let scratch: string;
let entry: string;
let workspace: string;
let pushed: Pushed;
let registry: AuthRegistry;
const runs: ActionRun[] = [];
const pullRequest = JSON.parse(await readFile('test/fixtures/events/pull_request-opened.json', 'utf8')) as unknown;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'ib-given-action-'));
  if (process.env.IMAGE_BUDGET_ENTRY) {
    entry = path.resolve(process.env.IMAGE_BUDGET_ENTRY);
  } else {
    // `npm run bundle`, into the scratch folder: dist/ is the coordinator's to commit.
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'pipe' });
    execFileSync('npx', ['ncc', 'build', 'lib/index.js', '-o', path.join(scratch, 'dist'), '--target', 'es2022'], { stdio: 'pipe' });
    entry = path.join(scratch, 'dist', 'index.js');
  }
  workspace = path.join(scratch, 'repo');
  await writeContext(workspace, TAG);
  pushed = await pushImage(workspace, `localhost:5000/${REPO}:${TAG}`);
  await mkdir(path.join(workspace, '.github'), { recursive: true });
  await writeFile(
    path.join(workspace, '.github', 'image-budget.yml'),
    'version: 1\nimages:\n  api:\n    image: from-input\n    dockerfile: Dockerfile\n    budget: { max: 50MB }\n',
  );
  registry = await startAuthRegistry(path.join(scratch, 'registry'), USER, TOKEN);
}, 600_000);

afterAll(async () => {
  for (const run of runs) await rm(run.runnerDir, { recursive: true, force: true });
  await registry?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

async function runAction(inputs: Record<string, string>, env: Record<string, string> = {}) {
  const run = await runActionProcess({
    entry,
    workspace,
    inputs: { baseline: 'none', ...inputs },
    eventName: 'pull_request',
    event: pullRequest,
    env: { DOCKER_CONFIG: path.join(scratch, 'no-docker-config'), ...env },
  });
  runs.push(run);
  const report = run.outputs.report ? (JSON.parse(await readFile(run.outputs.report, 'utf8')) as Report) : null;
  return { run, report };
}

describe('node dist/index.js with build-push-action outputs', () => {
  test.each([
    ['image + digest', () => ({ image: `localhost:5000/${REPO}`, digest: pushed.digest })],
    ['metadata alone', () => ({ metadata: pushed.metadata })],
    ['image with the digest in it', () => ({ image: `localhost:5000/${REPO}@${pushed.digest}` })],
  ])('%s: the pushed image is measured, nothing is built', async (_what, inputs) => {
    const { run, report } = await runAction(inputs());
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(report?.images.map((e) => [e.name, e.platform, e.status, e.imageDigest])).toEqual(
      PLATFORMS.map((p) => ['api', p, 'ok', pushed.digest]),
    );
    expect(report?.images[0]?.layers.map((l) => l.dockerfile?.line)).toEqual([2, 3, 4]);
    expect(run.stdout).not.toMatch(/::group::docker buildx build|building api/);
    expect(run.stdout).toContain('0 build(s), 1 given image(s) measured without a build');
    expect(run.summary).toMatch(/All 2 images (are )?within budget/);
  });

  test('registry-token logs in to a registry that requires it, and appears in no output', async () => {
    const { run, report } = await runAction(
      { image: `${registry.host}/${REPO}`, digest: pushed.digest, 'registry-token': TOKEN },
      { GITHUB_ACTOR: USER },
    );
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(report?.images.map((e) => e.status)).toEqual(['ok', 'ok']);
    // The runner takes `::add-mask::` for itself (it never shows that line) and masks the value
    // everywhere after it: the token is masked before anything else is printed.
    const stdoutLines = run.stdout.split('\n');
    expect(stdoutLines.findIndex((line) => line.startsWith('::add-mask::'))).toBe(0);
    const shown = stdoutLines.filter((line) => !line.startsWith('::add-mask::')).join('\n');
    const everything = [shown, run.stderr, run.summary, JSON.stringify(run.outputs), JSON.stringify(report)].join('\n');
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(Buffer.from(`${USER}:${TOKEN}`).toString('base64'));
  });

  test('a digest the repository does not have: the entry is an error, the step fails', async () => {
    const missing = `sha256:${'1'.repeat(64)}`;
    const { run, report } = await runAction({ image: `localhost:5000/${REPO}`, digest: missing });
    expect(run.exitCode).toBe(1);
    expect(report?.images.map((e) => [e.name, e.status])).toEqual([['api', 'error']]);
    expect(report?.images[0]?.error).toContain(`localhost:5000/${REPO}@${missing}: no such image in the registry (HTTP 404`);
  });

  test('a malformed digest input fails the step naming the input, before anything runs', async () => {
    const { run } = await runAction({ image: `localhost:5000/${REPO}`, digest: 'sha256:nope' });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('::error::input `digest`: "sha256:nope" is not a sha256 digest');
  });
});
