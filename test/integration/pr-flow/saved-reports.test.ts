/**
 * Reports saved by one run and published by another: `mode: comment` on `workflow_run` (the
 * fork pattern of docs/permissions.md) and `mode: aggregate` over matrix jobs.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { commentMarker } from '../../../src/report/comment-marker.js';
import type { Report } from '../../../src/types.js';
import { startFakeGitHub, type FakeGitHub } from '../../support/fake-github.js';
import type { ActionRun } from '../../support/run-action.js';
import {
  BASE_DOCKERFILE,
  BUDGET_PATH,
  budgetFile,
  createPullRequestRepo,
  PR_DOCKERFILE,
  pullRequestEvent,
  type PullRequestRepo,
} from '../../support/git-fixture.js';
import { logOf, OWNER, readReport, removeRunnerDirs, REPO, runAction, unescapeCommand, type WorkflowRunFixture } from './helpers.js';

const FORK_OWNER = 'forker';
const PR_NUMBER = 7;

let repo: PullRequestRepo;
let gh: FakeGitHub;
/** The workflow_run job's workspace: the downloaded artifact, no checkout of the PR. */
let artifacts: string;
let saved: Report;
let savedText: string;

async function workflowRunEvent(headSha: string): Promise<WorkflowRunFixture> {
  const event = JSON.parse(await readFile('test/fixtures/pr-flow/workflow_run.json', 'utf8')) as WorkflowRunFixture;
  event.workflow_run.head_sha = headSha;
  event.workflow_run.head_commit.id = headSha;
  event.workflow_run.head_branch = repo.branch;
  return event;
}

function errorOf(stdout: string): string {
  return unescapeCommand(stdout.split('\n').find((l) => l.startsWith('::error::')) ?? '');
}

beforeAll(async () => {
  repo = createPullRequestRepo({
    base: {
      [BUDGET_PATH]: budgetFile('max: 20MB\nmax-increase: 10MB'),
      '.github/tools-budget.yml': [
        'version: 1',
        'images:',
        '  tools:',
        '    context: .',
        '    target: build',
        '    budget:',
        '      max: 1MB',
        '',
      ].join('\n'),
      Dockerfile: BASE_DOCKERFILE,
      'app.conf': 'mode=base\n',
    },
    pr: { Dockerfile: PR_DOCKERFILE, 'app.conf': 'mode=pr\nassets=big.bin\n' },
  });
  gh = await startFakeGitHub();
  gh.addPull(OWNER, REPO, { number: PR_NUMBER, headOwner: FORK_OWNER, headRef: repo.branch, headSha: repo.shas.prHead });
  artifacts = await mkdtemp(path.join(os.tmpdir(), 'ib-prflow-artifacts-'));

  // The fork's pull_request run: read-only token, `comment: off`, the report uploaded.
  const measure = await runAction({
    repo,
    gh,
    eventName: 'pull_request',
    event: pullRequestEvent(repo, { number: PR_NUMBER, headOwner: FORK_OWNER }),
    token: gh.tokens.forkReadOnly,
    inputs: { comment: 'off' },
  });
  if (measure.exitCode !== 0) throw new Error(logOf(measure));
  saved = await readReport(measure);
  savedText = await readFile(measure.outputs.report ?? '', 'utf8');
  await writeFile(path.join(artifacts, 'report.json'), savedText);
});

afterAll(async () => {
  await removeRunnerDirs();
  await gh?.stop();
  repo?.cleanup();
  if (artifacts) await rm(artifacts, { recursive: true, force: true });
});

