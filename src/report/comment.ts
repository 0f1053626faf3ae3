/**
 * The PR comment, rendered from the JSON report (pure). Everything that came from the PR
 * (names, targets, platforms, instructions, paths, messages) goes through ./escape.ts.
 */
import type { DockerfileRef } from '../measure/types.js';
import type { Finding, ReportEntry, Report, ReportLayer } from './types.js';
import { escapeCell, escapeCodeSpan, escapeHtml, escapeText, truncateEscaped } from './escape.js';
import { formatBytes, formatDelta, formatPercent, formatUsageBar } from './comment-format.js';
import { diffLayers, type LayerDiffRow } from '../compare/layer-diff.js';
import { topContributors, type LayerChange } from './comment-layers.js';
import { commentMarker } from './comment-marker.js';
import { budgetUsed } from './summary-markdown.js';

export { commentMarker, hasCommentMarker } from './comment-marker.js';

/** GitHub rejects issue comment bodies longer than this many characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

export interface BudgetChange {
  image: string;
  target: string | null;
  field: string;
  from: string;
  to: string;
}

export interface RenderCommentOptions {
  /** Identifies the comment to update (one per key); goes into the hidden marker. */
  key: string;
  configPath: string;
  /** Link to the job summary holding the full report, used when the comment is trimmed. */
  summaryUrl?: string;
  overrideLabel?: { name: string; applied: boolean };
  budgetChanges?: BudgetChange[];
  baselineNote?: string;
  /** Default {@link GITHUB_COMMENT_LIMIT}, measured with {@link commentLength}. */
  maxLength?: number;
}

/** Longest name/target/platform shown in a cell, in graphemes (before escaping). */
const MAX_NAME = 80;
const MAX_INSTRUCTION = 100;
const MAX_MESSAGE = 300;
const MAX_BUDGET_CHANGES = 20;
const MAX_CONTRIBUTORS = 5;
const MAX_HINTS = 10;
const MAX_LAYER_ROWS = 30;

export type Change = 'new' | 'removed' | 'grew' | 'shrank' | 'unchanged' | 'unknown';

/**
 * How an entry moved against its baseline. `change: null` means there was nothing to compare
 * with (no baseline, or it was unavailable); otherwise `baseline: null` means "not on the base".
 */
export function changeOf(entry: ReportEntry): Change {
  if (entry.status === 'error') return 'unknown';
  if (entry.baseline === undefined || entry.change === null) return 'unknown';
  if (entry.baseline === null) return entry.compressedBytes === null ? 'unknown' : 'new';
  if (entry.compressedBytes === null) return 'removed';
  const d = deltaOf(entry);
  if (d === null) return 'unknown';
  if (d.compressed > 0) return 'grew';
  if (d.compressed < 0) return 'shrank';
  return d.uncompressed === 0 ? 'unchanged' : d.uncompressed > 0 ? 'grew' : 'shrank';
}

function deltaOf(entry: ReportEntry): { compressed: number; uncompressed: number } | null {
  if (entry.delta) return { compressed: entry.delta.compressedBytes, uncompressed: entry.delta.uncompressedBytes };
  if (!entry.baseline || entry.compressedBytes === null || entry.uncompressedBytes === null) return null;
  return {
    compressed: entry.compressedBytes - entry.baseline.compressedBytes,
    uncompressed: entry.uncompressedBytes - entry.baseline.uncompressedBytes,
  };
}

