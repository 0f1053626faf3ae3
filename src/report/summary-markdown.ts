/**
 * The job summary: every entry in one table, then the largest layers of each image in a
 * collapsible block. Pure; every value a PR author controls goes through escape.ts.
 */
import { formatSize } from '../config/size.js';
import { countStatuses } from '../compare/verdict.js';
import { escapeCell, escapeCodeSpan, escapeHtml } from './escape.js';
import type { Report, ReportBudget, ReportEntry, Status } from './types.js';

export const STATUS_ICON: Record<Status, string> = { ok: '✅ ok', warn: '⚠️ warn', over: '❌ over', error: '💥 error' };

/** How many layers the breakdown shows per entry. */
export const LARGEST_LAYERS = 10;

const MAX_CELL = 120;

export function describeBudget(budget: ReportBudget): string {
  const parts: string[] = [];
  if (budget.max?.compressed !== undefined) parts.push(`max ${formatSize(budget.max.compressed)}`);
  if (budget.max?.uncompressed !== undefined) parts.push(`max ${formatSize(budget.max.uncompressed)} on disk`);
  if (budget.warn?.compressed !== undefined) parts.push(`warn ${formatSize(budget.warn.compressed)}`);
  if (budget.warn?.uncompressed !== undefined) parts.push(`warn ${formatSize(budget.warn.uncompressed)} on disk`);
  if (budget.maxLayers !== null) parts.push(`≤ ${budget.maxLayers} layers`);
  return parts.length > 0 ? parts.join(', ') : '—';
}

/** Share of the tightest max budget used, e.g. 0.48; null without a max. */
export function budgetUsed(entry: Pick<ReportEntry, 'compressedBytes' | 'uncompressedBytes' | 'budget'>): number | null {
  const shares: number[] = [];
  const max = entry.budget.max;
  if (max?.compressed && entry.compressedBytes !== null) shares.push(entry.compressedBytes / max.compressed);
  if (max?.uncompressed && entry.uncompressedBytes !== null) shares.push(entry.uncompressedBytes / max.uncompressed);
  return shares.length > 0 ? Math.max(...shares) : null;
}

function sizeCell(bytes: number | null): string {
  return bytes === null ? '—' : formatSize(bytes);
}

export function verdictSentence(report: Pick<Report, 'images'>): string {
  const counts = countStatuses(report);
  const total = report.images.length;
  if (counts.over + counts.error === 0) {
    const warned = counts.warn > 0 ? ` (${counts.warn} near budget)` : '';
    return `✅ All ${total} image${total === 1 ? '' : 's'} within budget${warned}.`;
  }
  const parts: string[] = [];
  if (counts.over > 0) parts.push(`${counts.over} over budget`);
  if (counts.error > 0) parts.push(`${counts.error} failed to build or measure`);
  return `❌ ${parts.join(', ')} (of ${total}).`;
}

function tableRow(entry: ReportEntry): string {
  const used = budgetUsed(entry);
  const budget = describeBudget(entry.budget) + (used === null ? '' : ` (${Math.round(used * 100)}% used)`);
  const status = entry.status === 'ok' ? STATUS_ICON.ok : `${STATUS_ICON[entry.status]}: ${escapeCell(entry.findings.map((f) => f.message).join('; '), { maxLength: MAX_CELL })}`;
  return `| ${escapeCell(entry.name)} | ${escapeCell(entry.target ?? '(last stage)')} | ${escapeCell(entry.platform)} | ${sizeCell(entry.compressedBytes)} | ${sizeCell(entry.uncompressedBytes)} | ${entry.layerCount ?? '—'} | ${budget} | ${status} |`;
}

function layerBreakdown(entry: ReportEntry): string {
  const title = `${entry.name}${entry.target ? ` · ${entry.target}` : ''} · ${entry.platform}`;
  if (entry.error !== null) {
    return `<details><summary>${escapeHtml(title)}: error</summary>\n\n${'```'}text\n${entry.error.replace(/```/g, "'''")}\n${'```'}\n\n</details>`;
  }
  const largest = [...entry.layers].sort((a, b) => b.compressedBytes - a.compressedBytes).slice(0, LARGEST_LAYERS);
  const rows = largest.map((layer) => {
    const where = layer.dockerfile ? escapeCodeSpan(`${layer.dockerfile.path}:${layer.dockerfile.line}`) : 'base image';
    const instruction = layer.createdBy ? escapeCodeSpan(layer.createdBy, { maxLength: MAX_CELL }) : '—';
    return `| ${formatSize(layer.compressedBytes)} | ${formatSize(layer.uncompressedBytes)} | ${where} | ${instruction} |`;
  });
  const more = entry.layers.length > largest.length ? `\n\n${entry.layers.length - largest.length} smaller layer(s) not shown.` : '';
  return [
    `<details><summary>${escapeHtml(title)}: largest of ${entry.layers.length} layers</summary>`,
    '',
    '| compressed | on disk | Dockerfile | instruction |',
    '| ---: | ---: | --- | --- |',
    ...rows,
    more,
    '</details>',
  ].join('\n');
}

export function renderSummaryMarkdown(report: Report): string {
  const lines = [
    '## image-budget',
    '',
    verdictSentence(report),
    '',
    '| image | target | platform | compressed | uncompressed | layers | budget | status |',
    '| --- | --- | --- | ---: | ---: | ---: | --- | --- |',
    ...report.images.map(tableRow),
    '',
    '_compressed_: bytes a pull transfers (layers + config). _uncompressed_: bytes on disk. Attestations excluded.',
    '',
    '### Largest layers',
    '',
    ...report.images.map(layerBreakdown),
    '',
  ];
  return lines.join('\n');
}
