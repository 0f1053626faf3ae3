/**
 * Budget verdicts through the whole PR flow: a delta budget failing the step, the override
 * label turning it into a pass without hiding it, and budgets read from the base branch.
 */
import { inlineText } from '../../../src/report/escape.js';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../../support/fake-github.js';
import {
  BASE_DOCKERFILE,
  BUDGET_PATH,
  budgetFile,
  createPullRequestRepo,
  PR_DOCKERFILE,
  pullRequestEvent,
  pushToPullRequest,
  type PullRequestRepo,
} from '../../support/git-fixture.js';
import { logOf, OWNER, readReport, removeRunnerDirs, REPO, runAction, unescapeCommand } from './helpers.js';

let gh: FakeGitHub;
const repos: PullRequestRepo[] = [];

beforeAll(async () => {
  gh = await startFakeGitHub();
});

afterAll(async () => {
  await removeRunnerDirs();
  await gh?.stop();
  for (const repo of repos) repo.cleanup();
});

function repoWith(baseBudget: string, prBudget?: string): PullRequestRepo {
  const repo = createPullRequestRepo({
    base: { [BUDGET_PATH]: budgetFile(baseBudget), Dockerfile: BASE_DOCKERFILE, 'app.conf': 'mode=base\n' },
    pr: {
      Dockerfile: PR_DOCKERFILE,
      'app.conf': 'mode=pr\nassets=big.bin\n',
      ...(prBudget ? { [BUDGET_PATH]: budgetFile(prBudget) } : {}),
    },
  });
  repos.push(repo);
  return repo;
}

describe('over budget (max-increase), then the override label', () => {
  test('exit 1 over budget; the labeled re-run passes with the note, the report still says over', async () => {
    const repo = repoWith('max: 20MB\nmax-increase: 2MB');
    gh.addPull(OWNER, REPO, { number: 3, headOwner: OWNER, headRef: repo.branch, headSha: repo.shas.prHead });

    const over = await runAction({ repo, gh, eventName: 'pull_request', event: pullRequestEvent(repo, { number: 3 }) });
    expect(over.exitCode, logOf(over)).toBe(1);
    expect(over.outputs['over-budget']).toBe('true');
    expect(over.stdout).toMatch(/^::error::image-budget: an image is over budget/m);
    const overReport = await readReport(over);
    expect(overReport.overBudget).toBe(true);
    const finding = overReport.images[0]?.findings.find((f) => f.rule === 'max-increase');
    expect(finding?.message).toMatch(/^compressed \+5(\.\d+)? MB \(\+\d+(\.\d+)?%\) > max-increase 2 MB$/);
    const [comment] = gh.commentsOn(OWNER, REPO, 3);
    expect(comment?.body).toContain('1 image: 1 over budget');
    expect(comment?.body).toContain('To accept the growth, a maintainer can add the label `image-budget:accept`.');
    expect(comment?.body).toContain(`- ❌ ${inlineText(finding!.message)}`);

    const labeled = await runAction({
      repo,
      gh,
      eventName: 'pull_request',
      event: pullRequestEvent(repo, { number: 3, action: 'labeled', labels: ['image-budget:accept'] }),
    });
    expect(labeled.exitCode, logOf(labeled)).toBe(0);
    expect(labeled.stdout).toMatch(/^::warning::image-budget: an image is over budget, accepted by the override label/m);
    expect(labeled.outputs['over-budget']).toBe('true');
    const labeledReport = await readReport(labeled);
    expect(labeledReport.overBudget).toBe(true);
    expect(labeledReport.images[0]?.status).toBe('over');

    const comments = gh.commentsOn(OWNER, REPO, 3);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.id).toBe(comment?.id);
    expect(comments[0]?.body).toContain('🏷️ Label `image-budget:accept` is applied: images over budget do not fail this check.');
    expect(comments[0]?.body).toContain('1 image: 1 over budget');
    expect(comments[0]?.body).not.toContain('a maintainer can add the label');
  });
});

