import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { resolveBaseCommit } from '../../../src/baseline/base-commit.js';
import { withBaseWorktree } from '../../../src/baseline/worktree.js';
import { createGitFixture, git, pullRequestEvent, type GitFixture } from './git-fixture.js';

let fixture: GitFixture;
let clones = 0;

beforeAll(() => {
  fixture = createGitFixture();
});
afterAll(() => {
  fixture?.cleanup();
});

/** A checkout like actions/checkout's: refs/pull/1/merge, full or depth 1. */
function checkoutMerge(depth: number | null): string {
  const dir = path.join(fixture.root, `checkout-${++clones}`);
  git(fixture.root, 'init', '--quiet', dir);
  git(dir, 'remote', 'add', 'origin', fixture.url);
  const depthArgs = depth === null ? [] : [`--depth=${depth}`];
  git(dir, 'fetch', '--quiet', '--no-tags', ...depthArgs, 'origin', '+refs/pull/1/merge:refs/remotes/pull/1/merge');
  git(dir, 'checkout', '--quiet', '--detach', 'refs/remotes/pull/1/merge');
  return dir;
}

function clone(...args: string[]): string {
  const dir = path.join(fixture.root, `clone-${++clones}`);
  git(fixture.root, 'clone', '--quiet', ...args, fixture.url, dir);
  return dir;
}

