/**
 * A throwaway "GitHub" repository: main with a base commit, a PR branch that adds a 5 MB layer
 * and changes another, main advanced after the PR was opened, and the merge commit GitHub
 * would check out for the PR (first parent: main as it is now, second: the PR head).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { git } from '../../support/git-fixture.js';

export { git };

export interface GitFixture {
  root: string;
  origin: string;
  /** file:// URL of origin, so clones negotiate like a remote (shallow works). */
  url: string;
  /** main when the PR was opened: the stale pull_request.base.sha. */
  staleBase: string;
  /** main now, after another PR landed. */
  currentBase: string;
  prHead: string;
  merge: string;
  cleanup: () => void;
}

export function createGitFixture(): GitFixture {
  const root = mkdtempSync(path.join(tmpdir(), 'ib-baseline-git-'));
  const origin = path.join(root, 'origin');
  git(root, 'init', '--quiet', '--initial-branch=main', origin);
  const write = (file: string, content: string | Buffer) => {
    writeFileSync(path.join(origin, file), content);
  };

  write('Dockerfile', 'FROM busybox:1.35\nCOPY app.conf /etc/app.conf\nCOPY small.bin /small.bin\n');
  write('app.conf', 'mode=base\n');
  write('small.bin', randomBytes(64 * 1024));
  write('image-budget.yml', 'version: 1\nimages:\n  app:\n    context: .\n    budget:\n      max: 10MB\n');
  git(origin, 'add', '.');
  git(origin, 'commit', '--quiet', '-m', 'base');
  const staleBase = git(origin, 'rev-parse', 'HEAD');

  git(origin, 'checkout', '--quiet', '-b', 'feature');
  write('Dockerfile', 'FROM busybox:1.35\nCOPY app.conf /etc/app.conf\nCOPY small.bin /small.bin\nCOPY big.bin /big.bin\n');
  write('app.conf', 'mode=pr\nextra=1\n');
  write('big.bin', randomBytes(5 * 1024 * 1024));
  git(origin, 'add', '.');
  git(origin, 'commit', '--quiet', '-m', 'PR: add a 5 MB layer, change the config');
  const prHead = git(origin, 'rev-parse', 'HEAD');

  git(origin, 'checkout', '--quiet', 'main');
  write('README.md', 'landed on main after the PR was opened\n');
  git(origin, 'add', '.');
  git(origin, 'commit', '--quiet', '-m', 'another PR landed');
  const currentBase = git(origin, 'rev-parse', 'HEAD');

  // What GitHub stores as refs/pull/1/merge.
  git(origin, 'checkout', '--quiet', '--detach', currentBase);
  git(origin, 'merge', '--quiet', '--no-ff', '-m', `Merge ${prHead} into ${currentBase}`, 'feature');
  const merge = git(origin, 'rev-parse', 'HEAD');
  git(origin, 'update-ref', 'refs/pull/1/merge', merge);
  git(origin, 'branch', 'pr-1-merge', merge);
  git(origin, 'checkout', '--quiet', 'main');

  return {
    root,
    origin,
    url: `file://${origin}`,
    staleBase,
    currentBase,
    prHead,
    merge,
    cleanup: () => {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The event GitHub sends for the PR, with the base.sha frozen at opening time. */
export function pullRequestEvent(fixture: GitFixture, baseRef = 'main') {
  return {
    name: 'pull_request',
    payload: {
      action: 'synchronize',
      number: 1,
      pull_request: {
        number: 1,
        merge_commit_sha: fixture.merge,
        head: { ref: 'feature', sha: fixture.prHead },
        base: { ref: baseRef, sha: fixture.staleBase },
      },
    },
  };
}
