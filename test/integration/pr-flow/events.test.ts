/**
 * The PR flow under the conditions GitHub actually produces: a fork's read-only token, a
 * flaky API, a push instead of a PR, and the dangerous pull_request_target.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { commentMarker } from '../../../src/report/comment-marker.js';
import { ACTIONS_BOT, APP_BOT, startFakeGitHub, type FakeGitHub } from '../../support/fake-github.js';
import {
  BASE_DOCKERFILE,
  BUDGET_PATH,
  budgetFile,
  createPullRequestRepo,
  git,
  GROWTH_LINE,
  PR_DOCKERFILE,
  pullRequestEvent,
  type PullRequestRepo,
} from '../../support/git-fixture.js';
import { logOf, OWNER, readReport, removeRunnerDirs, REPO, runAction, unescapeCommand, type WorkflowRunFixture } from './helpers.js';

let repo: PullRequestRepo;
let gh: FakeGitHub;

beforeAll(() => {
  repo = createPullRequestRepo();
});

afterAll(async () => {
  await removeRunnerDirs();
  repo?.cleanup();
});

beforeEach(async () => {
  gh = await startFakeGitHub();
  gh.addPull(OWNER, REPO, { number: 1, headOwner: 'forker', headRef: repo.branch, headSha: repo.shas.prHead });
});

afterEach(async () => {
  await gh?.stop();
});

function warnings(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('::warning'))
    .map(unescapeCommand);
}

describe('a fork’s read-only token', () => {
  test('403 on the comment: no crash, a warning naming pull-requests: write, the full comment in the summary and outputs', async () => {
    const event = pullRequestEvent(repo, { headOwner: 'forker' });
    const fork = await runAction({ repo, gh, eventName: 'pull_request', event, token: gh.tokens.forkReadOnly });
    expect(fork.exitCode, logOf(fork)).toBe(0);
    expect(fork.outputs['over-budget']).toBe('false');
    expect(fork.outputs['comment-url']).toBeUndefined();
    expect(gh.commentsOn(OWNER, REPO, 1)).toHaveLength(0);
    // It did try: one create, answered 403.
    expect(gh.requestsTo('POST', /\/issues\/1\/comments$/).map((r) => r.status)).toEqual([403]);
    const warning = warnings(fork.stdout).find((w) => w.includes('the PR comment was not posted'));
    expect(warning, logOf(fork)).toBeDefined();
    expect(warning).toContain('Resource not accessible by integration');
    expect(warning).toContain('pull-requests: write');
    expect(warning).toContain('docs/permissions.md');
    expect(fork.stdout).not.toMatch(/^::error::/m);

    // The same run with a token that may write: what the comment it posts says, the fork's
    // summary and `markdown` output already hold (the summary lays out its tables its own way).
    const trusted = await runAction({ repo, gh, eventName: 'pull_request', event, token: gh.tokens.installation });
    expect(trusted.exitCode, logOf(trusted)).toBe(0);
    const body = gh.commentsOn(OWNER, REPO, 1)[0]?.body ?? '';
    expect(body).toContain('**Why it grew**');
    const verdict = body.split('\n').find((l) => l.startsWith('✅ **'));
    // The layer diff rows and the growth contributors.
    const growth = body.split('\n').filter((l) => /^\| (✏️|➕|➖) /.test(l) || /^\d+\. `/.test(l));
    expect(verdict).toBeDefined();
    expect(growth.length).toBeGreaterThanOrEqual(2);
    for (const line of [verdict ?? '', ...growth]) {
      expect(fork.summary).toContain(line);
      expect(fork.outputs.markdown).toContain(line);
    }
  });

  test('over budget with a read-only token: exit 1 from the budget, not from the comment', async () => {
    const over = createPullRequestRepo({
      base: { [BUDGET_PATH]: budgetFile('max: 1MB'), Dockerfile: BASE_DOCKERFILE, 'app.conf': 'mode=base\n' },
      pr: { Dockerfile: PR_DOCKERFILE, 'app.conf': 'mode=pr\nassets=big.bin\n' },
    });
    try {
      const run = await runAction({
        repo: over,
        gh,
        eventName: 'pull_request',
        event: pullRequestEvent(over, { headOwner: 'forker' }),
        token: gh.tokens.forkReadOnly,
      });
      expect(run.exitCode, logOf(run)).toBe(1);
      expect(run.stdout).toMatch(/^::error::image-budget: an image is over budget/m);
      expect(run.stdout.match(/^::error::/gm)).toHaveLength(1);
      expect(warnings(run.stdout).some((w) => w.includes('pull-requests: write'))).toBe(true);
      expect(run.summary).toContain('1 image: 1 over budget');
    } finally {
      over.cleanup();
    }
  });
});

describe('a GitHub App installation token', () => {
  async function twoRuns(inputs: Record<string, string> = {}): Promise<void> {
    for (const attempt of [1, 2]) {
      const run = await runAction({ repo, gh, eventName: 'pull_request', event: pullRequestEvent(repo), token: gh.tokens.app, inputs });
      expect(run.exitCode, `run ${attempt}: ${logOf(run)}`).toBe(0);
      expect(run.outputs['comment-url'], logOf(run)).toBe(gh.commentsOn(OWNER, REPO, 1)[0]?.html_url);
    }
  }

  test("found out from GraphQL's viewer: two runs leave one comment, the app's", async () => {
    await twoRuns();
    expect(gh.commentsOn(OWNER, REPO, 1).map((c) => c.user?.login)).toEqual([APP_BOT.login]);
    // Created once; the second run found it (and had nothing new to say).
    expect(gh.requestsTo('POST', /\/issues\/1\/comments$/)).toHaveLength(1);
  });

  test('named by comment-author when GraphQL cannot tell: two runs leave one comment', async () => {
    gh.fail('POST', /^\/graphql$/, 100, { status: 404 });
    await twoRuns({ 'comment-author': APP_BOT.login });
    expect(gh.commentsOn(OWNER, REPO, 1).map((c) => c.user?.login)).toEqual([APP_BOT.login]);
    // The login was given: nothing asked who the token is.
    expect(gh.requestsTo('GET', /^\/user$/)).toEqual([]);
  });
});

describe('runs racing on one PR', () => {
  test('a comment made for a newer run is left as it is', async () => {
    const newer = `${commentMarker('default')}\n<!-- image-budget:run id=5000 attempt=1 -->\nnewer numbers`;
    const comment = gh.addComment(OWNER, REPO, 1, newer, ACTIONS_BOT);
    // This run is GITHUB_RUN_ID 4242: older.
    const run = await runAction({ repo, gh, eventName: 'pull_request', event: pullRequestEvent(repo) });
    expect(run.exitCode, logOf(run)).toBe(0);
    expect(gh.commentsOn(OWNER, REPO, 1).map((c) => [c.id, c.body])).toEqual([[comment.id, newer]]);
    expect(run.stdout).toContain('comment on PR #1 left as it is: it was made for a newer run (5000, attempt 1)');
    expect(run.outputs['comment-url']).toBeUndefined();

    // A re-run of run 5000 (attempt 2) does replace it, and says which run it was made for.
    const rerun = await runAction({
      repo,
      gh,
      eventName: 'pull_request',
      event: pullRequestEvent(repo),
      env: { GITHUB_RUN_ID: '5000', GITHUB_RUN_ATTEMPT: '2' },
    });
    expect(rerun.exitCode, logOf(rerun)).toBe(0);
    const body = gh.commentsOn(OWNER, REPO, 1)[0]?.body ?? '';
    expect(body.split('\n')[1]).toBe(`<!-- image-budget:run id=5000 attempt=2 sha=${repo.shas.prHead} -->`);
    expect(body).toContain('### 📦 Image budget');
  });
});

describe('a flaky API', () => {
  test('502, 503, then success on create: one comment', async () => {
    gh.fail('POST', /\/issues\/1\/comments$/, 1, { status: 502 });
    gh.fail('POST', /\/issues\/1\/comments$/, 1, { status: 503 });
    const run = await runAction({ repo, gh, eventName: 'pull_request', event: pullRequestEvent(repo) });
    expect(run.exitCode, logOf(run)).toBe(0);
    expect(gh.requestsTo('POST', /\/issues\/1\/comments$/).map((r) => r.status)).toEqual([502, 503, 201]);
    expect(gh.commentsOn(OWNER, REPO, 1)).toHaveLength(1);
    expect(run.outputs['comment-url']).toBe(gh.commentsOn(OWNER, REPO, 1)[0]?.html_url);
    expect(warnings(run.stdout).filter((w) => w.includes('comment'))).toEqual([]);
  });
});

describe('a push', () => {
  test('compares with `before`, posts no comment', async () => {
    // A push of the PR commit to its branch: the runner checks out `after`.
    git(repo.dir, 'checkout', '--quiet', '--detach', repo.shas.prHead);
    try {
      const event = {
        ref: `refs/heads/${repo.branch}`,
        before: repo.shas.base,
        after: repo.shas.prHead,
        created: false,
        deleted: false,
        forced: false,
        repository: { id: 100, name: REPO, full_name: `${OWNER}/${REPO}`, owner: { login: OWNER }, default_branch: 'main' },
        pusher: { name: 'octocat' },
        sender: { login: 'octocat', id: 583231, type: 'User' },
        head_commit: { id: repo.shas.prHead, message: 'PR: add a 5 MB asset, change the config' },
      };
      const run = await runAction({
        repo,
        gh,
        eventName: 'push',
        event,
        env: { GITHUB_SHA: repo.shas.prHead, GITHUB_REF: `refs/heads/${repo.branch}` },
      });
      expect(run.exitCode, logOf(run)).toBe(0);
      const report = await readReport(run);
      expect(report.commit).toBe(repo.shas.prHead);
      expect(report.baseline?.commit).toBe(repo.shas.base);
      expect(report.baseline?.note).toContain('before this push');
      expect(report.pullRequest).toBeUndefined();
      const [entry] = report.images;
      expect(entry?.baseline?.commit).toBe(repo.shas.base);
      expect(entry?.contributors?.[0]?.location).toBe(`Dockerfile:${GROWTH_LINE}`);
      expect(gh.requests).toEqual([]);
      expect(run.outputs['comment-url']).toBeUndefined();
      expect(run.summary).toContain('## 📦 Image budget');
    } finally {
      git(repo.dir, 'checkout', '--quiet', '--detach', repo.shas.merge);
    }
  });
});

describe('pull_request_target', () => {
  test('refused without allow-pull-request-target: exit 1, why, nothing built or posted', async () => {
    const run = await runAction({ repo, gh, eventName: 'pull_request_target', event: pullRequestEvent(repo) });
    expect(run.exitCode).toBe(1);
    const error = run.stdout.split('\n').find((l) => l.startsWith('::error::'));
    expect(unescapeCommand(error ?? '')).toMatch(/refusing to build pull request code under `pull_request_target`/);
    expect(unescapeCommand(error ?? '')).toContain('write token and your secrets');
    expect(unescapeCommand(error ?? '')).toContain('allow-pull-request-target: true');
    expect(run.stdout).not.toContain('::group::');
    expect(run.stdout).not.toMatch(/\[\d+\/\d+\] building|docker buildx build|baseline:/);
    // The refusal is the job's whole result: it is in the outputs as in the summary, and no
    // image was measured, so none is over budget.
    expect(Object.keys(run.outputs).sort()).toEqual(['markdown', 'over-budget']);
    expect(run.outputs['over-budget']).toBe('false');
    expect(run.outputs.markdown).toContain('refusing to build');
    expect(gh.requests).toEqual([]);
  });
});

describe('workflow_run with mode: check', () => {
  async function workflowRunEvent(): Promise<WorkflowRunFixture> {
    const event = JSON.parse(await readFile('test/fixtures/pr-flow/workflow_run.json', 'utf8')) as WorkflowRunFixture;
    event.workflow_run.head_sha = repo.shas.prHead;
    event.workflow_run.head_branch = repo.branch;
    return event;
  }

  test('refused like pull_request_target: exit 1, why, nothing built or posted', async () => {
    // The job checked out the PR's head, as a careless workflow_run workflow would.
    const run = await runAction({ repo, gh, eventName: 'workflow_run', event: await workflowRunEvent() });
    expect(run.exitCode, logOf(run)).toBe(1);
    const error = unescapeCommand(run.stdout.split('\n').find((l) => l.startsWith('::error::')) ?? '');
    expect(error).toMatch(/refusing to build under `workflow_run` with `mode: check`/);
    expect(error).toContain('write token and your secrets');
    expect(error).toContain('`mode: comment`');
    expect(error).toContain('allow-privileged-build: true');
    expect(run.stdout).not.toContain('::group::');
    expect(run.stdout).not.toMatch(/\[\d+\/\d+\] building|docker buildx build|baseline:/);
    // The refusal is the job's whole result: it is in the outputs as in the summary, and no
    // image was measured, so none is over budget.
    expect(Object.keys(run.outputs).sort()).toEqual(['markdown', 'over-budget']);
    expect(run.outputs['over-budget']).toBe('false');
    expect(run.outputs.markdown).toContain('refusing to build');
    expect(gh.requests).toEqual([]);
  });

  test('the older allow-pull-request-target input still opts in, for workflow_run too', async () => {
    const run = await runAction({
      repo,
      gh,
      eventName: 'workflow_run',
      event: await workflowRunEvent(),
      inputs: { 'allow-pull-request-target': 'true', baseline: 'none', comment: 'off' },
    });
    expect(run.exitCode, logOf(run)).toBe(0);
    expect(run.stdout).toMatch(/\[1\/1\] building app:runtime/);
    expect(run.outputs['over-budget']).toBe('false');
  });
});
