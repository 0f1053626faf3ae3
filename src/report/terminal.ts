/**
 * The CLI's report: aligned columns, no markdown, control characters from untrusted text
 * removed; colour (when asked) for statuses and the verdict; hints grouped per image as in the
 * job summary.
 */
import { formatBytes, formatDelta, formatPercent } from '../format-size.js';
import { describeBudgetUsage } from './budget-text.js';
import { deltaOf, sidesOf, type Metric } from './change.js';
import { groupHints, imageKey } from './hint-text.js';
import { configChangeText } from './config-text.js';
import { elideMiddleText, instructionOneLine, locationOf, whyItGrew } from './growth.js';
import { verdictLine } from './report-head.js';
import type { Report, ReportEntry, Status } from '../types.js';

const STATUS_WORD: Record<Status, string> = { ok: 'ok', warn: 'WARN', over: 'OVER', error: 'ERROR' };

const SGR = { red: '31', green: '32', yellow: '33', bold: '1', dim: '2' } as const;
export type Style = keyof typeof SGR;

/** `text` in an ANSI style when `color`, as it is otherwise. */
export function paint(text: string, style: Style, color: boolean): string {
  return color ? `\u001b[${SGR[style]}m${text}\u001b[0m` : text;
}

const STATUS_STYLE: Record<Status, Style> = { ok: 'green', warn: 'yellow', over: 'red', error: 'red' };

/** Drops terminal escape sequences and other control characters a Dockerfile could carry. */
export function sanitizeForTerminal(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '').replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

/** Columns a cell takes: one per code point, so a character outside the BMP is not counted twice. */
function cellWidth(cell: string): number {
  return Array.from(cell).length;
}

/** Columns padded to their widest cell; `styles` colour a cell after padding, so widths stay right. */
function pad(cells: string[][], styles: ((cell: string, row: number, col: number) => string) | null = null): string[] {
  const widths = cells[0]?.map((_, col) => Math.max(...cells.map((row) => cellWidth(row[col] ?? '')))) ?? [];
  return cells.map((row, r) =>
    row
      .map((cell, col) => {
        // The last column is not padded: nothing follows it.
        const padded = col === row.length - 1 ? cell : cell + ' '.repeat((widths[col] ?? 0) - cellWidth(cell));
        return styles ? styles(padded, r, col) : padded;
      })
      .join('  ')
      .trimEnd(),
  );
}

/** "+1.2 MB (+4.5%)" against the baseline, compressed or uncompressed, or why there is none. */
export function describeDelta(entry: ReportEntry, metric: Metric = 'compressed'): string {
  if (entry.change === 'removed') return 'removed';
  const delta = deltaOf(entry);
  const { base } = sidesOf(entry, metric);
  if (!entry.baseline || !entry.delta || delta === null || base === null) return entry.change === 'new' ? 'new' : '-';
  const bytes = delta[metric];
  const percent = formatPercent(bytes, base);
  return `${bytes === 0 ? '±0 B' : formatDelta(bytes)}${percent === null ? '' : ` (${percent})`}`;
}

/** Hints shown per image in the terminal; the JSON and markdown reports carry the rest. */
export const TERMINAL_HINTS = 3;

function entryLabel(entry: ReportEntry, withPlatform = true): string {
  return sanitizeForTerminal(`${entry.name}${entry.target ? `:${entry.target}` : ''}${withPlatform ? ` ${entry.platform}` : ''}`);
}

/**
 * Per analysed entry: wasted bytes and efficiency (ours, then dive's); then, once per image,
 * its largest hints with file:line, the platforms they were found on, and the fix.
 */
export function renderAnalysisLines(report: Report): string[] {
  const lines: string[] = [];
  const grouped = groupHints(report.images);
  const given = new Set<string>();
  for (const entry of report.images) {
    const a = entry.analysis;
    if (!a) continue;
    const stage = entry.kind === 'stage' ? ' (stage)' : '';
    lines.push(`  ${entryLabel(entry)}${stage}: ${formatBytes(a.wastedBytes)} wasted, efficiency ${(a.efficiency * 100).toFixed(1)}%`);
    // dive's own figures, to compare with `dive --ci` (docs/analysis.md: ours vs dive's).
    if (a.dive) lines.push(`    dive: wasted ${formatBytes(a.dive.wastedBytes)}, efficiency ${(a.dive.efficiency * 100).toFixed(1)}%`);
    const key = imageKey(entry);
    if (given.has(key)) continue;
    given.add(key);
    const hints = grouped.get(key) ?? [];
    for (const { hint, platforms } of hints.slice(0, TERMINAL_HINTS)) {
      const where = hint.dockerfile ? `${hint.dockerfile.path}:${hint.dockerfile.line}` : 'base image';
      const size = hint.bytes > 0 ? ` ${formatBytes(hint.bytes)}` : '';
      const on = platforms.length > 0 ? ` (${platforms.join(', ')})` : '';
      lines.push(
        `    ${sanitizeForTerminal(hint.id)} ${sanitizeForTerminal(where)} ${sanitizeForTerminal(hint.path.slice(0, 120))}${size}${sanitizeForTerminal(on)}`,
      );
      if (hint.fix) lines.push(`      fix: ${sanitizeForTerminal(hint.fix.slice(0, 240))}`);
    }
    const left = hints.length - TERMINAL_HINTS;
    if (left > 0) lines.push(`    … ${left} more ${left === 1 ? 'hint' : 'hints'} in the JSON/markdown report`);
  }
  return lines;
}

