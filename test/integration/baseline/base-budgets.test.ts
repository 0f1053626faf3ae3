/**
 * Budgets come from the base branch in every baseline mode: the budget file is read from git
 * at the base commit (never from the working copy or a saved report). No build runs here.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { baselineOptions, measureBaseline, type BaselineMode } from '../../../src/sources/base-source.js';
import { loadBudgetFile } from '../../../src/config/load-budget-file.js';
import { createMemoryLogger } from '../../../src/logger.js';
import {
  BASE_DOCKERFILE,
  BUDGET_PATH,
  budgetFile,
  createPullRequestRepo,
  PR_DOCKERFILE,
  pullRequestEvent,
  type PullRequestRepo,
  type RepoFiles,
} from '../../support/git-fixture.js';

const repos: PullRequestRepo[] = [];
const dirs: string[] = [];

afterAll(() => {
  for (const repo of repos) repo.cleanup();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function repoWith(base: RepoFiles, pr: RepoFiles): PullRequestRepo {
  const repo = createPullRequestRepo({
    base: { Dockerfile: BASE_DOCKERFILE, 'app.conf': 'mode=base\n', ...base },
    pr: { Dockerfile: PR_DOCKERFILE, ...pr },
  });
  repos.push(repo);
  return repo;
}

async function baselineOf(workdir: string, mode: BaselineMode, extra: Parameters<typeof baselineOptions>[1] = {}) {
  const logger = createMemoryLogger();
  return measureBaseline(baselineOptions(mode, extra), {
    head: await loadBudgetFile(BUDGET_PATH, { workdir }),
    configPath: BUDGET_PATH,
    workdir,
    build: {
      workDir: path.join(workdir, '..', 'scratch'),
      parallel: 1,
      logger,
      cache: { buildxVersion: '0.13.1', driver: 'docker', cacheExport: true, ghaCredentials: false },
    },
  });
}

const event = (repo: PullRequestRepo) => ({ name: 'pull_request', payload: pullRequestEvent(repo) });

describe('the base budget file, read from git at the base commit', () => {
  test('baseline: none on a pull_request: the base’s budgets, read at the merge commit’s first parent', async () => {
    const repo = repoWith({ [BUDGET_PATH]: budgetFile('max: 3MB') }, { [BUDGET_PATH]: budgetFile('max: 10MB') });
    const result = await baselineOf(repo.dir, 'none', { event: event(repo), headSha: repo.shas.merge });
    expect(result.budgetFile?.images[0]?.budget.max).toEqual({ compressed: 3_000_000 });
    expect(result.budgetWarning).toBeNull();
    expect(result.note).toBe('no baseline (baseline: none): delta budgets skipped');
  });

  test('no budget file on the base (first run): none, and nothing to warn about', async () => {
    const repo = repoWith({}, { [BUDGET_PATH]: budgetFile('max: 10MB') });
    const result = await baselineOf(repo.dir, 'none', { event: event(repo), headSha: repo.shas.merge });
    expect(result.budgetFile).toBeNull();
    expect(result.budgetWarning).toBeNull();
  });

  test('an invalid base budget file is not silently replaced: a warning and a note with file, line and field', async () => {
    const repo = repoWith({ [BUDGET_PATH]: budgetFile('max: lots') }, { [BUDGET_PATH]: budgetFile('max: 10MB') });
    const result = await baselineOf(repo.dir, 'none', { event: event(repo), headSha: repo.shas.merge });
    const short = repo.shas.mainTip.slice(0, 7);
    expect(result.budgetFile).toBeNull();
    expect(result.budgetWarning).toContain(
      `the base branch's budget file (${BUDGET_PATH} at the base commit ${short}) is invalid, so the PR's own budgets apply`,
    );
    expect(result.budgetWarning).toContain(`${BUDGET_PATH}:7:`);
    expect(result.budgetWarning).toContain('images.app.budget.max');
    expect(result.note).toContain(
      `; ${BUDGET_PATH} at the base commit ${short} is invalid, so the PR's own budgets apply: ${BUDGET_PATH}:7:`,
    );
  });

  test('baseline: report without an event: the saved report’s commit names the base, git gives the budgets', async () => {
    const repo = repoWith({ [BUDGET_PATH]: budgetFile('max: 3MB') }, { [BUDGET_PATH]: budgetFile('max: 10MB') });
    const saved = path.join(repo.dir, '..', 'saved.json');
    // The report cannot bring budgets of its own: only its commit is used, and only to find the file in git.
    writeFileSync(saved, JSON.stringify({ schemaVersion: 1, commit: repo.shas.base, images: [] }));
    const result = await baselineOf(repo.dir, 'report', { reportPath: saved });
    expect(result.commit).toBe(repo.shas.base);
    expect(result.budgetFile?.images[0]?.budget.max).toEqual({ compressed: 3_000_000 });
  });

  test('no git history at all: the note says so', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ib-no-git-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'Dockerfile'), BASE_DOCKERFILE);
    mkdirSync(path.join(dir, path.dirname(BUDGET_PATH)), { recursive: true });
    writeFileSync(path.join(dir, BUDGET_PATH), budgetFile('max: 10MB'));
    const result = await baselineOf(dir, 'none', { event: { name: 'pull_request', payload: { pull_request: { base: { ref: 'main' } } } } });
    expect(result.budgetFile).toBeNull();
    expect(result.note).toBe(
      `no baseline (baseline: none): delta budgets skipped; no base commit to read the budgets from (no git history: ${dir} is not in a git checkout), so the PR's own budgets apply`,
    );
  });
});
