/** How a report entry moved against its baseline (pure): shared by the comment and the summary. */
import type { ReportEntry } from '../types.js';

export type Change = 'new' | 'removed' | 'grew' | 'shrank' | 'unchanged' | 'unknown';

export interface SizeDelta {
  compressed: number;
  uncompressed: number;
}

/**
 * Whether the entry was compared with a baseline. `change: null` means there was nothing to
 * compare with (no baseline, or it was unavailable); otherwise `baseline: null` means "not on
 * the base".
 */
export function isCompared<T extends Pick<ReportEntry, 'baseline' | 'change'>>(
  entry: T,
): entry is T & { baseline: Exclude<T['baseline'], undefined>; change: Exclude<T['change'], null> } {
  return entry.baseline !== undefined && entry.change !== null;
}

/** How an entry moved against its baseline (see isCompared). */
export function changeOf(entry: ReportEntry): Change {
  if (entry.status === 'error') return 'unknown';
  if (!isCompared(entry)) return 'unknown';
  if (entry.baseline === null) return entry.compressedBytes === null ? 'unknown' : 'new';
  if (entry.compressedBytes === null) return 'removed';
  const d = deltaOf(entry);
  if (d === null) return 'unknown';
  if (d.compressed > 0) return 'grew';
  if (d.compressed < 0) return 'shrank';
  return d.uncompressed === 0 ? 'unchanged' : d.uncompressed > 0 ? 'grew' : 'shrank';
}

/** Head minus base, both metrics; null unless both sides were measured. */
export function deltaOf(entry: ReportEntry): SizeDelta | null {
  if (entry.delta) return { compressed: entry.delta.compressedBytes, uncompressed: entry.delta.uncompressedBytes };
  if (!entry.baseline || entry.compressedBytes === null || entry.uncompressedBytes === null) return null;
  return {
    compressed: entry.compressedBytes - entry.baseline.compressedBytes,
    uncompressed: entry.uncompressedBytes - entry.baseline.uncompressedBytes,
  };
}

/** Signed compressed-size change, with new images counting fully and removed ones negatively. */
export function compressedDelta(entry: ReportEntry, change: Change): number | null {
  if (change === 'new') return entry.compressedBytes;
  if (change === 'removed') return entry.baseline ? -entry.baseline.compressedBytes : null;
  return deltaOf(entry)?.compressed ?? null;
}

export type Metric = 'compressed' | 'uncompressed';

/** One metric's base and head bytes, each null when that side has none. */
export function sidesOf(entry: ReportEntry, metric: Metric): { base: number | null; head: number | null } {
  const base = entry.baseline ? (metric === 'compressed' ? entry.baseline.compressedBytes : entry.baseline.uncompressedBytes) : null;
  return { base, head: metric === 'compressed' ? entry.compressedBytes : entry.uncompressedBytes };
}
