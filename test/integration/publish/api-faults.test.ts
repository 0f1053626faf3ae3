/**
 * GitHub API faults that once held a job or left two comments: an API that accepts the
 * connection and never answers, one that refuses it, and a personal token whose `GET /user`
 * answers a 403 (a rate limit). Through the client and through the bundled action (`mode:
 * comment`, no build), with short budgets set by the environment.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { resolveCommentAuthor, upsertComment } from '../../../src/publish/comment.js';
import { createGitHubClient, GitHubApiError } from '../../../src/publish/github-client.js';
import { commentMarker } from '../../../src/report/comment-marker.js';
import { entry, report } from '../../unit/report/report-fixtures.js';
import { fakeUser, startFakeGitHub, type FakeGitHub } from '../../support/fake-github.js';
import { runActionProcess, type ActionRun } from '../../support/run-action.js';
import { ENTRY, type WorkflowRunFixture } from '../pr-flow/helpers.js';
import { FAST_RETRY } from './publish-helpers.js';

const MARKER = commentMarker('default');
const target = { owner: 'o', repo: 'r', issueNumber: 7, key: 'default' };
const HEAD = 'a'.repeat(40);
/** Short limits for a hung API: 400 ms per attempt, 3 s per request in all. */
const SHORT = { ...FAST_RETRY, attemptTimeoutMs: 400, requestBudgetMs: 3_000 };

let gh: FakeGitHub;
beforeEach(async () => {
  gh = await startFakeGitHub();
  gh.addPull('o', 'r', { number: 7, headOwner: 'forker', headRef: 'feature', headSha: HEAD });
});
afterEach(async () => {
  await gh.stop();
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return port;
}

async function failureOf(promise: Promise<unknown>): Promise<GitHubApiError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(GitHubApiError);
  return error as GitHubApiError;
}

describe('the client', () => {
  test('a hung API: each attempt times out, the request gives up within its budget, saying so', async () => {
    gh.fail(null, /.*/, 1000, { status: 'hang' });
    const client = createGitHubClient({ token: gh.tokens.user, baseUrl: gh.url, retry: SHORT });
    const started = Date.now();
    const error = await failureOf(client.rest.issues.listComments({ owner: 'o', repo: 'r', issue_number: 7 }));
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(400);
    expect(took).toBeLessThan(SHORT.requestBudgetMs + 1_000);
    expect(error.status).toBe(0);
    expect(error.message).toMatch(
      new RegExp(
        `^GitHub API GET /repos/o/r/issues/7/comments could not connect to 127\\.0\\.0\\.1:\\d+: no answer within 1s \\(gave up after [2-4] attempts in \\ds\\)$`,
      ),
    );
    // Bounded: never more attempts than allowed.
    expect(gh.requestsTo('GET', /comments$/).length).toBeLessThanOrEqual(SHORT.maxAttempts ?? 4);
  });

  test('connection refused is "could not connect", not an HTTP 500', async () => {
    const port = await closedPort();
    const client = createGitHubClient({ token: 'pat-x', baseUrl: `http://127.0.0.1:${port}`, retry: SHORT });
    const started = Date.now();
    const error = await failureOf(client.rest.users.getAuthenticated());
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error.message).toBe(
      `GitHub API GET /user could not connect to 127.0.0.1:${port}: connection refused (ECONNREFUSED) (gave up after 4 attempts in ${error.message.match(/in (\d+s)\)$/)?.[1] ?? '?'})`,
    );
    expect(error.message).not.toMatch(/failed with 500/);
  });

  test('the environment shortens the limits for tests, never lengthens them', async () => {
    const { retryFromEnvironment } = await import('../../../src/publish/github-client.js');
    expect(retryFromEnvironment({ IMAGE_BUDGET_API_TIMEOUT_MS: '500', IMAGE_BUDGET_API_BUDGET_MS: '2000' })).toEqual({
      attemptTimeoutMs: 500,
      requestBudgetMs: 2000,
      maxTotalWaitMs: 2000,
    });
    expect(retryFromEnvironment({ IMAGE_BUDGET_API_TIMEOUT_MS: '999999999', IMAGE_BUDGET_API_BUDGET_MS: 'x' })).toEqual({
      attemptTimeoutMs: 30_000,
    });
    expect(retryFromEnvironment({})).toEqual({});
  });
});

