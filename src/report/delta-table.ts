/**
 * The table of entries the PR comment and the summary share (image · target · [platform] ·
 * size with Δ · budget used · status), its totals and the order of its rows. Number cells are non-breaking, so they never wrap. Pure; untrusted text inert.
 */
import { changeOf, compressedDelta, isCompared, sidesOf, type Change, type Metric } from './change.js';
import { describeUsage } from './budget-text.js';
import { formatBytes, formatChange, MAX_NAME, nowrap, plural } from './comment-format.js';
import { escapeCell } from './escape.js';
import { isConfigOnlyChange } from './growth.js';
import type { ReportEntry } from '../types.js';

export const STATUS_CELL: Record<ReportEntry['status'], string> = {
  ok: '✅ ok',
  warn: '⚠️ warn',
  over: '❌ over',
  error: '💥 error',
};

export function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** Platform columns and labels only when the entries were built for more than one platform. */
export function showsPlatform(entries: readonly ReportEntry[]): boolean {
  return new Set(entries.map((e) => e.platform)).size > 1;
}

/** "api · builder · linux/arm64": how an entry is named in sentences (raw, escape before use). */
export function entryName(entry: ReportEntry, withPlatform: boolean): string {
  return [entry.name, entry.target, withPlatform ? entry.platform : null].filter((x): x is string => x !== null && x !== '').join(' · ');
}

/** Image name, target and (when several) platform cells; stage-report entries labelled as such. */
export function identityCells(entry: ReportEntry, withPlatform: boolean): string[] {
  const target = entry.target === null ? '—' : escapeCell(entry.target, { maxLength: MAX_NAME });
  return [
    `**${escapeCell(entry.name, { maxLength: MAX_NAME })}**`,
    // Stages built only for the stage report (`stages: all`) are labelled so nobody reads them as shipped images.
    target + (entry.kind === 'stage' ? ' _(stage)_' : ''),
    ...(withPlatform ? [escapeCell(entry.platform, { maxLength: MAX_NAME })] : []),
  ];
}

function identityHeader(withPlatform: boolean): { names: string[]; aligns: string[] } {
  return withPlatform
    ? { names: ['Image', 'Target', 'Platform'], aligns: ['---', '---', '---'] }
    : { names: ['Image', 'Target'], aligns: ['---', '---'] };
}

export function tableHeader(withPlatform: boolean): string[] {
  const id = identityHeader(withPlatform);
  return [row([...id.names, 'Size (Δ)', 'Budget used', 'Status']), row([...id.aligns, '---:', '---:', '---'])];
}

/** "9.57 MB (+5 MB, +109%)", "5 MB (new)", "removed (was 5 MB)", "—" for a failed build. */
export function sizeWithDelta(entry: ReportEntry, change: Change = changeOf(entry), metric: Metric = 'compressed'): string {
  const { base, head } = sidesOf(entry, metric);
  if (change === 'removed') return base === null ? 'removed' : `removed (was ${formatBytes(base)})`;
  if (head === null) return '—';
  if (change === 'new') return `${formatBytes(head)} (new)`;
  if (base === null || !isCompared(entry)) return formatBytes(head);
  const config = metric === 'compressed' && isConfigOnlyChange(entry) ? ', config only' : '';
  if (head === base) return `${formatBytes(head)} (±0${config})`;
  return `${formatBytes(head)} (${formatChange(head - base, base)}${config})`;
}

export function statusCell(entry: ReportEntry, change: Change = changeOf(entry)): string {
  if (entry.status === 'error') return STATUS_CELL.error;
  if (change === 'new') return entry.status === 'ok' ? '🆕 new' : `🆕 ${STATUS_CELL[entry.status]}`;
  if (change === 'removed') return '🗑️ removed';
  return STATUS_CELL[entry.status];
}

