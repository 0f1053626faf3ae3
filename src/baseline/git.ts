/**
 * Every git call of the baseline stage goes through `runGit`: one place that captures stderr
 * and turns a failure into an error naming the command, the folder and git's own words.
 */
import { runCommand, tailLines } from '../docker/exec.js';

export class GitError extends Error {
  constructor(
    readonly args: string[],
    readonly cwd: string,
    readonly exitCode: number,
    readonly stderr: string,
  ) {
    super(`\`git ${args.join(' ')}\` failed in ${cwd} (exit ${exitCode}): ${tailLines(stderr, 8) || 'no output'}`);
    this.name = 'GitError';
  }
}

export interface GitResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs git and returns trimmed stdout; throws a GitError when git exits non-zero. */
export async function runGit(cwd: string, args: string[], input?: string): Promise<string> {
  const result = await tryGit(cwd, args, input);
  if (result.exitCode !== 0) throw new GitError(args, cwd, result.exitCode, result.stderr);
  return result.stdout.trim();
}

/** Runs git and reports the exit code instead of throwing: for questions like "does X exist?". */
export async function tryGit(cwd: string, args: string[], input?: string): Promise<GitResult> {
  // No prompts: a CI job waiting for a password would hang until the job timeout.
  const result = await runCommand('git', args, {
    cwd,
    env: { GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
    ...(input !== undefined ? { input } : {}),
  });
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

/**
 * The object id of each path (relative to the repository root; '' is the root) at `commit`, null
 * for a path the commit does not have: a directory's tree id stands for everything under it.
 * One git process for all of them.
 */
export async function objectIdsAt(repoRoot: string, commit: string, paths: readonly string[]): Promise<(string | null)[]> {
  if (paths.length === 0) return [];
  if (paths.some((p) => p.includes('\n'))) throw new Error('a path with a line break cannot be looked up');
  const input = paths.map((p) => `${commit}:${p}\n`).join('');
  // --follow-symlinks: a Dockerfile that is a link is keyed on what it points to. A link out of
  // the repository is answered in two lines, which the count below refuses.
  const lines = (await runGit(repoRoot, ['cat-file', '--batch-check=%(objectname)', '--follow-symlinks'], input)).split('\n');
  if (lines.length !== paths.length) throw new Error(`git cat-file answered ${lines.length} lines for ${paths.length} paths`);
  return lines.map((line) => (/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(line) ? line : null));
}

/** The first line of a (git, registry, build) error, which says what failed; the rest is detail. */
export function firstLine(text: string, max = 300): string {
  return (text.split('\n')[0] ?? text).slice(0, max);
}