describe('a personal token whose GET /user answers 403 (a rate limit)', () => {
  const rateLimited = () => {
    gh.fail('GET', /^\/user$/, 100, { status: 403, kind: 'primary-rate-limit', resetInSeconds: 3600 });
  };

  test('the author is unknown, not guessed to be a bot', async () => {
    rateLimited();
    const client = createGitHubClient({ token: gh.tokens.user, baseUrl: gh.url, retry: FAST_RETRY });
    expect(await resolveCommentAuthor(client)).toBeNull();
    // No GraphQL guess for a token that is not an installation's.
    expect(gh.requestsTo('POST', /^\/graphql$/)).toEqual([]);
  });

  test('with the comment already there: it is left alone, no second one, a reason naming comment-author', async () => {
    const existing = gh.addComment('o', 'r', 7, `${MARKER}\nby octocat`, fakeUser('octocat', 583231));
    rateLimited();
    const client = createGitHubClient({ token: gh.tokens.user, baseUrl: gh.url, retry: FAST_RETRY });
    const result = await upsertComment(client, { ...target, body: `${MARKER}\nv2` });
    expect(result).toMatchObject({ action: 'skipped' });
    if (result.action !== 'skipped') throw new Error('unreachable');
    expect(result.reason).toMatch(
      /could not tell which account the token acts as, and 1 comment\(s\) on o\/r#7 carry this report's marker/,
    );
    expect(result.reason).toContain('`comment-author`');
    expect(gh.commentsOn('o', 'r', 7).map((c) => c.body)).toEqual([existing.body]);
    expect(gh.requests.filter((r) => r.method !== 'GET' && r.path !== '/graphql')).toEqual([]);
  });

  test('without one: it is created, and a second run in the same state still leaves exactly one', async () => {
    rateLimited();
    const client = createGitHubClient({ token: gh.tokens.user, baseUrl: gh.url, retry: FAST_RETRY });
    const first = await upsertComment(client, { ...target, body: `${MARKER}\nrun 1` });
    expect(first).toMatchObject({ action: 'created' });
    const second = await upsertComment(client, { ...target, body: `${MARKER}\nrun 2` });
    expect(second).toMatchObject({ action: 'skipped' });
    expect(gh.commentsOn('o', 'r', 7).map((c) => [c.user?.login, c.body])).toEqual([['octocat', `${MARKER}\nrun 1`]]);
  });

  test('named by comment-author, the comment is updated as usual', async () => {
    gh.addComment('o', 'r', 7, `${MARKER}\nby octocat`, fakeUser('octocat', 583231));
    rateLimited();
    const client = createGitHubClient({ token: gh.tokens.user, baseUrl: gh.url, retry: FAST_RETRY });
    const result = await upsertComment(client, { ...target, body: `${MARKER}\nv2`, author: 'octocat' });
    expect(result).toMatchObject({ action: 'updated' });
    expect(gh.commentsOn('o', 'r', 7).map((c) => c.body)).toEqual([`${MARKER}\nv2`]);
  });
});

describe('through the action (mode: comment on workflow_run, no build)', () => {
  let workspace: string;
  const runs: ActionRun[] = [];
  beforeEach(async () => {
    workspace = await mkdtemp(path.join(os.tmpdir(), 'ib-api-faults-'));
    const saved = { ...report([entry({ name: 'app' })]), commit: HEAD, pullRequest: { number: 7, headSha: HEAD } };
    await writeFile(path.join(workspace, 'report.json'), JSON.stringify(saved));
  });
  afterEach(async () => {
    await Promise.all(runs.splice(0).map((r) => rm(r.runnerDir, { recursive: true, force: true })));
    await rm(workspace, { recursive: true, force: true });
  });

  async function commentRun(token: string, env: Record<string, string> = {}, apiUrl = gh.url): Promise<ActionRun & { ms: number }> {
    const event = JSON.parse(await readFile('test/fixtures/pr-flow/workflow_run.json', 'utf8')) as WorkflowRunFixture;
    event.workflow_run.head_sha = HEAD;
    event.workflow_run.head_commit.id = HEAD;
    const started = Date.now();
    const run = await runActionProcess({
      entry: ENTRY,
      workspace,
      eventName: 'workflow_run',
      event,
      inputs: { mode: 'comment', reports: 'report.json', 'github-token': token },
      env: { GITHUB_API_URL: apiUrl, GITHUB_REPOSITORY: 'o/r', GITHUB_SERVER_URL: 'https://github.com', GITHUB_RUN_ID: '1', ...env },
    });
    runs.push(run);
    return { ...run, ms: Date.now() - started };
  }

  test('a hung API: the job gives up within the budget the environment sets, with a clear message', async () => {
    gh.fail(null, /.*/, 1000, { status: 'hang' });
    const run = await commentRun(gh.tokens.installation, { IMAGE_BUDGET_API_TIMEOUT_MS: '300', IMAGE_BUDGET_API_BUDGET_MS: '1500' });
    // The PR lookup and, if it got that far, the comment: each bounded by the request budget.
    expect(run.ms).toBeLessThan(15_000);
    // The PR lookup is the comment job's first call: it fails the job (the pull_request run's check has the verdict).
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/^::error::.*could not connect to 127\.0\.0\.1:\d+: no answer within 1s/m);
    expect(run.summary).toContain('image-budget: error');
    expect(run.stdout + run.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(gh.commentsOn('o', 'r', 7)).toHaveLength(0);
  });

  test('connection refused: a message that says so, exit code and summary as for any failure', async () => {
    const port = await closedPort();
    const run = await commentRun(
      gh.tokens.installation,
      { IMAGE_BUDGET_API_TIMEOUT_MS: '300', IMAGE_BUDGET_API_BUDGET_MS: '1500' },
      `http://127.0.0.1:${port}`,
    );
    expect(run.ms).toBeLessThan(15_000);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/^::error::.*could not connect to 127\.0\.0\.1:\d+: connection refused \(ECONNREFUSED\)/m);
    expect(run.summary).toContain('image-budget: error');
    expect(run.stdout).not.toMatch(/failed with 500/);
    expect(run.stdout + run.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  });

  test('a PAT whose GET /user answers 403, with our comment already there: still exactly one comment, and a warning', async () => {
    gh.addComment('o', 'r', 7, `${MARKER}\nby octocat`, fakeUser('octocat', 583231));
    gh.fail('GET', /^\/user$/, 100, { status: 403, kind: 'primary-rate-limit', resetInSeconds: 3600 });
    const run = await commentRun(gh.tokens.user);
    expect(run.exitCode, run.stdout).toBe(0);
    expect(gh.commentsOn('o', 'r', 7)).toHaveLength(1);
    expect(run.stdout).toMatch(/^::warning::the PR comment was not posted: could not tell which account the token acts as/m);
    expect(run.summary).toContain('image-budget');
  });
});

