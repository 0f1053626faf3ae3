/**
 * Head vs base, per image × target × platform, and the delta budgets (`max-increase`,
 * `warn-increase`) checked on it. Pure: the measurements come in, verdicts go out.
 */
import type { DeltaLimit } from '../config/types.js';
import type { Baseline, Contributor, LayerDiffRow, SizedEntry } from '../types.js';
import { describeDeltaLimit } from './budget-changes.js';
import { formatBytes, formatDelta } from '../format-size.js';
import { formatSignedPercent } from './format-size.js';
import { diffLayers, findTopContributors } from './layer-diff.js';

export type DeltaState = 'new' | 'removed' | 'changed' | 'unchanged';

export interface Sizes {
  compressedBytes: number;
  uncompressedBytes: number;
}

export interface EntryDelta {
  name: string;
  target: string | null;
  platform: string;
  state: DeltaState;
  /** Fits `ReportEntry.baseline`; null for an image new in the PR. */
  baseline: Baseline | null;
  /** head − base; null unless both sides exist. */
  delta: Sizes | null;
  layers: LayerDiffRow[];
  /** "Why it grew": largest growth first. */
  contributors: Contributor[];
}

export interface DeltaOptions {
  baseCommit: string | null;
  /** How many contributors to keep per entry (default 5). */
  topContributors?: number;
  contributorMetric?: 'compressed' | 'uncompressed';
}

export function entryKey(entry: Pick<SizedEntry, 'name' | 'target' | 'platform'>): string {
  return JSON.stringify([entry.name, entry.target, entry.platform]);
}

/** Pairs head and base entries; head order first, then what only the base had (removed). */
export function computeDeltas(head: readonly SizedEntry[], base: readonly SizedEntry[], options: DeltaOptions): EntryDelta[] {
  const baseByKey = new Map(base.map((entry) => [entryKey(entry), entry]));
  const headKeys = new Set(head.map(entryKey));
  const contributorOptions = { limit: options.topContributors ?? 5, metric: options.contributorMetric ?? 'compressed' };
  const results: EntryDelta[] = head.map((entry) => {
    const before = baseByKey.get(entryKey(entry));
    const layers = diffLayers(before?.layers ?? [], entry.layers);
    const contributors = findTopContributors(layers, contributorOptions);
    const common = { name: entry.name, target: entry.target, platform: entry.platform, layers, contributors };
    if (before === undefined) return { ...common, state: 'new', baseline: null, delta: null };
    const delta = {
      compressedBytes: entry.compressedBytes - before.compressedBytes,
      uncompressedBytes: entry.uncompressedBytes - before.uncompressedBytes,
    };
    const same = delta.compressedBytes === 0 && delta.uncompressedBytes === 0 && layers.every((row) => row.state === 'unchanged');
    return { ...common, state: same ? 'unchanged' : 'changed', baseline: toBaseline(before, options.baseCommit), delta };
  });
  for (const entry of base) {
    if (headKeys.has(entryKey(entry))) continue;
    results.push({
      name: entry.name,
      target: entry.target,
      platform: entry.platform,
      state: 'removed',
      baseline: toBaseline(entry, options.baseCommit),
      delta: null,
      layers: diffLayers(entry.layers, []),
      contributors: [],
    });
  }
  return results;
}

export interface DeltaVerdict {
  exceeded: boolean;
  /** True when there is nothing to compare with; `message` says so. */
  skipped: boolean;
  increaseBytes: number | null;
  /** Growth in percent of the base; Infinity when growing from 0 bytes. */
  increasePercent: number | null;
  message: string;
}

/**
 * "compressed +6.2 MB (+24.1%) > max-increase 5 MB". A limit with both bytes and percent is
 * exceeded when either is. Growth from a 0-byte base is +∞%: over any percent limit.
 */
export function evaluateDeltaBudget(
  limit: DeltaLimit,
  base: Sizes | null,
  head: Sizes,
  rule: 'max-increase' | 'warn-increase' = 'max-increase',
): DeltaVerdict {
  if (base === null) {
    return {
      exceeded: false,
      skipped: true,
      increaseBytes: null,
      increasePercent: null,
      message: `${rule} skipped: no baseline to compare with`,
    };
  }
  const key = limit.metric === 'uncompressed' ? 'uncompressedBytes' : 'compressedBytes';
  const increaseBytes = head[key] - base[key];
  const increasePercent =
    base[key] === 0 ? (increaseBytes === 0 ? 0 : increaseBytes > 0 ? Infinity : -Infinity) : (increaseBytes / base[key]) * 100;
  const over: string[] = [];
  if (limit.bytes !== undefined && increaseBytes > limit.bytes) over.push(formatBytes(limit.bytes));
  if (limit.percent !== undefined && increasePercent > limit.percent) over.push(`${limit.percent}%`);
  const growth = `${limit.metric} ${formatDelta(increaseBytes)} (${formatSignedPercent(increasePercent)})`;
  const message = over.length > 0 ? `${growth} > ${rule} ${over.join(' and ')}` : `${growth} within ${rule} ${describeDeltaLimit(limit)}`;
  return { exceeded: over.length > 0, skipped: false, increaseBytes, increasePercent, message };
}

function toBaseline(entry: SizedEntry, commit: string | null): Baseline {
  return { commit, compressedBytes: entry.compressedBytes, uncompressedBytes: entry.uncompressedBytes };
}

/** A fresh measurement (build or registry) as a SizedEntry. */
export function toSizedEntry(
  name: string,
  target: string | null,
  measure: Pick<SizedEntry, 'platform' | 'compressedBytes' | 'uncompressedBytes' | 'layers' | 'imageConfig'>,
): SizedEntry {
  return {
    name,
    target,
    platform: measure.platform,
    compressedBytes: measure.compressedBytes,
    uncompressedBytes: measure.uncompressedBytes,
    layers: measure.layers,
    ...(measure.imageConfig ? { imageConfig: measure.imageConfig } : {}),
  };
}
