/**
 * The tables against the base: the PR comment's compact one (image · target · platform · base ·
 * PR · Δ · Δ% · budget used · status), the summary's with both metrics, their totals rows and
 * the order of their rows. Pure; untrusted text escaped.
 */
import { changeOf, compressedDelta, isCompared, sidesOf, type Change, type Metric } from './change.js';
import { formatBytes, formatDelta, formatPercent, formatUsageBar, MAX_NAME, plural } from './comment-format.js';
import { escapeCell } from './escape.js';
import { budgetUsed } from './summary-markdown.js';
import type { ReportEntry } from '../types.js';

export const STATUS_CELL: Record<ReportEntry['status'], string> = {
  ok: '✅ ok',
  warn: '⚠️ warn',
  over: '❌ over',
  error: '💥 error',
};

export const TABLE_HEADER = [
  '| Image | Target | Platform | Base | PR | Δ | Δ% | Budget used | Status |',
  '| --- | --- | --- | ---: | ---: | ---: | ---: | --- | --- |',
];

export function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** Image name, target and platform cells, escaped; stage-report entries labelled as such. */
export function identityCells(entry: ReportEntry): string[] {
  return [
    `**${escapeCell(entry.name, { maxLength: MAX_NAME })}**`,
    // Stages built only for the stage report (`stages: all`) are labelled so nobody reads them as shipped images.
    (entry.target === null ? '—' : escapeCell(entry.target, { maxLength: MAX_NAME })) + (entry.kind === 'stage' ? ' _(stage)_' : ''),
    escapeCell(entry.platform, { maxLength: MAX_NAME }),
  ];
}

/** The tightest `max` limit's share, as a bar (the same figure as every other report). */
function budgetUsedCell(entry: ReportEntry): string {
  const used = budgetUsed(entry);
  return used === null ? '—' : formatUsageBar(used, 1);
}

export function statusCell(entry: ReportEntry, change: Change = changeOf(entry)): string {
  if (entry.status === 'error') {
    return `${STATUS_CELL.error}: ${escapeCell(entry.error ?? 'unknown error', { maxLength: 160 })}`;
  }
  if (change === 'new') return `🆕 new · ${STATUS_CELL[entry.status]}`;
  if (change === 'removed') return '🗑️ removed';
  return STATUS_CELL[entry.status];
}

export function entryRow(entry: ReportEntry): string {
  const change = changeOf(entry);
  const delta = compressedDelta(entry, change);
  const base = !isCompared(entry) ? '—' : entry.baseline === null ? 'new' : formatBytes(entry.baseline.compressedBytes);
  const head = entry.compressedBytes === null ? (change === 'removed' ? 'removed' : '—') : formatBytes(entry.compressedBytes);
  const pct = delta !== null && entry.baseline ? (formatPercent(delta, entry.baseline.compressedBytes) ?? '—') : '—';
  return row([
    ...identityCells(entry),
    base,
    head,
    delta === null ? '—' : formatDelta(delta),
    pct,
    budgetUsedCell(entry),
    statusCell(entry, change),
  ]);
}

export function totalsRow(entries: ReportEntry[]): string {
  const { base, head, anyBase } = sumSides(entries, 'compressed');
  const delta = head - base;
  return row([
    '**Total**',
    '',
    '',
    anyBase ? formatBytes(base) : '—',
    `**${formatBytes(head)}**`,
    anyBase ? formatDelta(delta) : '—',
    anyBase ? (formatPercent(delta, base) ?? '—') : '—',
    '',
    '',
  ]);
}

/** One metric summed over the entries measured on each side; failed builds left out. */
function sumSides(entries: ReportEntry[], metric: Metric): { base: number; head: number; anyBase: boolean } {
  let base = 0;
  let head = 0;
  let anyBase = false;
  for (const e of entries) {
    if (e.status === 'error') continue;
    const sides = sidesOf(e, metric);
    if (sides.base !== null) {
      base += sides.base;
      anyBase = true;
    }
    head += sides.head ?? 0;
  }
  return { base, head, anyBase };
}

/** The summary's table: base → PR, Δ and Δ% for compressed and for uncompressed bytes. */
export const FULL_TABLE_HEADER = [
  '| Image | Target | Platform | Compressed: base → PR | Δ | Δ% | Uncompressed: base → PR | Δ | Δ% | Status |',
  '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
];

/** One metric's three cells: `base → PR`, Δ, Δ%. */
function metricCells(entry: ReportEntry, change: Change, metric: Metric): string[] {
  const { base, head } = sidesOf(entry, metric);
  if (change === 'new' && head !== null) return [`new → ${formatBytes(head)}`, formatDelta(head), '—'];
  if (change === 'removed' && base !== null)
    return [`${formatBytes(base)} → removed`, formatDelta(-base), formatPercent(-base, base) ?? '—'];
  if (base === null || head === null || change === 'unknown') return ['—', '—', '—'];
  return movementCells(base, head, formatBytes(head));
}

/** `base → head`, Δ and Δ% of one metric; `headText` is how the head side is written. */
function movementCells(base: number, head: number, headText: string): string[] {
  return [`${formatBytes(base)} → ${headText}`, formatDelta(head - base), formatPercent(head - base, base) ?? '—'];
}

export function fullEntryRow(entry: ReportEntry): string {
  const change = changeOf(entry);
  return row([
    ...identityCells(entry),
    ...metricCells(entry, change, 'compressed'),
    ...metricCells(entry, change, 'uncompressed'),
    statusCell(entry, change),
  ]);
}

/** Sums over the entries measured on each side (failed builds left out), both metrics. */
export function fullTotalsRow(entries: ReportEntry[]): string {
  const cells = (metric: Metric): string[] => {
    const { base, head, anyBase } = sumSides(entries, metric);
    return anyBase ? movementCells(base, head, `**${formatBytes(head)}**`) : ['—', '—', '—'];
  };
  return row(['**Total**', '', '', ...cells('compressed'), ...cells('uncompressed'), '']);
}

const SEVERITY: Record<ReportEntry['status'], number> = { error: 0, over: 1, warn: 2, ok: 3 };

/** Errors, then over, then warn, then the biggest moves; stable otherwise. */
export function sortChanged(entries: ReportEntry[]): ReportEntry[] {
  return entries
    .map((entry, i) => ({ entry, i, d: Math.abs(compressedDelta(entry, changeOf(entry)) ?? 0) }))
    .sort((a, b) => SEVERITY[a.entry.status] - SEVERITY[b.entry.status] || b.d - a.d || a.i - b.i)
    .map((x) => x.entry);
}

/** Within budget and the same size as on the base: folded away in the comment. */
export function isFolded(entry: ReportEntry): boolean {
  return entry.status === 'ok' && changeOf(entry) === 'unchanged';
}

export function foldedSection(entries: ReportEntry[]): string | null {
  if (entries.length === 0) return null;
  return [
    '<details>',
    `<summary>${plural(entries.length, 'unchanged image', 'unchanged images')}</summary>`,
    '',
    ...TABLE_HEADER,
    ...entries.map(entryRow),
    '',
    '</details>',
  ].join('\n');
}
