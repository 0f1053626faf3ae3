/**
 * The collapsible block for one entry in the comment and the summary: sizes against the base,
 * the build error, findings, notes, the layer diff, "why it grew" with the Dockerfile's own
 * text of each instruction, and the hints of the image. Pure; untrusted text inert.
 */
import { changeOf, compressedDelta, sidesOf, type Change } from './change.js';
import { formatBytes, formatDelta, formatMovement, MAX_MESSAGE, MAX_NAME, nowrap, plural } from './comment-format.js';
import { row, STATUS_CELL } from './delta-table.js';
import { codeSpan, escapeHtml, escapeMessage, escapeText, fencedBlock } from './escape.js';
import {
  instructionLines,
  instructionOneLine,
  isConfigOnlyChange,
  layerChangesOf,
  locationOf,
  shareText,
  whyItGrew,
  type LayerChange,
} from './growth.js';
import { configChangeList } from './config-text.js';
import { hintLines, type HintGroup } from './hint-text.js';
import type { Analysis, Finding, ReportEntry, ReportLayer } from '../types.js';

const MAX_CONTRIBUTORS = 5;
const MAX_LAYER_ROWS = 30;
/** Instruction text in a layer table cell, in graphemes (the middle elided). */
const CELL_INSTRUCTION = 60;
/** Lines of one instruction shown under "why it grew" (the middle elided). */
const MAX_INSTRUCTION_LINES = 12;
const MAX_ERROR_LINES = 40;
/** Graphemes of one config value (an entrypoint, a healthcheck) in the details. */
const CONFIG_VALUE = 120;

function sourceCell(layer: ReportLayer): string {
  const where = locationOf(layer);
  return where ? codeSpan(where, { maxLength: MAX_NAME, table: true }) : 'base image';
}

function instructionCell(layer: ReportLayer): string {
  const text = instructionOneLine(layer, CELL_INSTRUCTION);
  return text ? codeSpan(text, { table: true }) : '—';
}

const MARK: Record<Exclude<LayerChange['kind'], 'unchanged'>, string> = { added: '➕', removed: '➖', changed: '✏️' };

function layerDiffLines(changes: LayerChange[]): string[] {
  const interesting = changes.filter((c) => c.kind !== 'unchanged');
  const unchanged = changes.filter((c) => c.kind === 'unchanged');
  const lines: string[] = [];
  if (interesting.length > 0) {
    lines.push('| | Instruction | Source | Base | PR | Δ |', '| --- | --- | --- | ---: | ---: | ---: |');
    for (const c of interesting.slice(0, MAX_LAYER_ROWS)) {
      const layer = c.head ?? c.base;
      lines.push(
        row([
          MARK[c.kind],
          instructionCell(layer),
          sourceCell(layer),
          c.base ? nowrap(formatBytes(c.base.compressedBytes)) : '—',
          c.head ? nowrap(formatBytes(c.head.compressedBytes)) : '—',
          nowrap(formatDelta(c.delta)),
        ]),
      );
    }
    if (interesting.length > MAX_LAYER_ROWS) lines.push(row([`…${interesting.length - MAX_LAYER_ROWS} more`, '', '', '', '', '']));
    lines.push('', '<sub>➕ added · ➖ removed · ✏️ changed</sub>', '');
  }
  if (unchanged.length > 0) {
    const bytes = unchanged.reduce((sum, c) => sum + c.head.compressedBytes, 0);
    lines.push(`${plural(unchanged.length, 'layer', 'layers')} unchanged (${formatBytes(bytes)}).`, '');
  }
  return lines;
}

/** One numbered item: `file:line` and the size, then the instruction as written, in a fenced block. */
function instructionItem(index: number, layer: ReportLayer, size: string): string[] {
  const where = locationOf(layer);
  const head = `${index}. ${where ? codeSpan(where, { maxLength: MAX_NAME }) : 'a base-image layer'} ${size}`;
  const lines = instructionLines(layer);
  if (!lines) return [head];
  return [head, '', fencedBlock(lines.join('\n'), { info: 'dockerfile', indent: '   ', maxLines: MAX_INSTRUCTION_LINES }), ''];
}

function findingLines(findings: Finding[]): string[] {
  const icon = (f: Finding) => (f.status === 'over' ? '❌' : f.status === 'warn' ? '⚠️' : '💥');
  // A build error's finding is BuildKit's text, not ours: its backticks are not meant as code.
  const shown = (f: Finding) =>
    f.status === 'error' ? escapeText(f.message, { maxLength: MAX_MESSAGE }) : escapeMessage(f.message, MAX_MESSAGE);
  return findings.map((f) => `- ${icon(f)} ${shown(f)}`);
}

/** "compressed 301 kB → 5.3 MB (+5 MB, +1662%) · on disk 600 kB → 5.6 MB (+5 MB, +833%)". */
function movementLine(entry: ReportEntry, change: Change): string | null {
  if (change !== 'grew' && change !== 'shrank') return null;
  const compressed = sidesOf(entry, 'compressed');
  const uncompressed = sidesOf(entry, 'uncompressed');
  if (compressed.base === null || compressed.head === null || uncompressed.base === null || uncompressed.head === null) return null;
  return `compressed ${formatMovement(compressed.base, compressed.head)} · on disk ${formatMovement(uncompressed.base, uncompressed.head)}`;
}

