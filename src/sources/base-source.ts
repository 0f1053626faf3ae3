/**
 * The base side: which commit it is, the budgets read there, and which source measures its
 * images — built from the base commit, a saved report, registry images, or none. Budgets come
 * from the base branch whatever the source (a PR cannot loosen its own). A base that cannot be
 * had is reported as unavailable with the reason: it never crashes the run and never fails a
 * PR on its own.
 */
import { describeBaseBudgets, readBaseBudgets, type BaseBudgets } from '../baseline/base-budgets.js';
import { firstLine } from '../baseline/git.js';
import { locateBase, type BaseLocation, type LocateBaseRequest } from '../baseline/locate-base.js';
import type { BudgetFile } from '../config/types.js';
import { baseBuildSource, type BaseBuildRequest } from './base-build-source.js';
import { registrySource } from './registry-source.js';
import { reportSource } from './report-source.js';
import type { ImageSource, SourceResult } from './source.js';

export const BASELINE_MODES = ['build', 'report', 'registry', 'none'] as const;
export type BaselineMode = (typeof BASELINE_MODES)[number];

/** What to compare with: where the base is (from the event or `--base`), and its source. */
export type BaselineOptions = Omit<LocateBaseRequest, 'workdir'> &
  (
    | { mode: 'build' }
    /** A JSON report an earlier run saved. */
    | { mode: 'report'; reportPath?: string }
    /** `ghcr.io/acme/{image}:main`; `{target}` is replaced too (empty for the last stage). */
    | { mode: 'registry'; imageTemplate?: string }
    | { mode: 'none' }
  );

/** The options for a mode given as a value (an action input), with the fields every source reads. */
export function baselineOptions(
  mode: BaselineMode,
  fields: Omit<LocateBaseRequest, 'workdir'> & { reportPath?: string; imageTemplate?: string },
): BaselineOptions {
  const { reportPath, imageTemplate, ...locate } = fields;
  switch (mode) {
    case 'report':
      return { ...locate, mode, reportPath };
    case 'registry':
      return { ...locate, mode, imageTemplate };
    default:
      return { ...locate, mode };
  }
}

/** The base's source: what the pipeline has found out before anything is built. */
export type BaseContext = Omit<BaseBuildRequest, 'baseBudgets'> & {
  baseBudgets?: BaseBudgets;
  /** The `registry-token` input, for registries the docker config has no login for. */
  registryToken?: string | null;
};

export function baseSourceFor(options: BaselineOptions, ctx: BaseContext): ImageSource {
  switch (options.mode) {
    case 'build':
      return baseBuildSource(ctx);
    case 'report':
      return reportSource(options.reportPath);
    case 'registry':
      return registrySource({
        imageTemplate: options.imageTemplate,
        head: ctx.head,
        baseBudgets: ctx.baseBudgets,
        sizeMemo: ctx.build.sizeMemo,
        countedSizes: ctx.build.countedSizes,
        registryToken: ctx.registryToken ?? null,
        logger: ctx.build.logger,
      });
    case 'none':
      return NO_BASELINE;
  }
}

const NO_BASELINE: ImageSource = {
  kind: 'none',
  measure: () =>
    Promise.resolve({
      kind: 'none',
      commit: null,
      entries: [],
      missing: [],
      unavailable: 'baseline: none',
      note: 'no baseline (baseline: none): delta budgets skipped',
      durationMs: 0,
    }),
};

/** The base as measured, with the budgets read from git at the base commit. */
export interface BaselineResult extends SourceResult {
  /** The base branch's budget file, read from git at the base commit (any mode): its budgets apply. */
  budgetFile: BudgetFile | null;
  /** Set when the base has a budget file that cannot be used: say it as a warning. */
  budgetWarning: string | null;
}

interface BudgetFileAt {
  /** Budget file path relative to `workdir`, as the user gave it. */
  configPath: string;
  workdir: string;
}

/**
 * The base commit and, at it, the base's budget file: what a run needs before it builds
 * anything (a mistyped --base fails here, and the base's budgets decide what is analysed).
 */
export async function locateBaseAndBudgets(
  request: LocateBaseRequest & BudgetFileAt,
): Promise<{ base: BaseLocation; baseBudgets?: BaseBudgets }> {
  const base = await locateBase(request);
  if (!base.commit) return { base };
  return { base, baseBudgets: await readBudgetsAt(base.commit, request, base) };
}

/**
 * Budgets come from the base branch in every mode, read from git at the base commit. A saved
 * report may name the commit when nothing else does, but its content never gives budgets.
 */
async function readBudgetsAt(commit: string | null, request: BudgetFileAt, base: BaseLocation): Promise<BaseBudgets> {
  try {
    return base.repoRoot && commit
      ? await readBaseBudgets(commit, { repoRoot: base.repoRoot, configPath: request.configPath, workdir: request.workdir })
      : { state: 'no-base', reason: base.detail };
  } catch (error) {
    return { state: 'no-base', reason: error instanceof Error ? firstLine(error.message, Infinity) : String(error) };
  }
}

/**
 * The measured base with its budgets: those read before building, or — when only a saved
 * report names the base commit — read now at that commit.
 */
export async function withBaseBudgets(
  result: SourceResult,
  located: { base: BaseLocation; baseBudgets?: BaseBudgets },
  request: BudgetFileAt,
): Promise<BaselineResult> {
  const budgets = located.baseBudgets ?? (await readBudgetsAt(result.kind === 'report' ? result.commit : null, request, located.base));
  const notice = describeBaseBudgets(budgets, request.configPath);
  // The baseline's own note already says why there is no base commit.
  const said = budgets.state === 'no-base' && result.note.includes(budgets.reason);
  const note = notice.note === null ? result.note : `${result.note}; ${said ? "the PR's own budgets apply" : notice.note}`;
  return { ...result, budgetFile: budgets.state === 'read' ? budgets.budgetFile : null, budgetWarning: notice.warning, note };
}

/** The base located, measured by its source and given its budgets, on its own (without a head run). */
export async function measureBaseline(
  options: BaselineOptions,
  ctx: Omit<BaseContext, 'base' | 'baseBudgets'>,
  head?: SourceResult,
): Promise<BaselineResult> {
  const located = await locateBaseAndBudgets({ ...options, configPath: ctx.configPath, workdir: ctx.workdir });
  const result = await baseSourceFor(options, { ...ctx, ...located }).measure(head);
  return withBaseBudgets(result, located, ctx);
}
