/**
 * The base branch's budget file, read from git at the base commit in every baseline mode: a PR
 * cannot loosen its own budget to pass. Never from the working copy (the PR's), a saved report
 * or a registry (both untrusted, and neither holds the budget file).
 */
import path from 'node:path';
import { ConfigError } from '../config/config-error.js';
import { parseBudgetFile } from '../config/parse-budget-file.js';
import type { BudgetFile } from '../config/types.js';
import { hasCommit } from './base-commit.js';
import { firstLine, tryGit } from './git.js';

export type BaseBudgets =
  | { state: 'read'; commit: string; budgetFile: BudgetFile }
  /** No budget file at the base commit (the first run with one): the PR's budgets apply. */
  | { state: 'absent'; commit: string }
  /** It exists but cannot be used: the PR's budgets apply, and the user is told. */
  | { state: 'invalid'; commit: string; problem: string }
  /** No base commit to read it from (no git checkout, no base for this event). */
  | { state: 'no-base'; reason: string };

export interface BudgetFileLocation {
  /** The repository's top folder. */
  repoRoot: string;
  /** Budget file path as the user gave it, relative to `workdir`: used in messages. */
  configPath: string;
  workdir: string;
}

/** `git show <commit>:<path>` of the budget file, parsed like the PR's own. */
export async function readBaseBudgets(commit: string, where: BudgetFileLocation): Promise<BaseBudgets> {
  // Whether the commit is there is asked only when something fails (one git process less on
  // every run): a `git show` that succeeds proves it.
  const notInHistory = async (): Promise<BaseBudgets | null> =>
    (await hasCommit(where.repoRoot, commit))
      ? null
      : { state: 'no-base', reason: `commit ${commit.slice(0, 7)} is not in the local git history` };
  const inRepo = path.relative(where.repoRoot, path.resolve(where.workdir, where.configPath));
  if (inRepo.startsWith('..') || path.isAbsolute(inRepo)) {
    return (
      (await notInHistory()) ?? {
        state: 'no-base',
        reason: `the budget file ${where.configPath} is outside the repository ${where.repoRoot}`,
      }
    );
  }
  const spec = `${commit}:${inRepo.split(path.sep).join('/')}`;
  const shown = await tryGit(where.repoRoot, ['show', spec]);
  if (shown.exitCode !== 0) {
    // Missing commit, missing file, or unreadable?
    const missing = await notInHistory();
    if (missing) return missing;
    if ((await tryGit(where.repoRoot, ['cat-file', '-e', spec])).exitCode !== 0) return { state: 'absent', commit };
    return { state: 'invalid', commit, problem: `\`git show ${spec}\` failed: ${firstLine(shown.stderr.trim())}` };
  }
  try {
    // Paths in it resolve against the PR's working directory: only the budgets are used.
    return { state: 'read', commit, budgetFile: parseBudgetFile(shown.stdout, { path: where.configPath, workdir: where.workdir }) };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
    return { state: 'invalid', commit, problem: `${firstLine(error.message.trim())}${more}` };
  }
}

export interface BaseBudgetsNotice {
  /** Appended to the baseline note of the report; null when there is nothing to say. */
  note: string | null;
  /** Said as a warning too: the base's budgets exist but do not apply. */
  warning: string | null;
}

/** What the report says about where the budgets came from, when it is not simply "the base". */
export function describeBaseBudgets(budgets: BaseBudgets, configPath: string): BaseBudgetsNotice {
  switch (budgets.state) {
    case 'read':
    case 'absent':
      return { note: null, warning: null };
    case 'invalid': {
      const where = `${configPath} at the base commit ${budgets.commit.slice(0, 7)}`;
      return {
        note: `${where} is invalid, so the PR's own budgets apply: ${budgets.problem}`,
        warning: `the base branch's budget file (${where}) is invalid, so the PR's own budgets apply and the PR could have loosened them: ${budgets.problem}`,
      };
    }
    case 'no-base':
      return { note: `no base commit to read the budgets from (${budgets.reason}), so the PR's own budgets apply`, warning: null };
  }
}
