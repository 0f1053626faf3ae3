/**
 * A real git repository shaped like GitHub's checkout of a `pull_request` run:
 *
 *   main:    base ── mainTip            (mainTip: an unrelated commit that landed later)
 *              \         \
 *   feature:  prHead ──── merge         (HEAD, detached: what refs/pull/N/merge points at)
 *
 * `base` has the budget file and a multi-stage Dockerfile (FROM busybox:1.35, `runtime`
 * target FROM scratch); the PR adds a ~5 MB layer and changes another. `origin` is a bare
 * copy, so `git fetch origin …` works as on a runner. The matching event payload has the
 * frozen `base.sha` (the stale `base`), as GitHub sends it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Path (relative to the repo root) → content; `null` deletes the file. */
export type RepoFiles = Record<string, string | null>;

export const BUDGET_PATH = '.github/image-budget.yml';

/**
 * Line numbers matter: the PR fills the two `# assets` placeholder lines (5 and 10), so no
 * other instruction moves and the 5 MB layer is blamed on `Dockerfile:10`. app.bin is made
 * before app.conf is copied, so changing app.conf leaves app.bin's layer a cache hit.
 */
export const BASE_DOCKERFILE = [
  'FROM busybox:1.35 AS build',
  'WORKDIR /src',
  'RUN head -c 300000 /dev/urandom > /src/app.bin',
  'COPY app.conf /src/app.conf',
  '# assets',
  '',
  'FROM scratch AS runtime',
  'COPY --from=build /src/app.bin /app.bin',
  'COPY --from=build /src/app.conf /app.conf',
  '# assets',
  '',
].join('\n');

export const PR_DOCKERFILE = BASE_DOCKERFILE.replace('# assets', 'RUN head -c 5000000 /dev/urandom > /src/big.bin').replace(
  '# assets',
  'COPY --from=build /src/big.bin /big.bin',
);

/** The line of PR_DOCKERFILE whose layer grows the image by ~5 MB. */
export const GROWTH_LINE = 10;

export function budgetFile(budget: string): string {
  return [
    'version: 1',
    'images:',
    '  app:',
    '    context: .',
    '    target: runtime',
    '    budget:',
    ...budget.split('\n').map((l) => `      ${l}`),
    '',
  ].join('\n');
}

export const DEFAULT_BUDGET = budgetFile('max: 20MB\nmax-increase: 10MB');

export interface PullRequestRepoOptions {
  /** Files of the base commit (default: the budget file, Dockerfile, app.conf). */
  base?: RepoFiles;
  /** Changes of the PR commit (default: Dockerfile → PR_DOCKERFILE, app.conf changed). */
  pr?: RepoFiles;
  /** Changes of the unrelated commit main gets after the PR was opened. */
  mainAdvance?: RepoFiles;
  /** PR branch name. */
  branch?: string;
}

export interface PullRequestShas {
  /** main when the PR was opened: the event's frozen `pull_request.base.sha`. */
  base: string;
  /** main now: the merge commit's first parent. */
  mainTip: string;
  prHead: string;
  /** GitHub's `refs/pull/N/merge`; HEAD of the checkout, detached. */
  merge: string;
}

export interface PullRequestRepo {
  /** The checkout (the runner's GITHUB_WORKSPACE). */
  dir: string;
  /** The bare `origin`. */
  origin: string;
  branch: string;
  shas: PullRequestShas;
  cleanup(): void;
}

const GIT_ENV = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? tmpdir(),
  GIT_AUTHOR_NAME: 'Fixture',
  GIT_AUTHOR_EMAIL: 'fixture@example.com',
  GIT_COMMITTER_NAME: 'Fixture',
  GIT_COMMITTER_EMAIL: 'fixture@example.com',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function writeFiles(dir: string, files: RepoFiles): void {
  for (const [file, content] of Object.entries(files)) {
    const full = path.join(dir, file);
    if (content === null) rmSync(full, { force: true });
    else {
      mkdirSync(path.dirname(full), { recursive: true });
      writeFileSync(full, content);
    }
  }
}