describe('resolveBaseCommit', () => {
  test('PR merge commit: the first parent (main now), not the stale base.sha', async () => {
    const dir = checkoutMerge(null);
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(fixture.merge);
    const resolved = await resolveBaseCommit(dir, { event: pullRequestEvent(fixture), headSha: fixture.merge });
    expect(resolved).toMatchObject({ commit: fixture.currentBase, method: 'merge-parent' });
    expect(resolved.commit).not.toBe(fixture.staleBase);
  });

  test('shallow checkout (depth 1) of the merge commit: the parent is fetched and the worktree materialises', async () => {
    const dir = checkoutMerge(1);
    expect(git(dir, 'rev-parse', '--is-shallow-repository')).toBe('true');
    expect(() => git(dir, 'cat-file', '-e', `${fixture.currentBase}^{commit}`)).toThrow();
    const resolved = await resolveBaseCommit(dir, { event: pullRequestEvent(fixture) });
    expect(resolved).toMatchObject({ commit: fixture.currentBase, method: 'merge-parent' });
    const seen = await withBaseWorktree(dir, resolved.commit!, async (worktree) => ({
      head: git(worktree, 'rev-parse', 'HEAD'),
      dockerfile: readFileSync(path.join(worktree, 'Dockerfile'), 'utf8'),
      conf: readFileSync(path.join(worktree, 'app.conf'), 'utf8'),
      readme: existsSync(path.join(worktree, 'README.md')),
      big: existsSync(path.join(worktree, 'big.bin')),
      budget: existsSync(path.join(worktree, 'image-budget.yml')),
    }));
    expect(seen).toEqual({
      head: fixture.currentBase,
      dockerfile: 'FROM busybox:1.35\nCOPY app.conf /etc/app.conf\nCOPY small.bin /small.bin\n',
      conf: 'mode=base\n',
      readme: true,
      big: false,
      budget: true,
    });
  });

  test('git clone --depth=1 of the merge branch resolves too', async () => {
    const dir = clone('--depth=1', '--branch', 'pr-1-merge');
    const resolved = await resolveBaseCommit(dir, { event: pullRequestEvent(fixture) });
    expect(resolved).toMatchObject({ commit: fixture.currentBase, method: 'merge-parent' });
  });

  test('PR head checked out (no merge commit): merge base with origin/main', async () => {
    const dir = clone('--branch', 'feature');
    const resolved = await resolveBaseCommit(dir, { event: pullRequestEvent(fixture) });
    expect(resolved).toMatchObject({ commit: fixture.staleBase, method: 'merge-base' });
  });

  test('shallow single-branch clone of the PR head: origin/main is fetched and deepened to the fork point', async () => {
    const dir = clone('--depth=1', '--branch', 'feature');
    expect(() => git(dir, 'rev-parse', '--verify', 'refs/remotes/origin/main')).toThrow();
    const resolved = await resolveBaseCommit(dir, { event: pullRequestEvent(fixture) });
    expect(resolved).toMatchObject({ commit: fixture.staleBase, method: 'merge-base' });
  });

  test('base branch missing on the remote: falls back to pull_request.base.sha', async () => {
    const dir = clone('--branch', 'feature');
    const resolved = await resolveBaseCommit(dir, { event: pullRequestEvent(fixture, 'no-such-branch') });
    expect(resolved).toMatchObject({ commit: fixture.staleBase, method: 'base-sha' });
    expect(resolved.detail).toMatch(/may be stale/);
  });

  test('--base REF: rev-parse, or fetch it when a shallow clone lacks it', async () => {
    const full = clone();
    expect(await resolveBaseCommit(full, { base: 'main~1' })).toMatchObject({ commit: fixture.staleBase, method: 'ref' });
    const shallow = clone('--depth=1', '--branch', 'feature');
    expect(await resolveBaseCommit(shallow, { base: 'main' })).toMatchObject({ commit: fixture.currentBase, method: 'ref' });
    await expect(resolveBaseCommit(full, { base: 'no-such-ref' })).rejects.toThrow(
      /--base no-such-ref: not a commit in .*git fetch origin no-such-ref` failed/,
    );
  });

  test('push: the previous tip, fetched in a shallow clone', async () => {
    const dir = clone('--depth=1');
    const event = { name: 'push', payload: { ref: 'refs/heads/main', before: fixture.staleBase, after: fixture.currentBase } };
    expect(await resolveBaseCommit(dir, { event })).toMatchObject({ commit: fixture.staleBase, method: 'event-commit' });
  });

  test('git failures name the command', async () => {
    await expect(resolveBaseCommit(fixture.root)).rejects.toThrow(/`git rev-parse HEAD` failed in .*ib-baseline-git-/);
  });
});

describe('withBaseWorktree', () => {
  test('removes the worktree when fn throws, and passes the error on', async () => {
    const dir = clone();
    let seenDir = '';
    await expect(
      withBaseWorktree(dir, fixture.staleBase, async (worktree) => {
        seenDir = worktree;
        expect(existsSync(path.join(worktree, 'Dockerfile'))).toBe(true);
        throw new Error('build failed on purpose');
      }),
    ).rejects.toThrow('build failed on purpose');
    expect(seenDir).not.toBe('');
    expect(existsSync(seenDir)).toBe(false);
    expect(existsSync(path.dirname(seenDir))).toBe(false);
    expect(git(dir, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
  });

  test('a worktree that `worktree remove` refuses is still removed, git record and all', async () => {
    const dir = clone();
    let seenDir = '';
    await withBaseWorktree(dir, fixture.currentBase, async (worktree) => {
      seenDir = worktree;
      // Without its `.git` file, `git worktree remove` fails validation: the prune path cleans up.
      await rm(path.join(worktree, '.git'));
    });
    expect(existsSync(seenDir)).toBe(false);
    expect(git(dir, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
  });

  test("returns fn's value and cleans up; a bad commit is a clear error", async () => {
    const dir = clone();
    expect(await withBaseWorktree(dir, fixture.currentBase, async (worktree) => existsSync(path.join(worktree, 'README.md')))).toBe(true);
    expect(git(dir, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
    await expect(withBaseWorktree(dir, 'f'.repeat(40), async () => 1)).rejects.toThrow(/`git worktree add --detach .* f{40}` failed/);
  });
});

describe('withBaseWorktree with paths: a sparse checkout of what the base build reads', () => {
  /** A monorepo in miniature: one service, an unrelated tree, file names that are glob patterns. */
  function monorepo(): { dir: string; commit: string } {
    const dir = path.join(fixture.root, `mono-${++clones}`);
    git(fixture.root, 'init', '--quiet', '--initial-branch=main', dir);
    const files: Record<string, string> = {
      'svc/Dockerfile': 'FROM scratch\nCOPY app.txt /\n',
      'svc/app.txt': 'app\n',
      'svc/.dockerignore': '*.md\n',
      'other/big.txt': 'unrelated\n',
      'other/deep/more.txt': 'unrelated\n',
      'lit[1]*.txt': 'a file whose name is a glob\n',
      'lit1a.txt': 'what the glob would match\n',
      '.github/image-budget.yml': 'version: 1\n',
    };
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), content);
    }
    git(dir, 'add', '-A');
    git(dir, 'commit', '--quiet', '-m', 'monorepo');
    return { dir, commit: git(dir, 'rev-parse', 'HEAD') };
  }

  test('only the named paths are checked out, the worktree reads clean, the repository config is untouched', async () => {
    const { dir, commit } = monorepo();
    const configBefore = git(dir, 'config', '--list', '--local');
    const seen = await withBaseWorktree(
      dir,
      commit,
      async (worktree) => ({
        files: git(worktree, 'ls-files', '--cached', '-t')
          .split('\n')
          .filter((line) => line.startsWith('H '))
          .map((line) => line.slice(2))
          .sort(),
        onDisk: ['svc/Dockerfile', 'svc/app.txt', 'svc/.dockerignore', 'lit[1]*.txt', 'other/big.txt', 'lit1a.txt'].filter((f) =>
          existsSync(path.join(worktree, f)),
        ),
        status: git(worktree, 'status', '--porcelain'),
        head: git(worktree, 'rev-parse', 'HEAD'),
      }),
      ['svc', 'svc/Dockerfile', 'svc/Dockerfile.dockerignore', '.github/image-budget.yml', 'lit[1]*.txt'],
    );
    expect(seen.onDisk).toEqual(['svc/Dockerfile', 'svc/app.txt', 'svc/.dockerignore', 'lit[1]*.txt']);
    expect(seen.files).toEqual(['.github/image-budget.yml', 'lit[1]*.txt', 'svc/.dockerignore', 'svc/Dockerfile', 'svc/app.txt']);
    expect(seen.status).toBe('');
    expect(seen.head).toBe(commit);
    expect(git(dir, 'config', '--list', '--local')).toBe(configBefore);
    expect(git(dir, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });

  test('a path that is the repository root checks out everything', async () => {
    const { dir, commit } = monorepo();
    const seen = await withBaseWorktree(dir, commit, async (worktree) => existsSync(path.join(worktree, 'other/deep/more.txt')), [
      'svc',
      '.',
    ]);
    expect(seen).toBe(true);
  });

  test('paths that name nothing on the base (an image new in the PR) give an empty checkout, not an error', async () => {
    const { dir, commit } = monorepo();
    const seen = await withBaseWorktree(dir, commit, async (worktree) => existsSync(path.join(worktree, 'svc')), ['new-service']);
    expect(seen).toBe(false);
  });
});
