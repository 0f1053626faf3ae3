/**
 * The compare stage of a run: the head's report entries against the base's measurement, with
 * the budgets that apply (the base branch's, see budget-changes.ts). No base, or one that
 * could not be had, reads like an uncompared run: every entry says `baseline: null` and delta
 * budgets are skipped with a note. Pure.
 */
import { resolveBudget } from '../config/resolve-budget.js';
import type { Budget, ImageConfig } from '../config/types.js';
import type { MissingBaseline, ReportEntry, SizedEntry } from '../types.js';
import { applyBaseline, markNoBaseline } from './apply-baseline.js';

/** The budget of an entry; `kind: 'stage'` asks for a stage-report entry's. */
export type BudgetResolver = (image: string, target: string | undefined, platform: string, kind?: 'target' | 'stage') => Budget;

/**
 * A stage built only for the stage report is informational: the image's budget does not apply
 * to its builder, only what the user wrote under `budget.targets.<stage>` (plus the image's
 * `ignore-hints`, which are about the Dockerfile, not one stage).
 */
export function stageBudget(image: ImageConfig, stage: string | undefined): Budget {
  const own = stage === undefined ? undefined : (image.targetBudgets[stage] ?? image.targetBudgets[stage.toLowerCase()]);
  return { ...(image.budget.ignoreHints ? { ignoreHints: image.budget.ignoreHints } : {}), ...own };
}

/** Budgets by image name, target and platform, from the images whose budgets apply. */
export function budgetResolver(images: readonly ImageConfig[]): BudgetResolver {
  const byName = new Map(images.map((image) => [image.name, image]));
  return (name, target, platform, kind) => {
    const image = byName.get(name);
    if (!image) return {};
    return kind === 'stage' ? stageBudget(image, target) : resolveBudget(image, target, platform);
  };
}

/** What the comparison reads of the base. */
export interface ComparedBase {
  commit: string | null;
  entries: readonly SizedEntry[];
  missing: readonly MissingBaseline[];
  unavailable: string | null;
}

export function compareWithBase(entries: ReportEntry[], base: ComparedBase | null, budgetFor: BudgetResolver): ReportEntry[] {
  const budgetOf = (entry: ReportEntry) => budgetFor(entry.name, entry.target ?? undefined, entry.platform, entry.kind);
  if (!base || base.unavailable) return markNoBaseline(entries, budgetOf);
  return applyBaseline({
    entries,
    baseline: [...base.entries],
    baseCommit: base.commit,
    missing: [...base.missing],
    budgetFor: budgetOf,
  });
}
