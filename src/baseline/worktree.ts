/**
 * The base commit checked out beside the working copy, so the same image definitions can be
 * built there without touching the PR's files. Always removed afterwards, also on error.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runGit, tryGit } from './git.js';

export async function withBaseWorktree<T>(repoDir: string, commit: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const parent = await mkdtemp(path.join(tmpdir(), 'image-budget-base-'));
  const dir = path.join(parent, 'worktree');
  try {
    await runGit(repoDir, ['worktree', 'add', '--detach', dir, commit]);
    return await fn(dir);
  } finally {
    // Cleanup must not hide the error that brought us here: failures are ignored.
    await tryGit(repoDir, ['worktree', 'remove', '--force', dir]);
    await rm(parent, { recursive: true, force: true });
    await tryGit(repoDir, ['worktree', 'prune']);
  }
}
