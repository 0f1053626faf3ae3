/**
 * The collapsible block for one image in the comment and the summary: findings, notes, the
 * layer diff, "why it grew" and the analysis' hints. Pure; untrusted text escaped.
 */
import { diffLayers } from '../compare/layer-diff.js';
import { changeOf, compressedDelta, sidesOf, type Change } from './change.js';
import { formatBytes, formatDelta, formatMovement, MAX_MESSAGE, MAX_NAME, plural } from './comment-format.js';
import { topContributors, type LayerChange } from './comment-layers.js';
import { row, STATUS_CELL } from './delta-table.js';
import { escapeCodeSpan, escapeHtml, escapeText } from './escape.js';
import type { Analysis, DockerfileRef, Finding, LayerDiffRow, ReportEntry, ReportLayer } from '../types.js';

const MAX_INSTRUCTION = 100;
const MAX_CONTRIBUTORS = 5;
const MAX_HINTS = 10;
const MAX_LAYER_ROWS = 30;

function sourceOf(ref: DockerfileRef | null): string {
  return ref ? escapeCodeSpan(`${ref.path}:${ref.line}`, { maxLength: MAX_NAME }) : '—';
}

function instructionOf(layer: ReportLayer, table = true): string {
  return layer.createdBy ? escapeCodeSpan(layer.createdBy, { maxLength: MAX_INSTRUCTION, table }) : '—';
}

function shortDigest(digest: string): string {
  return escapeCodeSpan(digest.replace(/^sha256:/, '').slice(0, 12));
}

function layerDiffLines(changes: LayerChange[]): string[] {
  const interesting = changes.filter((c) => c.kind !== 'unchanged');
  const unchanged = changes.filter((c) => c.kind === 'unchanged');
  const lines: string[] = [];
  if (interesting.length > 0) {
    lines.push('| | Layer | Instruction | Source | Base | PR | Δ |', '| --- | --- | --- | --- | ---: | ---: | ---: |');
    for (const c of interesting.slice(0, MAX_LAYER_ROWS)) {
      const layer = c.head ?? c.base;
      const mark = c.kind === 'added' ? '➕ added' : c.kind === 'removed' ? '➖ removed' : '✏️ changed';
      lines.push(
        row([
          mark,
          shortDigest(layer.digest),
          instructionOf(layer),
          sourceOf(layer.dockerfile),
          c.base ? formatBytes(c.base.compressedBytes) : '—',
          c.head ? formatBytes(c.head.compressedBytes) : '—',
          formatDelta(c.delta),
        ]),
      );
    }
    if (interesting.length > MAX_LAYER_ROWS) {
      lines.push(row([`…${interesting.length - MAX_LAYER_ROWS} more`, '', '', '', '', '', '']));
    }
    lines.push('');
  }
  if (unchanged.length > 0) {
    const bytes = unchanged.reduce((sum, c) => sum + c.head.compressedBytes, 0);
    lines.push(`${plural(unchanged.length, 'layer', 'layers')} unchanged (${formatBytes(bytes)}).`, '');
  }
  return lines;
}

/**
 * The compare stage's `layerDiff`; for an older report that has only the base's layers, the
 * same pairing is computed here.
 */
function layerChangesOf(entry: ReportEntry): LayerChange[] | null {
  const baseLayers = entry.baseline?.layers;
  const rows: LayerDiffRow[] | null =
    entry.layerDiff ?? (baseLayers && entry.layers.length + baseLayers.length > 0 ? diffLayers(baseLayers, entry.layers) : null);
  if (!rows) return null;
  return rows.map((row): LayerChange => {
    const delta = row.delta.compressedBytes;
    if (row.state === 'added' && row.head) return { kind: 'added', head: row.head, base: null, delta };
    if (row.state === 'removed' && row.base) return { kind: 'removed', head: null, base: row.base, delta };
    if (row.state === 'unchanged' && row.head && row.base) return { kind: 'unchanged', head: row.head, base: row.base, delta: 0 };
    if (row.head && row.base) return { kind: 'changed', head: row.head, base: row.base, delta };
    // A row without its layers says nothing we can show; keep it as whichever side exists.
    return row.head
      ? { kind: 'added', head: row.head, base: null, delta }
      : { kind: 'removed', head: null, base: row.base as ReportLayer, delta };
  });
}

function findingLines(findings: Finding[]): string[] {
  return findings.map(
    (f) => `- ${f.status === 'over' ? '❌' : f.status === 'warn' ? '⚠️' : '💥'} ${escapeText(f.message, { maxLength: MAX_MESSAGE })}`,
  );
}

/**
 * "compressed 301 kB → 5.3 MB (+5 MB, +1662%) · on disk 600 kB → 5.6 MB (+5 MB, +833%)": both
 * metrics against the base, for an image that grew or shrank (the table shows only compressed).
 */
function movementLine(entry: ReportEntry, change: Change = changeOf(entry)): string | null {
  if (change !== 'grew' && change !== 'shrank') return null;
  const compressed = sidesOf(entry, 'compressed');
  const uncompressed = sidesOf(entry, 'uncompressed');
  if (compressed.base === null || compressed.head === null || uncompressed.base === null || uncompressed.head === null) return null;
  return `compressed ${formatMovement(compressed.base, compressed.head)} · on disk ${formatMovement(uncompressed.base, uncompressed.head)}`;
}

