/** Budget merging shared by defaults (file level) and overrides (target, platform). */
import type { Budget } from './types.js';

/** Per key, the later budget wins; keys it leaves unset keep the earlier value. */
export function mergeBudgets(...budgets: (Budget | undefined)[]): Budget {
  const merged: Budget = {};
  for (const budget of budgets) {
    if (!budget) continue;
    for (const [key, value] of Object.entries(budget) as [keyof Budget, unknown][]) {
      if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
    }
  }
  return merged;
}

/** Merges two name → budget maps, budget by budget. */
export function mergeBudgetMaps(base: Record<string, Budget>, over: Record<string, Budget>): Record<string, Budget> {
  const merged: Record<string, Budget> = {};
  for (const name of new Set([...Object.keys(base), ...Object.keys(over)])) {
    merged[name] = mergeBudgets(base[name], over[name]);
  }
  return merged;
}