function commitAll(dir: string, message: string): string {
  git(dir, 'add', '--all');
  git(dir, 'commit', '--quiet', '--allow-empty', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}

export function createPullRequestRepo(options: PullRequestRepoOptions = {}): PullRequestRepo {
  const root = mkdtempSync(path.join(tmpdir(), 'ib-prflow-git-'));
  const dir = path.join(root, 'work');
  const origin = path.join(root, 'origin.git');
  const branch = options.branch ?? 'feature';
  mkdirSync(dir);
  git(dir, 'init', '--quiet', '--initial-branch=main');

  writeFiles(dir, options.base ?? { [BUDGET_PATH]: DEFAULT_BUDGET, Dockerfile: BASE_DOCKERFILE, 'app.conf': 'mode=base\n' });
  const base = commitAll(dir, 'base');

  git(dir, 'checkout', '--quiet', '-b', branch);
  writeFiles(dir, options.pr ?? { Dockerfile: PR_DOCKERFILE, 'app.conf': 'mode=pr\nassets=big.bin\n' });
  const prHead = commitAll(dir, 'PR: add a 5 MB asset, change the config');

  git(dir, 'checkout', '--quiet', 'main');
  writeFiles(dir, options.mainAdvance ?? { 'README.md': 'Landed on main after the PR was opened.\n' });
  const mainTip = commitAll(dir, 'an unrelated change lands on main');

  // origin before the merge commit: like GitHub, whose branches never contain refs/pull/N/merge.
  git(root, 'clone', '--quiet', '--bare', dir, origin);
  git(dir, 'remote', 'add', 'origin', origin);
  git(dir, 'fetch', '--quiet', 'origin');

  git(dir, 'checkout', '--quiet', '--detach', mainTip);
  git(dir, 'merge', '--quiet', '--no-ff', '-m', `Merge ${prHead} into ${mainTip}`, branch);
  const merge = git(dir, 'rev-parse', 'HEAD');
  git(dir, 'push', '--quiet', 'origin', 'HEAD:refs/pull/1/merge');

  return {
    dir,
    origin,
    branch,
    shas: { base, mainTip, prHead, merge },
    cleanup: () => {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export interface PullRequestEventOptions {
  action?: 'opened' | 'synchronize' | 'labeled' | 'reopened';
  number?: number;
  labels?: string[];
  /** Owner of the head repository (a fork's owner); `acme` is the base repository's. */
  headOwner?: string;
}

function repository(owner: string) {
  return {
    id: 100,
    node_id: 'R_1',
    name: 'shop',
    full_name: `${owner}/shop`,
    private: false,
    owner: { login: owner, id: 1, type: 'Organization' },
    html_url: `https://github.com/${owner}/shop`,
    fork: owner !== 'acme',
    default_branch: 'main',
  };
}

/** The `pull_request` payload GitHub sends for `repo`'s PR (GITHUB_REPOSITORY=acme/shop). */
export function pullRequestEvent(repo: PullRequestRepo, options: PullRequestEventOptions = {}) {
  const number = options.number ?? 1;
  const headOwner = options.headOwner ?? 'acme';
  const labels = (options.labels ?? []).map((name, i) => ({ id: 7 + i, name, color: 'ededed', default: false }));
  const event: Record<string, unknown> = {
    action: options.action ?? 'opened',
    number,
    pull_request: {
      url: `https://api.github.com/repos/acme/shop/pulls/${number}`,
      id: 4200 + number,
      number,
      state: 'open',
      title: 'Add a 5 MB asset',
      user: { login: 'octocat', id: 583231, type: 'User' },
      body: '',
      labels,
      head: {
        label: `${headOwner}:${repo.branch}`,
        ref: repo.branch,
        sha: repo.shas.prHead,
        user: { login: headOwner },
        repo: repository(headOwner),
      },
      base: { label: 'acme:main', ref: 'main', sha: repo.shas.base, user: { login: 'acme' }, repo: repository('acme') },
      merge_commit_sha: repo.shas.merge,
      draft: false,
      merged: false,
    },
    repository: repository('acme'),
    sender: { login: 'octocat', id: 583231, type: 'User' },
  };
  if (options.action === 'labeled' && options.labels?.[0]) event.label = labels[labels.length - 1];
  return event;
}

/**
 * A new push to the PR branch (a `synchronize`): commits `files` on the branch and checks out
 * the new merge commit onto main's tip, as GitHub does. Updates `repo.shas` in place.
 */
export function pushToPullRequest(repo: PullRequestRepo, files: RepoFiles, message = 'PR: another change'): PullRequestShas {
  git(repo.dir, 'checkout', '--quiet', repo.branch);
  writeFiles(repo.dir, files);
  const prHead = commitAll(repo.dir, message);
  git(repo.dir, 'push', '--quiet', 'origin', repo.branch);
  git(repo.dir, 'checkout', '--quiet', '--detach', repo.shas.mainTip);
  git(repo.dir, 'merge', '--quiet', '--no-ff', '-m', `Merge ${prHead} into ${repo.shas.mainTip}`, repo.branch);
  const merge = git(repo.dir, 'rev-parse', 'HEAD');
  git(repo.dir, 'push', '--quiet', '--force', 'origin', 'HEAD:refs/pull/1/merge');
  repo.shas.prHead = prHead;
  repo.shas.merge = merge;
  return repo.shas;
}