export interface DetailOptions {
  /** Show dive's figures next to ours (the summary; the comment stays compact). */
  dive?: boolean;
}

function percentOf(ratio: number, decimals: number): string {
  return `${(ratio * 100).toFixed(decimals)}%`;
}

/**
 * "**Layer analysis:** 4 MB wasted, efficiency 81%", with dive's own figures when asked
 * (one decimal then, to compare with `dive --ci`).
 */
function analysisLine(analysis: Analysis, opts: DetailOptions = {}): string {
  const decimals = opts.dive ? 1 : 0;
  const ours = `${formatBytes(analysis.wastedBytes)} wasted, efficiency ${percentOf(analysis.efficiency, decimals)}`;
  const dive =
    opts.dive && analysis.dive
      ? ` (dive: ${formatBytes(analysis.dive.wastedBytes)} wasted, efficiency ${percentOf(analysis.dive.efficiency, 1)})`
      : '';
  return `**Layer analysis:** ${ours}${dive}`;
}

/** The collapsible block for one entry, or null when there is nothing more to say. */
export function detailSection(entry: ReportEntry, opts: DetailOptions = {}): string | null {
  const change = changeOf(entry);
  const lines: string[] = [];
  const sizes = movementLine(entry, change);
  if (sizes) lines.push(sizes, '');
  if (entry.status === 'error' && entry.error) {
    lines.push(`**Error:** ${escapeText(entry.error, { maxLength: 1000 })}`, '');
  }
  if (entry.findings.length > 0) lines.push(...findingLines(entry.findings), '');

  if (entry.notes && entry.notes.length > 0) {
    lines.push(...entry.notes.map((n) => `- ℹ️ ${escapeText(n, { maxLength: MAX_MESSAGE })}`), '');
  }

  const changes = layerChangesOf(entry);
  if (changes && changes.length > 0) {
    lines.push('**Layers**', '', ...layerDiffLines(changes));
    const top = topContributors(changes, MAX_CONTRIBUTORS);
    const growth = top.reduce((s, c) => s + c.delta, 0);
    if (top.length > 0 && change === 'grew') {
      lines.push('**Why it grew**', '');
      top.forEach((c, i) => {
        const layer = c.head ?? c.base;
        const share = growth > 0 ? ` (${Math.round((c.delta / growth) * 100)}% of the growth)` : '';
        lines.push(`${i + 1}. ${sourceOf(layer.dockerfile)} ${instructionOf(layer, false)} ${formatDelta(c.delta)}${share}`);
      });
      lines.push('');
    }
  } else if (change === 'new' && entry.layers.length > 0) {
    const biggest = [...entry.layers].sort((a, b) => b.compressedBytes - a.compressedBytes).slice(0, MAX_CONTRIBUTORS);
    lines.push('**Largest layers**', '');
    biggest.forEach((layer, i) => {
      lines.push(`${i + 1}. ${sourceOf(layer.dockerfile)} ${instructionOf(layer, false)} ${formatBytes(layer.compressedBytes)}`);
    });
    lines.push('');
  }

  // The figures whenever there is an analysis, hints or not: "no hints" is news too.
  const analysis = entry.analysis;
  if (analysis) lines.push(analysisLine(analysis, opts), '');
  if (analysis && analysis.hints.length > 0) {
    lines.push('**Hints**', '');
    for (const hint of [...analysis.hints].sort((a, b) => b.bytes - a.bytes).slice(0, MAX_HINTS)) {
      // Evidence: the path and its bytes; hints about the Dockerfile itself have neither.
      const evidence = hint.path.startsWith('(')
        ? ''
        : ` ${escapeCodeSpan(hint.path, { maxLength: MAX_NAME, table: false })}${hint.bytes > 0 ? ` (${formatBytes(hint.bytes)})` : ''}`;
      const where = hint.dockerfile ? ` at ${sourceOf(hint.dockerfile)}` : '';
      const sentence = (text: string) => (/[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`);
      const message = hint.message ? ` ${escapeText(sentence(hint.message), { maxLength: MAX_MESSAGE })}` : '';
      const fix = hint.fix ? ` Fix: ${escapeText(sentence(hint.fix), { maxLength: MAX_MESSAGE })}` : '';
      lines.push(`- 💡 **${escapeText(hint.id, { maxLength: MAX_NAME })}**${evidence}${where}:${message}${fix}`);
    }
    lines.push('');
  }
  if (lines.length === 0) return null;

  const delta = compressedDelta(entry, change);
  const title = [entry.name, entry.target ?? '', entry.platform]
    .filter((x) => x !== '')
    .map((x) => escapeHtml(x, { maxLength: MAX_NAME }))
    .join(' · ');
  const movement = change === 'new' ? 'new' : change === 'removed' ? 'removed' : delta !== null ? formatDelta(delta) : '';
  const summary = `<b>${title}</b>${movement ? ` — ${movement}` : ''} · ${STATUS_CELL[entry.status]}`;
  return ['<details>', `<summary>${summary}</summary>`, '', ...lines, '</details>'].join('\n');
}
