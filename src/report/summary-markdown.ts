/**
 * Pieces of the long-form report (job summary, `--markdown`): budget descriptions and the
 * largest layers of each image. Pure; every value a PR author controls goes through escape.ts.
 */
import { formatSize } from '../config/size.js';
import { escapeCodeSpan, escapeHtml } from './escape.js';
import type { Report, ReportBudget, ReportEntry } from './types.js';

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

/** The largest layers of every entry, each in a collapsible block. */
export function renderLargestLayers(report: Report): string {
  return ['### Largest layers', '', ...report.images.filter((e) => e.change !== 'removed').map(layerBreakdown), ''].join('\n');
}