function renderStageLines(report: Report): string[] {
  const lines: string[] = [];
  for (const entry of report.images) {
    if (!entry.stages || entry.stages.length === 0) continue;
    const cells = entry.stages.map((row) => [
      `    ${row.current ? '*' : ' '} ${sanitizeForTerminal(row.name ?? '(last stage)')}`,
      formatBytes(row.compressedBytes),
      formatBytes(row.uncompressedBytes),
      row.hasToolchain ? 'toolchain' : '',
    ]);
    lines.push(`  stages of ${entryLabel(entry)} (compressed, uncompressed):`, ...pad(cells));
    if (entry.singleStageWithToolchain) lines.push('    single stage with a toolchain: a multi-stage build would leave it out');
  }
  return lines;
}

/**
 * "  grew api:builder +5 MB Dockerfile:5 RUN … > /out/assets.bin", the largest three per entry;
 * "  config api:runtime: image config changed: label … changed" for what the config changed.
 */
function growthLines(report: Report): string[] {
  return report.images.flatMap((entry) => {
    const grew = whyItGrew(entry, 3).map((step) => {
      const where = locationOf(step.layer) ?? 'base image';
      const instruction = instructionOneLine(step.layer, 100) ?? '';
      return `  grew ${entryLabel(entry, false)}: ${formatDelta(step.delta)} ${sanitizeForTerminal(where)} ${sanitizeForTerminal(instruction)}`;
    });
    const config = configChangeText(entry.configChanges, (text) => sanitizeForTerminal(elideMiddleText(text, 100)));
    return config === null ? grew : [...grew, `  config ${entryLabel(entry, false)}: ${config}`];
  });
}

export function renderTerminalReport(report: Report, options: { color?: boolean } = {}): string {
  const color = options.color ?? false;
  // change: null is compared with nothing (no baseline): no base columns then.
  const compared = report.images.some((e) => e.change != null);
  const header = [
    'IMAGE',
    'TARGET',
    'PLATFORM',
    'COMPRESSED',
    'UNCOMPRESSED',
    'LAYERS',
    ...(compared ? ['BASE', 'DELTA', 'BASE UNCOMPRESSED', 'DELTA UNCOMPRESSED'] : []),
    'BUDGET',
    'STATUS',
  ];
  const rows = report.images.map((entry) => {
    const comparison = compared
      ? (['compressed', 'uncompressed'] as const).flatMap((metric) => {
          const { base } = sidesOf(entry, metric);
          return [base === null ? '-' : formatBytes(base), describeDelta(entry, metric)];
        })
      : [];
    return [
      sanitizeForTerminal(entry.name),
      sanitizeForTerminal(entry.target ?? '-') + (entry.kind === 'stage' ? ' (stage)' : ''),
      sanitizeForTerminal(entry.platform),
      entry.compressedBytes === null ? '-' : formatBytes(entry.compressedBytes),
      entry.uncompressedBytes === null ? '-' : formatBytes(entry.uncompressedBytes),
      entry.layerCount === null ? '-' : String(entry.layerCount),
      ...comparison,
      describeBudgetUsage(entry, '%'),
      STATUS_WORD[entry.status],
    ];
  });
  const statusCol = header.length - 1;
  const table = pad([header, ...rows], (cell, r, col) => {
    if (r === 0) return paint(cell, 'bold', color);
    const entry = report.images[r - 1];
    return col === statusCol && entry ? paint(cell, STATUS_STYLE[entry.status], color) : cell;
  });
  const findings = report.images.flatMap((entry) =>
    entry.findings.map(
      (f) => `  ${paint(STATUS_WORD[f.status], STATUS_STYLE[f.status], color)} ${entryLabel(entry)}: ${sanitizeForTerminal(f.message)}`,
    ),
  );
  const verdict = verdictLine(report).replace(/^\S+ /, '');
  const failing = report.images.some((e) => e.status === 'over' || e.status === 'error');
  const verdictStyle: Style = failing ? 'red' : report.images.some((e) => e.status === 'warn') ? 'yellow' : 'green';
  const baseline =
    typeof report.baseline === 'object' && report.baseline !== null && 'note' in report.baseline
      ? [sanitizeForTerminal(report.baseline.note)]
      : [];
  const growth = growthLines(report);
  const analysis = renderAnalysisLines(report);
  const stages = renderStageLines(report);
  return [
    ...baseline,
    ...table,
    '',
    ...(findings.length > 0 ? [...findings, ''] : []),
    ...(growth.length > 0 ? [...growth, ''] : []),
    ...(analysis.length > 0 ? ['Layer analysis:', ...analysis, ''] : []),
    ...(stages.length > 0 ? [...stages, ''] : []),
    paint(verdict, verdictStyle, color),
    '',
  ].join('\n');
}