describe('budgets come from the base branch', () => {
  test('a PR raising its own max still fails, and the comment shows the change', async () => {
    const repo = repoWith('max: 3MB', 'max: 10MB');
    gh.addPull(OWNER, REPO, { number: 4, headOwner: OWNER, headRef: repo.branch, headSha: repo.shas.prHead });

    const run = await runAction({ repo, gh, eventName: 'pull_request', event: pullRequestEvent(repo, { number: 4 }) });
    expect(run.exitCode, logOf(run)).toBe(1);
    expect(run.outputs['over-budget']).toBe('true');
    const report = await readReport(run);
    const [entry] = report.images;
    expect(entry?.budget.max).toEqual({ compressed: 3_000_000 });
    expect(entry?.findings.map((f) => f.rule)).toContain('max.compressed');
    expect(report.budgetChanges).toEqual([
      { image: 'app', target: null, platform: null, field: 'max.compressed', label: 'max', from: '3 MB', to: '10 MB' },
    ]);

    const [comment] = gh.commentsOn(OWNER, REPO, 4);
    expect(comment?.body).toContain('**Budgets changed in this PR**');
    expect(comment?.body).toMatch(
      /- \*\*app\*\* max 3 MB → 10 MB: ✅ 5\.\d+ MB ≤ 10 MB under this PR's budget — applies once merged, or now with the label `image-budget:accept`\./,
    );
    expect(comment?.body).toMatch(/❌ compressed 5\.\d+ MB \\> max 3 MB/);

    // With the override label the PR's own budget applies at once: it passes, and says why.
    const labeled = await runAction({
      repo,
      gh,
      eventName: 'pull_request',
      event: pullRequestEvent(repo, { number: 4, action: 'labeled', labels: ['image-budget:accept'] }),
    });
    expect(labeled.exitCode, logOf(labeled)).toBe(0);
    expect((await readReport(labeled)).images[0]?.budget.max).toEqual({ compressed: 10_000_000 });
    const [updated] = gh.commentsOn(OWNER, REPO, 4);
    expect(updated?.body).toMatch(/- \*\*app\*\* max 3 MB → 10 MB: ✅ .* — applies now: the label `image-budget:accept` is on this PR\./);
    expect(updated?.body).not.toContain('once merged');
  });
});

describe('budgets come from the base branch in every baseline mode', () => {
  test.each(['none', 'report'])('baseline: %s — a PR raising its own max still fails, with the budget change row', async (mode) => {
    const repo = repoWith('max: 3MB', 'max: 10MB');
    const number = mode === 'none' ? 5 : 6;
    gh.addPull(OWNER, REPO, { number, headOwner: OWNER, headRef: repo.branch, headSha: repo.shas.prHead });
    // A report saved on main: it holds sizes only, the budgets are read from git.
    const saved = path.join(repo.dir, '..', 'saved-report.json');
    await writeFile(
      saved,
      JSON.stringify({
        schemaVersion: 1,
        commit: repo.shas.mainTip,
        images: [
          { name: 'app', target: 'runtime', platform: 'linux/amd64', compressedBytes: 300_000, uncompressedBytes: 300_000, status: 'ok' },
        ],
      }),
    );
    const inputs: Record<string, string> = mode === 'report' ? { baseline: 'report', 'baseline-report': saved } : { baseline: 'none' };

    const run = await runAction({ repo, gh, eventName: 'pull_request', event: pullRequestEvent(repo, { number }), inputs });
    expect(run.exitCode, logOf(run)).toBe(1);
    const report = await readReport(run);
    expect(report.baseline?.mode).toBe(mode);
    const [entry] = report.images;
    expect(entry?.budget.max).toEqual({ compressed: 3_000_000 });
    expect(entry?.status).toBe('over');
    expect(report.budgetChanges).toEqual([
      { image: 'app', target: null, platform: null, field: 'max.compressed', label: 'max', from: '3 MB', to: '10 MB' },
    ]);
    const [comment] = gh.commentsOn(OWNER, REPO, number);
    expect(comment?.body).toMatch(/- \*\*app\*\* max 3 MB → 10 MB: ✅ .* — applies once merged/);
    expect(comment?.body).toMatch(/❌ compressed 5\.\d+ MB \\> max 3 MB/);
  });

  test('an invalid budget file on the base: the PR’s budgets apply, said in a warning and in the note', async () => {
    const repo = repoWith('max: lots', 'max: 10MB');
    gh.addPull(OWNER, REPO, { number: 8, headOwner: OWNER, headRef: repo.branch, headSha: repo.shas.prHead });

    const run = await runAction({
      repo,
      gh,
      eventName: 'pull_request',
      event: pullRequestEvent(repo, { number: 8 }),
      inputs: { baseline: 'none' },
    });
    expect(run.exitCode, logOf(run)).toBe(0);
    const warning = run.stdout
      .split('\n')
      .filter((l) => l.startsWith('::warning'))
      .map(unescapeCommand)
      .find((l) => l.includes('budget file'));
    expect(warning, logOf(run)).toContain(
      `the base branch's budget file (${BUDGET_PATH} at the base commit ${repo.shas.mainTip.slice(0, 7)}) is invalid`,
    );
    expect(warning).toMatch(new RegExp(`${BUDGET_PATH.replace('.', '\\.')}:7:\\d+ images\\.app\\.budget\\.max`));
    const report = await readReport(run);
    expect(report.images[0]?.budget.max).toEqual({ compressed: 10_000_000 });
    expect(report.budgetChanges).toEqual([]);
    expect(report.baseline?.note).toContain(
      `${BUDGET_PATH} at the base commit ${repo.shas.mainTip.slice(0, 7)} is invalid, so the PR's own budgets apply`,
    );
    const [comment] = gh.commentsOn(OWNER, REPO, 8);
    expect(comment?.body).toContain("is invalid, so the PR's own budgets apply");
  });
});

