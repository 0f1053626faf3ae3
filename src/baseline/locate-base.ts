/**
 * Which commit is the base, found before anything is built. A `--base REF` the user typed
 * that does not resolve is a usage error (BaseRefError, exit 2), found before a build is
 * wasted. Anything else that keeps the base from being found (no git checkout, a fetch that
 * fails) leaves the run without a base commit, said in the report: it never crashes the run.
 */
import { resolveBaseCommit } from './base-commit.js';
import { firstLine, tryGit } from './git.js';

export interface BaseLocation {
  /** The repository's top folder; null when the working directory is not in a git checkout. */
  repoRoot: string | null;
  commit: string | null;
  /** Why this commit ("first parent of the PR merge commit …"), or why there is none. */
  detail: string;
}

export interface LocateBaseRequest {
  workdir: string;
  event?: { name: string; payload: unknown };
  headSha?: string;
  /** `--base REF` from the CLI. */
  baseRef?: string;
}

/** `--base REF` names nothing git can find: the user's mistake, not a missing baseline. */
export class BaseRefError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BaseRefError';
  }
}

export async function locateBase(request: LocateBaseRequest): Promise<BaseLocation> {
  const { baseRef } = request;
  const top = await tryGit(request.workdir, ['rev-parse', '--show-toplevel']).catch((error: unknown) => ({
    exitCode: 1,
    stdout: '',
    stderr: String(error),
  }));
  if (top.exitCode !== 0) {
    const detail = `no git history: ${request.workdir} is not in a git checkout`;
    if (baseRef !== undefined) throw new BaseRefError(`--base ${baseRef}: ${detail}`);
    return { repoRoot: null, commit: null, detail };
  }
  const repoRoot = top.stdout.trim();
  if (baseRef === undefined && request.event === undefined)
    return { repoRoot, commit: null, detail: 'no pull request or push event names a base commit' };
  try {
    const resolution = await resolveBaseCommit(repoRoot, {
      event: request.event,
      headSha: request.headSha,
      base: baseRef,
    });
    return { repoRoot, commit: resolution.commit, detail: resolution.detail };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (baseRef !== undefined) throw new BaseRefError(message);
    // Git errors run to many lines; the first says what failed.
    return { repoRoot, commit: null, detail: firstLine(message) };
  }
}