export function entryRow(entry: ReportEntry, withPlatform: boolean): string {
  const change = changeOf(entry);
  const usage = entry.compressedBytes === null ? null : describeUsage(entry);
  return row([
    ...identityCells(entry, withPlatform),
    nowrap(sizeWithDelta(entry, change)),
    usage === null ? '—' : nowrap(usage),
    nowrap(statusCell(entry, change)),
  ]);
}

/**
 * What adds up: one platform (a pull fetches one), shipped images only — not the stage-report
 * entries, and not several targets of one image (a builder stage is part of the runtime image
 * built from it). null when fewer than two entries are left.
 */
export function summable(entries: readonly ReportEntry[]): { counted: ReportEntry[]; left: ReportEntry[] } | null {
  if (showsPlatform(entries)) return null;
  const targets = new Map<string, number>();
  for (const e of entries) if (e.kind !== 'stage') targets.set(e.name, (targets.get(e.name) ?? 0) + 1);
  const counted = entries.filter((e) => e.kind !== 'stage' && e.status !== 'error' && targets.get(e.name) === 1);
  if (counted.length < 2) return null;
  return { counted, left: entries.filter((e) => !counted.includes(e)) };
}

/** One metric summed over the entries measured on each side. */
function sumSides(entries: readonly ReportEntry[], metric: Metric): { base: number; head: number; anyBase: boolean } {
  let base = 0;
  let head = 0;
  let anyBase = false;
  for (const e of entries) {
    const sides = sidesOf(e, metric);
    if (sides.base !== null) {
      base += sides.base;
      anyBase = true;
    }
    head += sides.head ?? 0;
  }
  return { base, head, anyBase };
}

function totalCell(entries: readonly ReportEntry[], metric: Metric): string {
  const { base, head, anyBase } = sumSides(entries, metric);
  return nowrap(anyBase ? `${formatBytes(head)} (${formatChange(head - base, base)})` : formatBytes(head));
}

/** The totals row, saying what it adds ("Total of 3 images"), or null when nothing adds up. */
export function totalsRow(entries: readonly ReportEntry[], withPlatform: boolean): string | null {
  const sum = summable(entries);
  if (!sum) return null;
  const label = `**Total** of ${plural(sum.counted.length, 'image', 'images')}`;
  return row([label, '', ...(withPlatform ? [''] : []), totalCell(sum.counted, 'compressed'), '', '']);
}

/** The line under a table with a total that left entries out, naming why. */
export function totalsNote(entries: readonly ReportEntry[]): string | null {
  const sum = summable(entries);
  if (!sum || sum.left.length === 0) return null;
  return `<sub>The total leaves out ${plural(sum.left.length, 'entry', 'entries')}: several targets of one image, stages and failed builds do not add up.</sub>`;
}

const SEVERITY: Record<ReportEntry['status'], number> = { error: 0, over: 1, warn: 2, ok: 3 };

/** Errors, then over, then warn, then the biggest moves; stable otherwise. */
export function sortChanged(entries: readonly ReportEntry[]): ReportEntry[] {
  return entries
    .map((entry, i) => ({ entry, i, d: Math.abs(compressedDelta(entry, changeOf(entry)) ?? 0) }))
    .sort((a, b) => SEVERITY[a.entry.status] - SEVERITY[b.entry.status] || b.d - a.d || a.i - b.i)
    .map((x) => x.entry);
}

/** Within budget and the same size as on the base: folded away in the comment. */
export function isFolded(entry: ReportEntry): boolean {
  return entry.status === 'ok' && changeOf(entry) === 'unchanged' && !isConfigOnlyChange(entry);
}

export function foldedSection(entries: readonly ReportEntry[], withPlatform: boolean): string | null {
  if (entries.length === 0) return null;
  return [
    '<details>',
    `<summary>${plural(entries.length, 'unchanged image', 'unchanged images')}</summary>`,
    '',
    ...tableHeader(withPlatform),
    ...entries.map((e) => entryRow(e, withPlatform)),
    '',
    '</details>',
  ].join('\n');
}