describe('pagination is capped', () => {
  test('a PR with more comments than are searched: no second comment, a reason saying why', async () => {
    const { MAX_COMMENT_PAGES } = await import('../../../src/publish/comment.js');
    for (let i = 0; i < MAX_COMMENT_PAGES * 100 + 5; i += 1) gh.addComment('o', 'r', 7, `comment ${i}`);
    const client = createGitHubClient({ token: gh.tokens.installation, baseUrl: gh.url, retry: FAST_RETRY });
    const result = await upsertComment(client, { ...target, body: `${MARKER}\nhello` });
    expect(result).toEqual({
      action: 'skipped',
      reason: `o/r#7 has more than ${MAX_COMMENT_PAGES * 100} comments and this report's comment is not among the first ${MAX_COMMENT_PAGES * 100}: no second one was posted`,
    });
    expect(gh.requestsTo('GET', /\/issues\/7\/comments$/)).toHaveLength(MAX_COMMENT_PAGES);
    expect(gh.requestsTo('POST', /\/issues\/7\/comments$/)).toEqual([]);
  });
});

describe('mode: comment refuses a report that does not name its PR and commit', () => {
  let workspace: string;
  const runs: ActionRun[] = [];
  afterEach(async () => {
    await Promise.all(runs.splice(0).map((r) => rm(r.runnerDir, { recursive: true, force: true })));
    if (workspace) await rm(workspace, { recursive: true, force: true });
  });

  test.each([
    ['no pullRequest', {}, /names no pull request and head commit/],
    ['a null headSha', { pullRequest: { number: 7, headSha: null } }, /names no pull request and head commit/],
    ['another PR number', { pullRequest: { number: 8, headSha: HEAD } }, /made for PR #8, not for #7/],
  ])('%s: exit 1, nothing posted', async (_name, extra, message) => {
    workspace = await mkdtemp(path.join(os.tmpdir(), 'ib-comment-refuse-'));
    await writeFile(path.join(workspace, 'report.json'), JSON.stringify({ ...report([entry({ name: 'app' })]), commit: HEAD, ...extra }));
    const event = JSON.parse(await readFile('test/fixtures/pr-flow/workflow_run.json', 'utf8')) as WorkflowRunFixture;
    event.workflow_run.head_sha = HEAD;
    event.workflow_run.head_commit.id = HEAD;
    const run = await runActionProcess({
      entry: ENTRY,
      workspace,
      eventName: 'workflow_run',
      event,
      inputs: { mode: 'comment', reports: 'report.json', 'github-token': gh.tokens.installation },
      env: { GITHUB_API_URL: gh.url, GITHUB_REPOSITORY: 'o/r', GITHUB_SERVER_URL: 'https://github.com', GITHUB_RUN_ID: '1' },
    });
    runs.push(run);
    expect(run.exitCode, run.stdout).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`^::error::.*${message.source}`, 'm'));
    expect(gh.commentsOn('o', 'r', 7)).toHaveLength(0);
  });
});
