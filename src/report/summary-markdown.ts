/**
 * Pieces of the long-form report (job summary, `--markdown`): budget descriptions and the
 * largest layers of each image. Pure; every value a PR author controls goes through escape.ts.
 */
import { describeDeltaLimit } from '../compare/budget-changes.js';
import { formatSize } from '../config/size.js';
import { escapeCodeSpan, escapeHtml, escapeText } from './escape.js';
import type { AnalysisLayer, Report, ReportBudget, ReportEntry } from '../types.js';

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
  if (budget.maxIncrease) parts.push(`max-increase ${describeDeltaLimit(budget.maxIncrease)}`);
  if (budget.warnIncrease) parts.push(`warn-increase ${describeDeltaLimit(budget.warnIncrease)}`);
  return parts.length > 0 ? parts.join(', ') : '—';
}

/**
 * The limits and how much of the tightest `max` is used: "max 20 MB, ≤ 12 layers (84% used)";
 * `usedSuffix` follows the percentage.
 */
export function describeBudgetUsage(
  entry: Pick<ReportEntry, 'compressedBytes' | 'uncompressedBytes' | 'budget'>,
  usedSuffix = '% used',
): string {
  const used = budgetUsed(entry);
  return `${describeBudget(entry.budget)}${used === null ? '' : ` (${Math.round(used * 100)}${usedSuffix})`}`;
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

/** The "what to slim" section stays this small (bytes), whatever the number of images. */
export const SLIM_SECTION_MAX_BYTES = 150_000;
const SLIM_FILES = 10;
const SLIM_HINTS = 15;
/** Layers shown per image in "what to slim", most added bytes first; directories likewise. */
const SLIM_LAYERS = 5;
const SLIM_DIRECTORIES = 5;
const MAX_HINT_TEXT = 400;

function whereOf(ref: { path: string; line: number } | null | undefined): string {
  return ref ? escapeCodeSpan(`${ref.path}:${ref.line}`, { maxLength: MAX_CELL }) : 'base image';
}

function stageTable(entry: ReportEntry): string[] {
  if (!entry.stages || entry.stages.length === 0) return [];
  const rows = entry.stages.map((row) => {
    const name = row.name === null ? '(last stage)' : escapeCodeSpan(row.name, { maxLength: MAX_CELL });
    const wasted = row.wastedBytes === null ? '—' : formatSize(row.wastedBytes);
    return `| ${row.current ? `**${name}**` : name} | ${formatSize(row.compressedBytes)} | ${formatSize(row.uncompressedBytes)} | ${wasted} | ${row.hasToolchain ? 'toolchain' : ''} |`;
  });
  const single = entry.singleStageWithToolchain
    ? ['', 'One stage, and it ships a toolchain: a multi-stage build would leave it out of the image.']
    : [];
  return ['**Stages**', '', '| stage | compressed | on disk | wasted | |', '| --- | ---: | ---: | ---: | --- |', ...rows, ...single, ''];
}

function change(c: { files: number; bytes: number }): string {
  return c.files === 0 ? '—' : `${formatSize(c.bytes)} (${c.files} file${c.files === 1 ? '' : 's'})`;
}

/** Per layer: what it added, changed and removed; the layers that added most, SLIM_LAYERS of them. */
function layerChanges(layers: readonly AnalysisLayer[]): string[] {
  const busy = layers.filter((l) => l.added.files + l.changed.files + l.removed.files > 0);
  if (busy.length === 0) return [];
  const top = [...busy].sort((x, y) => y.added.bytes + y.changed.bytes - (x.added.bytes + x.changed.bytes)).slice(0, SLIM_LAYERS);
  const rows = top.map((l) => `| ${whereOf(l.dockerfile)} | ${change(l.added)} | ${change(l.changed)} | ${change(l.removed)} |`);
  const more = busy.length > top.length ? [`${busy.length - top.length} more layer(s) in the JSON report.`, ''] : [];
  return ['**Layers by bytes written**', '', '| layer | added | changed | removed |', '| --- | ---: | ---: | ---: |', ...rows, '', ...more];
}

/** One image's "what to slim": figures, hints with evidence and fix, the largest files and directories, per-layer changes. */
function slimBlock(entry: ReportEntry): string | null {
  const a = entry.analysis;
  if (!a && !entry.stages) return null;
  const title = `${entry.name}${entry.target ? ` · ${entry.target}` : ''} · ${entry.platform}`;
  const lines: string[] = [];
  if (a) {
    const dive = a.dive ? ` (dive: ${formatSize(a.dive.wastedBytes)}, ${(a.dive.efficiency * 100).toFixed(1)}%)` : '';
    lines.push(`${formatSize(a.wastedBytes)} wasted across layers, efficiency ${(a.efficiency * 100).toFixed(1)}%${dive}.`, '');
    const hints = [...a.hints].sort((x, y) => y.bytes - x.bytes).slice(0, SLIM_HINTS);
    if (hints.length > 0) {
      lines.push('**Hints**', '');
      for (const hint of hints) {
        const size = hint.bytes > 0 ? ` ${formatSize(hint.bytes)}` : '';
        const removed = hint.removedBy ? `, removed at ${whereOf(hint.removedBy.dockerfile)}` : '';
        lines.push(
          `- ${escapeCodeSpan(hint.id, { maxLength: 64, table: false })} ${escapeCodeSpan(hint.path, { maxLength: MAX_CELL, table: false })}${size} at ${whereOf(hint.dockerfile)}${removed}`,
        );
        if (hint.message) lines.push(`  ${escapeText(hint.message, { maxLength: MAX_HINT_TEXT })}`);
        if (hint.fix) lines.push(`  **Fix:** ${escapeText(hint.fix, { maxLength: MAX_HINT_TEXT })}`);
      }
      const more = a.hints.length - hints.length + (a.hintsOmitted ?? 0);
      if (more > 0) lines.push(`- … ${more} more in the JSON report`);
      lines.push('');
    }
    if (a.largestFiles && a.largestFiles.length > 0) {
      lines.push('**Largest files**', '', '| size | path |', '| ---: | --- |');
      for (const file of a.largestFiles.slice(0, SLIM_FILES))
        lines.push(`| ${formatSize(file.bytes)} | ${escapeCodeSpan(file.path, { maxLength: MAX_CELL })} |`);
      lines.push('');
    }
    if (a.largestDirectories && a.largestDirectories.length > 0) {
      lines.push('**Largest directories**', '', '| size | path |', '| ---: | --- |');
      for (const d of a.largestDirectories.slice(0, SLIM_DIRECTORIES)) {
        lines.push(`| ${formatSize(d.bytes)} | ${escapeCodeSpan(d.path, { maxLength: MAX_CELL })} |`);
      }
      lines.push('');
    }
    lines.push(...layerChanges(a.layers ?? []));
  }
  lines.push(...stageTable(entry));
  const wasted = a ? `: ${formatSize(a.wastedBytes)} wasted, ${a.hints.length + (a.hintsOmitted ?? 0)} hint(s)` : '';
  return [`<details><summary>${escapeHtml(title, { maxLength: MAX_CELL })}${wasted}</summary>`, '', ...lines, '</details>'].join('\n');
}

/** Collapsible "what to slim" blocks, cut off (with a line saying so) at SLIM_SECTION_MAX_BYTES. */
export function renderSlimming(report: Report, maxBytes = SLIM_SECTION_MAX_BYTES): string {
  const blocks = report.images
    .filter((e) => e.change !== 'removed')
    .map(slimBlock)
    .filter((b): b is string => b !== null);
  if (blocks.length === 0) return '';
  const head = ['### What to slim', ''];
  const kept = fitBlocks(blocks, maxBytes, (left) => `${left} more image(s) not shown: see the JSON report.`, {
    usedBytes: Buffer.byteLength(head.join('\n')),
  });
  return [...head, ...kept, ''].join('\n');
}

/**
 * The blocks that fit in `maxBytes` (after `usedBytes`, each block counting `separatorBytes`
 * more), in order; where the next one would not fit, one line from `more(blocks left out)`.
 */
export function fitBlocks(
  blocks: readonly string[],
  maxBytes: number,
  more: (left: number) => string,
  { usedBytes = 0, separatorBytes = 1 }: { usedBytes?: number; separatorBytes?: number } = {},
): string[] {
  const out: string[] = [];
  let used = usedBytes;
  for (const [i, block] of blocks.entries()) {
    used += Buffer.byteLength(block) + separatorBytes;
    if (used > maxBytes) {
      out.push(more(blocks.length - i));
      break;
    }
    out.push(block);
  }
  return out;
}

/** The largest layers of every entry, each in a collapsible block, then what to slim. */
export function renderLargestLayers(report: Report): string {
  const slim = renderSlimming(report);
  return [
    '### Largest layers',
    '',
    ...report.images.filter((e) => e.change !== 'removed').map(layerBreakdown),
    '',
    ...(slim ? [slim] : []),
  ].join('\n');
}
