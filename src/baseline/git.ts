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
export async function runGit(cwd: string, args: string[]): Promise<string> {
  const result = await tryGit(cwd, args);
  if (result.exitCode !== 0) throw new GitError(args, cwd, result.exitCode, result.stderr);
  return result.stdout.trim();
}

/** Runs git and reports the exit code instead of throwing: for questions like "does X exist?". */
export async function tryGit(cwd: string, args: string[]): Promise<GitResult> {
  // No prompts: a CI job waiting for a password would hang until the job timeout.
  const result = await runCommand('git', args, { cwd, env: { GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' } });
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

/** The first line of a (git, registry, build) error, which says what failed; the rest is detail. */
export function firstLine(text: string, max = 300): string {
  return (text.split('\n')[0] ?? text).slice(0, max);
}