export interface DetailOptions {
  /** Show dive's figures next to ours (the summary; the comment stays compact). */
  dive?: boolean;
  /** Name the platform in the title (the report has several). */
  withPlatform?: boolean;
  /** The image's hints, once per image: given to the first of its entries only. */
  hints?: HintGroup[];
}

function percentOf(ratio: number, decimals: number): string {
  return `${(ratio * 100).toFixed(decimals)}%`;
}

/** "**Layer analysis:** 4 MB wasted, efficiency 81%", with dive's own figures when asked. */
function analysisLine(analysis: Analysis, opts: DetailOptions): string {
  const decimals = opts.dive ? 1 : 0;
  const ours = `${formatBytes(analysis.wastedBytes)} wasted, efficiency ${percentOf(analysis.efficiency, decimals)}`;
  const dive =
    opts.dive && analysis.dive
      ? ` (dive: ${formatBytes(analysis.dive.wastedBytes)} wasted, efficiency ${percentOf(analysis.dive.efficiency, 1)})`
      : '';
  return `**Layer analysis:** ${ours}${dive}`;
}

/** The entry's body, without its `<details>` wrapper; empty when there is nothing more to say. */
export function detailLines(entry: ReportEntry, opts: DetailOptions = {}): string[] {
  const change = changeOf(entry);
  const lines: string[] = [];
  const sizes = movementLine(entry, change);
  if (sizes) lines.push(sizes, '');
  if (entry.status === 'error' && entry.error) {
    lines.push('**Build error**', '', fencedBlock(entry.error, { info: 'text', maxLines: MAX_ERROR_LINES, maxLineLength: 400 }), '');
  }
  const findings = entry.status === 'error' ? entry.findings.filter((f) => f.status !== 'error') : entry.findings;
  if (findings.length > 0) lines.push(...findingLines(findings), '');
  if (entry.notes && entry.notes.length > 0) {
    lines.push(...entry.notes.map((n) => `- ℹ️ ${escapeMessage(n, MAX_MESSAGE)}`), '');
  }

  const config = configChangeList(entry.configChanges, (text) => codeSpan(text, { maxLength: CONFIG_VALUE }));
  if (isConfigOnlyChange(entry)) {
    const delta = compressedDelta(entry, change) ?? 0;
    const shown = delta === 0 ? '±0' : formatDelta(delta);
    lines.push(
      config === null
        ? `**Only the image config changed** (${shown}): every layer is the same as on the base, so a label, the environment, the entrypoint or command, the user or another setting differs.`
        : `**Only the image config changed** (${shown}, every layer is the same as on the base): ${config}.`,
      '',
    );
  }
  const changes = layerChangesOf(entry);
  if (changes && changes.length > 0 && !isConfigOnlyChange(entry)) {
    lines.push('**Layers**', '', ...layerDiffLines(changes));
    const top = whyItGrew(entry, MAX_CONTRIBUTORS);
    if (top.length > 0 && change === 'grew') {
      lines.push('**Why it grew**', '');
      top.forEach((step, i) => {
        lines.push(...instructionItem(i + 1, step.layer, `${formatDelta(step.delta)}${shareText(step.share)}`));
      });
      if (lines.at(-1) !== '') lines.push('');
    }
  } else if (change === 'new' && entry.layers.length > 0) {
    const biggest = [...entry.layers].sort((a, b) => b.compressedBytes - a.compressedBytes).slice(0, MAX_CONTRIBUTORS);
    lines.push('**Largest layers**', '');
    biggest.forEach((layer, i) => lines.push(...instructionItem(i + 1, layer, formatBytes(layer.compressedBytes))));
    if (lines.at(-1) !== '') lines.push('');
  }
  // Layers moved too: the config's changes come after them.
  if (config !== null && !isConfigOnlyChange(entry)) lines.push(`**Image config:** ${config}.`, '');

  // The figures whenever there is an analysis, hints or not: "no hints" is news too.
  if (entry.analysis) lines.push(analysisLine(entry.analysis, opts), '');
  if (opts.hints && opts.hints.length > 0) lines.push('**Hints**', '', ...hintLines(opts.hints), '');
  return lines;
}

/** The `<summary>` of an entry's block: name, movement and status. */
export function detailTitle(entry: ReportEntry, withPlatform: boolean): string {
  const change = changeOf(entry);
  const delta = compressedDelta(entry, change);
  const name = [entry.name, entry.target ?? '', withPlatform ? entry.platform : '']
    .filter((x) => x !== '')
    .map((x) => escapeHtml(x, { maxLength: MAX_NAME }))
    .join(' · ');
  const movement = change === 'new' ? 'new' : change === 'removed' ? 'removed' : delta !== null && delta !== 0 ? formatDelta(delta) : '';
  return `<b>${name}</b>${movement ? ` — ${movement}` : ''} · ${STATUS_CELL[entry.status]}`;
}

/** The collapsible block for one entry, or null when there is nothing more to say. */
export function detailSection(entry: ReportEntry, opts: DetailOptions = {}): string | null {
  const lines = detailLines(entry, opts);
  if (lines.length === 0) return null;
  return ['<details>', `<summary>${detailTitle(entry, opts.withPlatform ?? false)}</summary>`, '', ...lines, '</details>'].join('\n');
}