/** Signed compressed-size change, with new images counting fully and removed ones negatively. */
function compressedDelta(entry: ReportEntry, change: Change): number | null {
  if (change === 'new') return entry.compressedBytes;
  if (change === 'removed') return entry.baseline ? -entry.baseline.compressedBytes : null;
  return deltaOf(entry)?.compressed ?? null;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * One line a reviewer can read without opening anything:
 * "❌ 1 image over budget · 2 grew · 3 unchanged" or "✅ All 5 images within budget".
 */
export function verdictLine(report: Report): string {
  const entries = report.images;
  const count = (pred: (e: ReportEntry) => boolean): number => entries.filter(pred).length;
  const over = count((e) => e.status === 'over');
  const errors = count((e) => e.status === 'error');
  const warn = count((e) => e.status === 'warn');
  const changes = entries.map(changeOf);
  const changeCount = (c: Change): number => changes.filter((x) => x === c).length;

  const parts: string[] = [];
  let icon = '✅';
  if (entries.length === 0) return '➖ No images measured';
  if (over > 0 || errors > 0) {
    icon = '❌';
    if (over > 0) parts.push(`${plural(over, 'image', 'images')} over budget`);
    if (errors > 0) parts.push(`${plural(errors, 'image', 'images')} failed to measure`);
    if (warn > 0) parts.push(`${warn} near budget`);
  } else if (warn > 0) {
    icon = '⚠️';
    parts.push(`${plural(warn, 'image', 'images')} near budget`);
  } else {
    parts.push(entries.length === 1 ? 'The image is within budget' : `All ${entries.length} images within budget`);
  }
  for (const [change, label] of [
    ['grew', 'grew'],
    ['shrank', 'shrank'],
    ['new', 'new'],
    ['removed', 'removed'],
    ['unchanged', 'unchanged'],
  ] as const) {
    const n = changeCount(change);
    if (n > 0) parts.push(`${n} ${label}`);
  }
  return `${icon} ${parts.join(' · ')}`;
}

/** Alias: the verdict is also the one-line summary used by logs and check titles. */
export const renderSummaryLine = verdictLine;

/** Characters GitHub will count, conservatively: UTF-16 units, and `\n` stored as `\r\n`. */
export function commentLength(body: string): number {
  let newlines = 0;
  for (let i = body.indexOf('\n'); i !== -1; i = body.indexOf('\n', i + 1)) newlines++;
  return body.length + newlines;
}

const STATUS_CELL: Record<ReportEntry['status'], string> = {
  ok: '✅ ok',
  warn: '⚠️ warn',
  over: '❌ over',
  error: '💥 error',
};

const TABLE_HEADER = [
  '| Image | Target | Platform | Base | PR | Δ | Δ% | Budget used | Status |',
  '| --- | --- | --- | ---: | ---: | ---: | ---: | --- | --- |',
];

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** The tightest `max` limit's share, as a bar (the same figure as every other report). */
function budgetUsedCell(entry: ReportEntry): string {
  const used = budgetUsed(entry);
  return used === null ? '—' : formatUsageBar(used, 1);
}

function statusCell(entry: ReportEntry, change: Change): string {
  if (entry.status === 'error') {
    return `${STATUS_CELL.error}: ${escapeCell(entry.error ?? 'unknown error', { maxLength: 160 })}`;
  }
  if (change === 'new') return `🆕 new · ${STATUS_CELL[entry.status]}`;
  if (change === 'removed') return '🗑️ removed';
  return STATUS_CELL[entry.status];
}

function entryRow(entry: ReportEntry): string {
  const change = changeOf(entry);
  const delta = compressedDelta(entry, change);
  const base =
    entry.baseline === undefined || entry.change === null
      ? '—'
      : entry.baseline === null
        ? 'new'
        : formatBytes(entry.baseline.compressedBytes);
  const head = entry.compressedBytes === null ? (change === 'removed' ? 'removed' : '—') : formatBytes(entry.compressedBytes);
  const pct = delta !== null && entry.baseline ? (formatPercent(delta, entry.baseline.compressedBytes) ?? '—') : '—';
  return row([
    `**${escapeCell(entry.name, { maxLength: MAX_NAME })}**`,
    // Stages built only for the stage report (`stages: all`) are labelled so nobody reads them as shipped images.
    (entry.target === null ? '—' : escapeCell(entry.target, { maxLength: MAX_NAME })) + (entry.kind === 'stage' ? ' _(stage)_' : ''),
    escapeCell(entry.platform, { maxLength: MAX_NAME }),
    base,
    head,
    delta === null ? '—' : formatDelta(delta),
    pct,
    budgetUsedCell(entry),
    statusCell(entry, change),
  ]);
}

function totalsRow(entries: ReportEntry[]): string {
  let base = 0;
  let head = 0;
  let anyBase = false;
  for (const e of entries) {
    if (e.status === 'error') continue;
    if (e.baseline) {
      base += e.baseline.compressedBytes;
      anyBase = true;
    }
    if (e.compressedBytes !== null) head += e.compressedBytes;
  }
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

const SEVERITY: Record<ReportEntry['status'], number> = { error: 0, over: 1, warn: 2, ok: 3 };

/** Errors, then over, then warn, then the biggest moves; stable otherwise. */
function sortChanged(entries: ReportEntry[]): ReportEntry[] {
  return entries
    .map((entry, i) => ({ entry, i, d: Math.abs(compressedDelta(entry, changeOf(entry)) ?? 0) }))
    .sort((a, b) => SEVERITY[a.entry.status] - SEVERITY[b.entry.status] || b.d - a.d || a.i - b.i)
    .map((x) => x.entry);
}

function baselineLine(report: Report, note: string | undefined): string {
  if (note !== undefined) return escapeText(note, { maxLength: MAX_MESSAGE });
  const withBase = report.images.filter((e) => e.baseline !== undefined);
  if (withBase.length === 0) return 'No baseline: delta budgets skipped.';
  const commits = [...new Set(withBase.map((e) => e.baseline?.commit).filter((c): c is string => !!c))];
  if (commits.length === 0) return 'Compared with the base branch.';
  const shown = commits.slice(0, 3).map((c) => escapeCodeSpan(c.slice(0, 12), { table: false }));
  return `Compared with base ${shown.join(', ')}${commits.length > 3 ? ` and ${commits.length - 3} more` : ''}.`;
}

function imageLabel(image: string, target: string | null): string {
  return target === null ? image : `${image} (${target})`;
}

function budgetChangeLines(changes: BudgetChange[]): string[] {
  if (changes.length === 0) return [];
  const lines = ['**Budgets changed in this PR** (they take effect once merged):', ''];
  for (const c of changes.slice(0, MAX_BUDGET_CHANGES)) {
    lines.push(
      `- ${escapeText(imageLabel(c.image, c.target), { maxLength: MAX_NAME })}: ` +
        `${escapeText(c.field, { maxLength: 40 })} ${escapeText(c.from, { maxLength: 40 })} → ` +
        `${escapeText(c.to, { maxLength: 40 })} in this PR, takes effect once merged`,
    );
  }
  if (changes.length > MAX_BUDGET_CHANGES) lines.push(`- …and ${changes.length - MAX_BUDGET_CHANGES} more`);
  return lines;
}

function labelLine(label: RenderCommentOptions['overrideLabel'], report: Report): string | null {
  if (!label) return null;
  const name = escapeCodeSpan(label.name, { maxLength: 50, table: false });
  if (label.applied) return `🏷️ Label ${name} is applied: images over budget do not fail this check.`;
  if (report.images.some((e) => e.status === 'over')) {
    return `To accept the growth, a maintainer can add the label ${name}.`;
  }
  return null;
}

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

/** The collapsible block for one entry, or null when there is nothing more to say. */
function detailSection(entry: ReportEntry): string | null {
  const change = changeOf(entry);
  const lines: string[] = [];
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

  const analysis = entry.analysis;
  if (analysis && analysis.hints.length > 0) {
    lines.push(`**Hints** (${formatBytes(analysis.wastedBytes)} wasted, efficiency ${Math.round(analysis.efficiency * 100)}%)`, '');
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

function isFolded(entry: ReportEntry): boolean {
  return entry.status === 'ok' && changeOf(entry) === 'unchanged';
}

function foldedSection(entries: ReportEntry[]): string | null {
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

function safeUrl(url: string | undefined): string | null {
  if (!url || !/^https?:\/\/[^\s<>()]+$/.test(url)) return null;
  return url;
}

function trimNote(summaryUrl: string | undefined, omitted: string[]): string {
  const url = safeUrl(summaryUrl);
  const where = url ? `the [job summary](${url})` : 'the job summary';
  return `> [!NOTE]\n> This comment was shortened to fit GitHub's size limit (${omitted.join(', ')} left out). The full report is in ${where}.`;
}

/**
 * Renders the sticky PR comment. Stays within `maxLength` by dropping, in order: per-image
 * details (last first), the folded unchanged rows, then table rows from the bottom; it never
 * cuts inside an HTML tag or a table row, and always keeps the marker, verdict and table header.
 */
export function renderComment(report: Report, opts: RenderCommentOptions): string {
  const maxLength = opts.maxLength ?? GITHUB_COMMENT_LIMIT;
  const changed = sortChanged(report.images.filter((e) => !isFolded(e)));
  const folded = report.images.filter(isFolded);

  const head = [
    commentMarker(opts.key),
    '### 📦 Image budget',
    '',
    `**${verdictLine(report)}**`,
    '',
    baselineLine(report, opts.baselineNote),
  ];
  const label = labelLine(opts.overrideLabel, report);
  if (label) head.push('', label);
  const budgetLines = budgetChangeLines(opts.budgetChanges ?? []);
  if (budgetLines.length > 0) head.push('', ...budgetLines);

  const rows = changed.map(entryRow);
  const totals = totalsRow(report.images);
  const foldedBlock = foldedSection(folded);
  const details = changed.map(detailSection).filter((d): d is string => d !== null);
  const footer = `<sub>${escapeText(report.tool.name)} ${escapeText(report.tool.version, { maxLength: 40 })} · config ${escapeCodeSpan(opts.configPath, { maxLength: MAX_NAME, table: false })}${report.commit ? ` · commit ${escapeCodeSpan(report.commit.slice(0, 12), { table: false })}` : ''}</sub>`;

  const compose = (keepRows: number, withFolded: boolean, keepDetails: number, note: string | null): string => {
    const parts = [head.join('\n')];
    if (note) parts.push(note);
    const table = [...TABLE_HEADER, ...rows.slice(0, keepRows), totals];
    parts.push(table.join('\n'));
    if (keepRows < rows.length) parts.push(`…and ${rows.length - keepRows} more rows in the job summary.`);
    if (foldedBlock) {
      parts.push(withFolded ? foldedBlock : `${plural(folded.length, 'unchanged image', 'unchanged images')} not shown.`);
    }
    if (keepDetails > 0) parts.push(...details.slice(0, keepDetails));
    parts.push(footer);
    return `${parts.join('\n\n')}\n`;
  };

  const full = compose(rows.length, true, details.length, null);
  if (commentLength(full) <= maxLength) return full;

  // Trim: measure each candidate with the note that will explain it. Sections are large and
  // few compared with the limit, so recomposing is cheap; rows are searched by bisection.
  const noteFor = (keepRows: number, withFolded: boolean, keepDetails: number): string => {
    const omitted: string[] = [];
    if (keepDetails < details.length) omitted.push(plural(details.length - keepDetails, 'detail section', 'detail sections'));
    if (!withFolded && foldedBlock) omitted.push('unchanged rows');
    if (keepRows < rows.length) omitted.push(plural(rows.length - keepRows, 'table row', 'table rows'));
    return trimNote(opts.summaryUrl, omitted);
  };
  const fits = (keepRows: number, withFolded: boolean, keepDetails: number): string | null => {
    const body = compose(keepRows, withFolded, keepDetails, noteFor(keepRows, withFolded, keepDetails));
    return commentLength(body) <= maxLength ? body : null;
  };

  // 1. Details, last first (bisection over how many to keep).
  const bestDetails = largestFitting(details.length - 1, (k) => fits(rows.length, true, k));
  if (bestDetails) return bestDetails;
  // 2. The folded unchanged rows.
  const noFolded = fits(rows.length, false, 0);
  if (noFolded) return noFolded;
  // 3. Table rows from the bottom; the header and totals row always stay.
  const bestRows = largestFitting(rows.length - 1, (k) => fits(k, false, 0));
  if (bestRows) return bestRows;
  // 4. Only the head is left and it is still too long (a tiny maxLength): cut at a line break.
  const minimal = compose(0, false, 0, noteFor(0, false, 0));
  return cutAtLine(minimal, maxLength);
}

/** The result for the largest k in [0, hi] that fits, assuming fitting is monotone in k. */
function largestFitting(hi: number, attempt: (k: number) => string | null): string | null {
  let lo = 0;
  let best: string | null = null;
  if (hi < 0) return null;
  while (lo <= hi) {
    const mid = Math.floor((lo + hi) / 2);
    const body = attempt(mid);
    if (body) {
      best = body;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return best;
}

function cutAtLine(body: string, maxLength: number): string {
  const lines = body.split('\n');
  const out: string[] = [];
  let length = 0;
  for (const line of lines) {
    const next = length + commentLength(line) + 2;
    if (next > maxLength) break;
    out.push(line);
    length = next;
  }
  if (out.length === 0) return truncateEscaped(lines[0] ?? '', maxLength);
  return `${out.join('\n')}\n`;
}