describe('mode: comment on workflow_run', () => {
  test('the saved report is posted on the PR found by the fork’s head', async () => {
    expect(gh.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(saved.pullRequest).toEqual({ number: PR_NUMBER, headSha: repo.shas.prHead });

    const run = await runAction({
      repo,
      gh,
      workspace: artifacts,
      eventName: 'workflow_run',
      event: await workflowRunEvent(repo.shas.prHead),
      inputs: { mode: 'comment', reports: 'report.json' },
    });
    expect(run.exitCode, logOf(run)).toBe(0);
    // workflow_run.pull_requests is empty for a fork: the PR was looked up by its head.
    const lookups = gh.requestsTo('GET', /^\/repos\/acme\/shop\/pulls$/);
    expect(lookups.map((r) => r.query.get('head'))).toEqual([`${FORK_OWNER}:${repo.branch}`]);
    const comments = gh.commentsOn(OWNER, REPO, PR_NUMBER);
    expect(comments).toHaveLength(1);
    const body = comments[0]?.body ?? '';
    expect(body.split('\n')[0]).toBe(commentMarker('default'));
    // Stamped with the pull_request run whose report it posts (workflow_run.id), not this job's run.
    expect(body.split('\n')[1]).toBe(`<!-- image-budget:run id=9876543210 attempt=1 sha=${repo.shas.prHead} -->`);
    expect(body).toContain('✅ **The image is within budget**\\\n1 image: 1 grew');
    expect(body).toContain('`Dockerfile:10`');
    expect(body).toContain(repo.shas.mainTip.slice(0, 7));
    expect(run.outputs['comment-url']).toBe(comments[0]?.html_url);
    // The `report` output names the report that was posted, which exists.
    expect(run.outputs.report).toBe(path.join(artifacts, 'report.json'));
    // The saved report is not rewritten by the comment job.
    expect(await readFile(path.join(artifacts, 'report.json'), 'utf8')).toBe(savedText);
  });

  test('a report made for another head commit is refused, nothing posted', async () => {
    const before = gh.requests.length;
    const tampered = { ...saved, pullRequest: { number: PR_NUMBER, headSha: 'f'.repeat(40) } };
    await writeFile(path.join(artifacts, 'other-head.json'), JSON.stringify(tampered));
    const run = await runAction({
      repo,
      gh,
      workspace: artifacts,
      eventName: 'workflow_run',
      event: await workflowRunEvent(repo.shas.prHead),
      inputs: { mode: 'comment', reports: 'other-head.json' },
    });
    expect(run.exitCode).toBe(1);
    expect(errorOf(run.stdout)).toBe(
      `::error::the saved report was made for ffffffffffff, not for this run's head ${repo.shas.prHead.slice(0, 12)}: refusing to post it`,
    );
    expect(gh.requests.slice(before)).toEqual([]);
  });

  test('a run whose head is not the PR’s current head posts nothing', async () => {
    const before = gh.commentsOn(OWNER, REPO, PR_NUMBER).map((c) => `${c.id}:${c.updated_at}`);
    const stale = { ...saved, pullRequest: { number: PR_NUMBER, headSha: repo.shas.base } };
    await writeFile(path.join(artifacts, 'stale.json'), JSON.stringify(stale));
    const run = await runAction({
      repo,
      gh,
      workspace: artifacts,
      eventName: 'workflow_run',
      event: await workflowRunEvent(repo.shas.base),
      inputs: { mode: 'comment', reports: 'stale.json' },
    });
    expect(run.exitCode, logOf(run)).toBe(0);
    expect(unescapeCommand(run.stdout)).toMatch(
      /::warning::no open pull request has head [0-9a-f]{12}: the open pull request for forker:feature in acme\/shop \(#7\) is at [0-9a-f]{12}, not at the built commit/,
    );
    expect(gh.commentsOn(OWNER, REPO, PR_NUMBER).map((c) => `${c.id}:${c.updated_at}`)).toEqual(before);
  });

  test.each([
    [
      'a negative size',
      (r: Report) => {
        r.images[0]!.compressedBytes = -1;
      },
      /images\[0\]\.compressedBytes: /,
    ],
    [
      'a forged schema version',
      (r: Report) => {
        (r as { schemaVersion: number }).schemaVersion = 2;
      },
      /schemaVersion: expected schemaVersion 1/,
    ],
    [
      'a 10 kB image name',
      (r: Report) => {
        r.images[0]!.name = 'x'.repeat(10_000);
      },
      /images\[0\]\.name: /,
    ],
    [
      'a commit that is not a sha',
      (r: Report) => {
        r.pullRequest!.headSha = '$(curl evil)';
      },
      /pullRequest\.headSha: expected a full commit sha/,
    ],
  ])('a tampered report (%s) is refused with the file and field, nothing posted', async (_name, tamper, field) => {
    const before = gh.requests.length;
    const report = JSON.parse(savedText) as Report;
    tamper(report);
    await writeFile(path.join(artifacts, 'tampered.json'), JSON.stringify(report));
    const run = await runAction({
      repo,
      gh,
      workspace: artifacts,
      eventName: 'workflow_run',
      event: await workflowRunEvent(repo.shas.prHead),
      inputs: { mode: 'comment', reports: 'tampered.json' },
    });
    expect(run.exitCode).toBe(1);
    const error = errorOf(run.stdout);
    expect(error).toContain(`report ${path.join(artifacts, 'tampered.json')}: `);
    expect(error).toMatch(field);
    expect(gh.requests.slice(before)).toEqual([]);
  });
});

describe('mode: comment and the override label', () => {
  const LABEL = 'image-budget:accept';
  let overReport = '';

  beforeAll(async () => {
    // A labelled fork PR over budget (tools: the busybox build stage, over its 1 MB max): its
    // pull_request run passes on the label, and saves the report.
    const measure = await runAction({
      repo,
      gh,
      eventName: 'pull_request',
      event: pullRequestEvent(repo, { number: 8, headOwner: 'labeller', labels: [LABEL], action: 'labeled' }),
      token: gh.tokens.forkReadOnly,
      inputs: { comment: 'off', config: '.github/tools-budget.yml' },
    });
    if (measure.exitCode !== 0) throw new Error(logOf(measure));
    expect((await readReport(measure)).images.map((e) => e.status)).toEqual(['over']);
    overReport = await readFile(measure.outputs.report ?? '', 'utf8');
    await writeFile(path.join(artifacts, 'over.json'), overReport);
  });

  /**
   * Posts the over-budget report as the pull_request run of PR `number` would have saved it: a
   * report names the PR it was made for, and mode: comment posts it to that PR only.
   */
  async function postFor(headOwner: string, number: number, pullRequests: unknown[] = []): Promise<ActionRun> {
    const report = JSON.parse(overReport) as { pullRequest?: { number: number } };
    expect(report.pullRequest?.number).toBe(8);
    await writeFile(path.join(artifacts, 'over.json'), JSON.stringify({ ...report, pullRequest: { ...report.pullRequest, number } }));
    const event = await workflowRunEvent(repo.shas.prHead);
    event.workflow_run.head_repository.owner.login = headOwner;
    event.workflow_run.head_repository.full_name = `${headOwner}/${REPO}`;
    event.workflow_run.pull_requests = pullRequests;
    return runAction({
      repo,
      gh,
      workspace: artifacts,
      eventName: 'workflow_run',
      event,
      inputs: { mode: 'comment', reports: 'over.json' },
    });
  }

  test('a labelled fork PR: the label read from the PR the lookup found applies, as in check mode', async () => {
    gh.addPull(OWNER, REPO, { number: 8, headOwner: 'labeller', headRef: repo.branch, headSha: repo.shas.prHead, labels: ['size', LABEL] });
    const run = await postFor('labeller', 8);
    expect(run.exitCode, logOf(run)).toBe(0);
    const body = gh.commentsOn(OWNER, REPO, 8)[0]?.body ?? '';
    expect(body).toContain('1 image: 1 over budget');
    expect(body).toContain(`🏷️ Label \`${LABEL}\` is applied: images over budget do not fail this check.`);
    expect(body).not.toContain('a maintainer can add the label');
    expect(run.stdout).toContain(`PR #8: an image is over budget, accepted by the override label \`${LABEL}\`.`);
  });

  test('the same report on a PR without the label: the comment offers it', async () => {
    gh.addPull(OWNER, REPO, { number: 9, headOwner: 'unlabelled', headRef: repo.branch, headSha: repo.shas.prHead, labels: ['size'] });
    const run = await postFor('unlabelled', 9);
    expect(run.exitCode, logOf(run)).toBe(0);
    const body = gh.commentsOn(OWNER, REPO, 9)[0]?.body ?? '';
    expect(body).toContain(`To accept the growth, a maintainer can add the label \`${LABEL}\`.`);
    expect(body).not.toContain('is applied');
  });

  test('a PR listed in workflow_run.pull_requests (no labels there): its labels are read from the API', async () => {
    gh.addPull(OWNER, REPO, { number: 10, headOwner: OWNER, headRef: 'same-repo', headSha: repo.shas.prHead, labels: [LABEL] });
    const before = gh.requestsTo('GET', /\/issues\/10\/labels$/).length;
    const run = await postFor(OWNER, 10, [
      { id: 10, number: 10, head: { ref: 'same-repo', sha: repo.shas.prHead }, base: { ref: 'main', sha: repo.shas.base } },
    ]);
    expect(run.exitCode, logOf(run)).toBe(0);
    expect(gh.requestsTo('GET', /\/issues\/10\/labels$/).length).toBe(before + 1);
    expect(gh.commentsOn(OWNER, REPO, 10)[0]?.body).toContain(`🏷️ Label \`${LABEL}\` is applied`);
  });
});

describe('mode: aggregate', () => {
  test('two matrix jobs’ reports: one merged verdict, one comment listing both', async () => {
    const jobs = await mkdtemp(path.join(os.tmpdir(), 'ib-prflow-matrix-'));
    try {
      const event = pullRequestEvent(repo, { number: PR_NUMBER, headOwner: OWNER });
      // Each matrix job measures its config and uploads its report, commenting nothing.
      const app = await runAction({
        repo,
        gh,
        eventName: 'pull_request',
        event,
        inputs: { comment: 'off', 'report-path': path.join(jobs, 'app', 'report.json') },
      });
      const tools = await runAction({
        repo,
        gh,
        eventName: 'pull_request',
        event,
        inputs: { comment: 'off', config: '.github/tools-budget.yml', 'report-path': path.join(jobs, 'tools', 'report.json') },
      });
      expect(app.exitCode, logOf(app)).toBe(0);
      // tools (the busybox build stage, ~1.1 MB + 5 MB) is over its 1 MB max.
      expect(tools.exitCode, logOf(tools)).toBe(1);
      const toolsReport = await readReport(tools);
      const appReport = await readReport(app);

      const commentsBefore = gh.commentsOn(OWNER, REPO, PR_NUMBER).length;
      const mergedPath = path.join(jobs, 'merged', 'report.json');
      const run = await runAction({
        repo,
        gh,
        eventName: 'pull_request',
        event,
        inputs: { mode: 'aggregate', reports: jobs, 'comment-key': 'matrix', 'report-path': mergedPath },
      });
      expect(run.exitCode, logOf(run)).toBe(1);
      expect(run.outputs['over-budget']).toBe('true');
      expect(run.stdout).toContain('aggregate: 2 report(s), 2 entries');
      expect(run.outputs.report).toBe(mergedPath);
      const merged = await readReport(run);
      expect(merged.images.map((e) => [e.name, e.target, e.status])).toEqual([
        ['app', 'runtime', 'ok'],
        ['tools', 'build', 'over'],
      ]);
      expect(merged.images[0]?.compressedBytes).toBe(appReport.images[0]?.compressedBytes);
      expect(merged.images[1]?.compressedBytes).toBe(toolsReport.images[0]?.compressedBytes);
      expect(merged.config).toBe('.github/image-budget.yml, .github/tools-budget.yml');

      const comments = gh.commentsOn(OWNER, REPO, PR_NUMBER);
      expect(comments).toHaveLength(commentsBefore + 1);
      const body = comments.find((c) => c.body?.startsWith(`${commentMarker('matrix')}\n`))?.body ?? '';
      expect(body).toContain('2 images: 1 over budget · 1 grew');
      expect(body).toMatch(/^\| \*\*app\*\* \| runtime \| /m);
      expect(body).toMatch(/^\| \*\*tools\*\* \| build \| .*❌\u00A0over \|$/m);
    } finally {
      await rm(jobs, { recursive: true, force: true });
    }
  });
});
