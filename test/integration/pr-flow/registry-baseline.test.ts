/**
 * `baseline: registry`: the base image pushed from main to the local registry, read back
 * through the registry API, must give the sizes the `build` baseline measured for it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../../support/fake-github.js';
import {
  BUDGET_PATH,
  createPullRequestRepo,
  DEFAULT_BUDGET,
  git,
  pullRequestEvent,
  pushToPullRequest,
  type PullRequestRepo,
} from '../../support/git-fixture.js';
import { logOf, OWNER, readReport, removeRunnerDirs, REPO, runAction } from './helpers.js';

const TEMPLATE = 'localhost:5000/ib-prflow-{image}-{target}:main';
const PUSHED = 'localhost:5000/ib-prflow-app-runtime:main';

let repo: PullRequestRepo;
let gh: FakeGitHub;
let worktree: string;

beforeAll(async () => {
  repo = createPullRequestRepo();
  gh = await startFakeGitHub();
  gh.addPull(OWNER, REPO, { number: 1, headOwner: OWNER, headRef: repo.branch, headSha: repo.shas.prHead });
  // What main's own workflow does: build the base commit and push it.
  worktree = mkdtempSync(path.join(os.tmpdir(), 'ib-prflow-main-'));
  git(repo.dir, 'worktree', 'add', '--detach', path.join(worktree, 'main'), repo.shas.mainTip);
  execFileSync('docker', ['buildx', 'build', '--target', 'runtime', '--push', '-t', PUSHED, path.join(worktree, 'main')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
});

afterAll(async () => {
  await removeRunnerDirs();
  await gh?.stop();
  if (worktree) rmSync(worktree, { recursive: true, force: true });
  repo?.cleanup();
});

describe('baseline: registry', () => {
  test('the pushed base image gives the same baseline sizes as building the base', async () => {
    const event = pullRequestEvent(repo);
    const built = await runAction({ repo, gh, eventName: 'pull_request', event, inputs: { baseline: 'build', comment: 'off' } });
    const pulled = await runAction({
      repo,
      gh,
      eventName: 'pull_request',
      event,
      inputs: { baseline: 'registry', 'baseline-image': TEMPLATE, 'comment-key': 'registry' },
    });
    expect(built.exitCode, logOf(built)).toBe(0);
    expect(pulled.exitCode, logOf(pulled)).toBe(0);

    const fromBuild = (await readReport(built)).images[0];
    const report = await readReport(pulled);
    const fromRegistry = report.images[0];
    expect(report.baseline).toMatchObject({ mode: 'registry', unavailable: null });
    expect(report.baseline?.note).toContain(TEMPLATE);
    expect(fromBuild?.baseline?.compressedBytes).toBeGreaterThan(300_000);
    expect(fromRegistry?.baseline?.compressedBytes).toBe(fromBuild?.baseline?.compressedBytes);
    expect(fromRegistry?.baseline?.uncompressedBytes).toBe(fromBuild?.baseline?.uncompressedBytes);
    // Same head, same base sizes: the same delta and the same growth, minus Dockerfile lines
    // (registry images carry none), paired by created_by instead.
    expect(fromRegistry?.delta).toEqual(fromBuild?.delta);
    expect(fromRegistry?.contributors?.[0]?.createdBy).toBe(fromBuild?.contributors?.[0]?.createdBy);
    expect(fromRegistry?.layerDiff?.filter((r) => r.state === 'unchanged')).toHaveLength(1);

    const [comment] = gh.commentsOn(OWNER, REPO, 1);
    // The note is author-controlled text, escaped so that it renders as written.
    expect(comment?.body).toContain('baseline: registry images localhost:5000/ib\\-prflow\\-{image}\\-{target}:main');
    expect(comment?.body).toContain('✅ **The image is within budget**\\\n1 image: 1 grew');
  });
});

describe('baseline: registry, an image new in the PR', () => {
  test('is new, not "baseline unavailable": the base budget file does not name it, so no registry lookup', async () => {
    // The PR adds a second image (the same Dockerfile under another name) that main never pushed.
    const extra = DEFAULT_BUDGET.replace('images:\n', 'images:\n  extra:\n    context: .\n    target: runtime\n');
    pushToPullRequest(repo, { [BUDGET_PATH]: extra }, 'PR: a second image');
    gh.addPull(OWNER, REPO, { number: 2, headOwner: OWNER, headRef: repo.branch, headSha: repo.shas.prHead });
    const run = await runAction({
      repo,
      gh,
      eventName: 'pull_request',
      event: pullRequestEvent(repo, { number: 2 }),
      inputs: { baseline: 'registry', 'baseline-image': TEMPLATE, comment: 'off' },
    });
    expect(run.exitCode, logOf(run)).toBe(0);
    const report = await readReport(run);
    expect(report.baseline?.unavailable).toBeNull();
    const byName = Object.fromEntries(report.images.map((e) => [e.name, e]));
    expect(byName.extra?.change).toBe('new');
    expect(byName.app?.baseline?.compressedBytes).toBeGreaterThan(300_000);
    expect(run.stdout).not.toContain('ib-prflow-extra-runtime');
  });
});