describe('a PR that renames an image', () => {
  test('escapes the base budget, and the note says so', async () => {
    const repo = repoWith('max: 3MB', 'max: 10MB');
    // The same image under a new name: the PR's budget file is the only one that knows it.
    pushToPullRequest(repo, { [BUDGET_PATH]: budgetFile('max: 10MB').replace('  app:', '  app-v2:') }, 'PR: rename app');
    gh.addPull(OWNER, REPO, { number: 9, headOwner: OWNER, headRef: repo.branch, headSha: repo.shas.prHead });

    const run = await runAction({
      repo,
      gh,
      eventName: 'pull_request',
      event: pullRequestEvent(repo, { number: 9 }),
      inputs: { baseline: 'none' },
    });
    expect(run.exitCode, logOf(run)).toBe(0);
    const report = await readReport(run);
    expect(report.images.map((e) => e.name)).toEqual(['app-v2']);
    expect(report.baseline?.note).toContain(
      "app is not in this PR's budget file, so the base budget of app no longer applies; app-v2 is new in this PR",
    );
    expect(gh.commentsOn(OWNER, REPO, 9)[0]?.body).toContain('so the base budget of app no longer applies');
  });
});

describe('a PR that switches the layer analysis off', () => {
  test('is still analysed against the base budget (forbid fails it), and the switch is a budget change row', async () => {
    const budget = 'max: 20MB\nforbid: [runs-as-root]';
    const repo = repoWith(budget);
    pushToPullRequest(
      repo,
      { [BUDGET_PATH]: budgetFile(budget).replace('    budget:', '    analyze: false\n    budget:') },
      'PR: analyze off',
    );
    gh.addPull(OWNER, REPO, { number: 10, headOwner: OWNER, headRef: repo.branch, headSha: repo.shas.prHead });

    const run = await runAction({
      repo,
      gh,
      eventName: 'pull_request',
      event: pullRequestEvent(repo, { number: 10 }),
      inputs: { baseline: 'none' },
    });
    expect(run.exitCode, logOf(run)).toBe(1);
    const report = await readReport(run);
    const [entry] = report.images;
    expect(entry?.analysis).toBeDefined();
    expect(entry?.findings.map((f) => f.rule)).toContain('forbid.runs-as-root');
    expect(report.budgetChanges).toEqual([
      { image: 'app', target: null, platform: null, field: 'analyze', label: 'analyze', from: 'on', to: 'off' },
    ]);
    expect(gh.commentsOn(OWNER, REPO, 10)[0]?.body).toContain('- **app** analyze on → off: checked once it applies');

    // With the override label the PR's switch applies: no analysis, so forbid is not checked (and says so).
    const labeled = await runAction({
      repo,
      gh,
      eventName: 'pull_request',
      event: pullRequestEvent(repo, { number: 10, action: 'labeled', labels: ['image-budget:accept'] }),
      inputs: { baseline: 'none' },
    });
    expect(labeled.exitCode, logOf(labeled)).toBe(0);
    const labeledEntry = (await readReport(labeled)).images[0];
    expect(labeledEntry?.analysis).toBeUndefined();
    expect(labeledEntry?.notes?.join('\n')).toMatch(/forbid not checked/);
  });
});
