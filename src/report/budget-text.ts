/** What an entry's budget says, in words, and how much of it is used. Pure. */
import { describeDeltaLimit } from '../compare/budget-changes.js';
import { formatBytes, formatShare } from './comment-format.js';
import type { ReportBudget, ReportEntry } from '../types.js';

/** "max 20 MB", "warn 15 MB on disk", "≤ 12 layers", …: one item per limit set. */
export function budgetItems(budget: ReportBudget): string[] {
  const parts: string[] = [];
  if (budget.max?.compressed !== undefined) parts.push(`max ${formatBytes(budget.max.compressed)}`);
  if (budget.max?.uncompressed !== undefined) parts.push(`max ${formatBytes(budget.max.uncompressed)} on disk`);
  if (budget.warn?.compressed !== undefined) parts.push(`warn ${formatBytes(budget.warn.compressed)}`);
  if (budget.warn?.uncompressed !== undefined) parts.push(`warn ${formatBytes(budget.warn.uncompressed)} on disk`);
  if (budget.maxLayers !== null) parts.push(`≤ ${budget.maxLayers} layers`);
  if (budget.maxIncrease) parts.push(`max-increase ${describeDeltaLimit(budget.maxIncrease)}`);
  if (budget.warnIncrease) parts.push(`warn-increase ${describeDeltaLimit(budget.warnIncrease)}`);
  return parts;
}

export function describeBudget(budget: ReportBudget): string {
  const parts = budgetItems(budget);
  return parts.length > 0 ? parts.join(', ') : '—';
}

type Sized = Pick<ReportEntry, 'compressedBytes' | 'uncompressedBytes' | 'budget'>;

/** The tightest `max` limit: its share used (e.g. 1.74) and the limit, compressed or on disk. */
export function tightestMax(entry: Sized): { used: number; limit: number; onDisk: boolean } | null {
  const max = entry.budget.max;
  const candidates: { used: number; limit: number; onDisk: boolean }[] = [];
  if (max?.compressed && entry.compressedBytes !== null)
    candidates.push({ used: entry.compressedBytes / max.compressed, limit: max.compressed, onDisk: false });
  if (max?.uncompressed && entry.uncompressedBytes !== null)
    candidates.push({ used: entry.uncompressedBytes / max.uncompressed, limit: max.uncompressed, onDisk: true });
  return candidates.reduce<(typeof candidates)[number] | null>((best, c) => (best === null || c.used > best.used ? c : best), null);
}

/** Share of the tightest max budget used, e.g. 0.48; null without a max. */
export function budgetUsed(entry: Sized): number | null {
  return tightestMax(entry)?.used ?? null;
}

/** "174% of 5.5 MB", "92% of 20 MB on disk"; null without a max. */
export function describeUsage(entry: Sized): string | null {
  const tight = tightestMax(entry);
  if (!tight) return null;
  return `${formatShare(tight.used)} of ${formatBytes(tight.limit)}${tight.onDisk ? ' on disk' : ''}`;
}

/** The limits and how much of the tightest `max` is used: "max 20 MB, ≤ 12 layers (84% used)". */
export function describeBudgetUsage(entry: Sized, usedSuffix = '% used'): string {
  const used = budgetUsed(entry);
  return `${describeBudget(entry.budget)}${used === null ? '' : ` (${Math.round(used * 100)}${usedSuffix})`}`;
}
