/** The CLI's table: aligned columns, no markdown, control characters from untrusted text removed. */
import { formatSize } from '../config/size.js';
import { verdictLine } from './comment.js';
import { describeBudgetUsage } from './summary-markdown.js';
import { deltaOf, sidesOf, type Metric } from './change.js';
import type { Report, ReportEntry, Status } from '../types.js';

const STATUS_WORD: Record<Status, string> = { ok: 'ok', warn: 'WARN', over: 'OVER', error: 'ERROR' };

/** Drops terminal escape sequences and other control characters a Dockerfile could carry. */
export function sanitizeForTerminal(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '').replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

function pad(cells: string[][]): string[] {
  const widths = cells[0]?.map((_, col) => Math.max(...cells.map((row) => [...(row[col] ?? '')].length))) ?? [];
  return cells.map((row) =>
    row
      .map((cell, col) => cell + ' '.repeat((widths[col] ?? 0) - [...cell].length))
      .join('  ')
      .trimEnd(),
  );
}

/** "+1.2 MB (+4.5%)" against the baseline, compressed or uncompressed, or why there is none. */
export function describeDelta(entry: ReportEntry, metric: Metric = 'compressed'): string {
  if (entry.change === 'removed') return 'removed';
  if (!entry.baseline || !entry.delta) return entry.change === 'new' ? 'new' : '-';
  const bytes = deltaOf(entry)![metric];
  const base = sidesOf(entry, metric).base!;
  const sign = bytes > 0 ? '+' : bytes < 0 ? '-' : '±';
  const percent = base > 0 ? ` (${sign}${((Math.abs(bytes) / base) * 100).toFixed(1)}%)` : '';
  return `${sign}${formatSize(Math.abs(bytes))}${percent}`;
}

/** Hints shown per entry in the terminal; the JSON and markdown reports carry the rest. */
export const TERMINAL_HINTS = 3;

function entryLabel(entry: ReportEntry): string {
  return sanitizeForTerminal(`${entry.name}${entry.target ? `:${entry.target}` : ''} ${entry.platform}`);
}

/** Per analysed entry: wasted bytes and efficiency (ours, then dive's), then the largest hints with file:line and the fix. */
export function renderAnalysisLines(report: Report): string[] {
  const lines: string[] = [];
  for (const entry of report.images) {
    const a = entry.analysis;
    if (!a) continue;
    const stage = entry.kind === 'stage' ? ' (stage)' : '';
    lines.push(`  ${entryLabel(entry)}${stage}: ${formatSize(a.wastedBytes)} wasted, efficiency ${(a.efficiency * 100).toFixed(1)}%`);
    // dive's own figures, to compare with `dive --ci` (docs/analysis.md: ours vs dive's).
    if (a.dive) lines.push(`    dive: wasted ${formatSize(a.dive.wastedBytes)}, efficiency ${(a.dive.efficiency * 100).toFixed(1)}%`);
    const hints = [...a.hints].sort((x, y) => y.bytes - x.bytes);
    for (const hint of hints.slice(0, TERMINAL_HINTS)) {
      const where = hint.dockerfile ? `${hint.dockerfile.path}:${hint.dockerfile.line}` : 'base image';
      const size = hint.bytes > 0 ? ` ${formatSize(hint.bytes)}` : '';
      lines.push(
        `    ${sanitizeForTerminal(hint.id)} ${sanitizeForTerminal(where)} ${sanitizeForTerminal(hint.path.slice(0, 120))}${size}`,
      );
      if (hint.fix) lines.push(`      fix: ${sanitizeForTerminal(hint.fix.slice(0, 240))}`);
    }
    if (hints.length > TERMINAL_HINTS) lines.push(`    … ${hints.length - TERMINAL_HINTS} more hint(s) in the JSON/markdown report`);
  }
  return lines;
}

function renderStageLines(report: Report): string[] {
  const lines: string[] = [];
  for (const entry of report.images) {
    if (!entry.stages || entry.stages.length === 0) continue;
    const cells = entry.stages.map((row) => [
      `    ${row.current ? '*' : ' '} ${sanitizeForTerminal(row.name ?? '(last stage)')}`,
      formatSize(row.compressedBytes),
      formatSize(row.uncompressedBytes),
      row.hasToolchain ? 'toolchain' : '',
    ]);
    lines.push(`  stages of ${entryLabel(entry)} (compressed, uncompressed):`, ...pad(cells));
    if (entry.singleStageWithToolchain) lines.push('    single stage with a toolchain: a multi-stage build would leave it out');
  }
  return lines;
}

export function renderTerminalReport(report: Report): string {
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
      ? [
          ...(['compressed', 'uncompressed'] as const).flatMap((metric) => {
            const { base } = sidesOf(entry, metric);
            return [base === null ? '-' : formatSize(base), describeDelta(entry, metric)];
          }),
        ]
      : [];
    return [
      sanitizeForTerminal(entry.name),
      sanitizeForTerminal(entry.target ?? '-') + (entry.kind === 'stage' ? ' (stage)' : ''),
      sanitizeForTerminal(entry.platform),
      entry.compressedBytes === null ? '-' : formatSize(entry.compressedBytes),
      entry.uncompressedBytes === null ? '-' : formatSize(entry.uncompressedBytes),
      entry.layerCount === null ? '-' : String(entry.layerCount),
      ...comparison,
      describeBudgetUsage(entry, '%'),
      STATUS_WORD[entry.status],
    ];
  });
  const findings = report.images.flatMap((entry) =>
    entry.findings.map(
      (f) =>
        `  ${STATUS_WORD[f.status]} ${sanitizeForTerminal(`${entry.name}${entry.target ? `:${entry.target}` : ''} ${entry.platform}`)}: ${sanitizeForTerminal(f.message)}`,
    ),
  );
  const verdict = verdictLine(report).replace(/^\S+ /, '');
  const baseline =
    typeof report.baseline === 'object' && report.baseline !== null && 'note' in report.baseline ? [String(report.baseline.note)] : [];
  const growth = report.images.flatMap((entry) =>
    (entry.contributors ?? [])
      .slice(0, 3)
      .map(
        (c) =>
          `  grew ${sanitizeForTerminal(`${entry.name}${entry.target ? `:${entry.target}` : ''}`)}: +${formatSize(c.deltaBytes)} ${sanitizeForTerminal(c.location ?? 'base image')} ${sanitizeForTerminal((c.createdBy ?? '').slice(0, 80))}`,
      ),
  );
  const analysis = renderAnalysisLines(report);
  const stages = renderStageLines(report);
  return [
    ...baseline,
    ...pad([header, ...rows]),
    '',
    ...(findings.length > 0 ? [...findings, ''] : []),
    ...(growth.length > 0 ? [...growth, ''] : []),
    ...(analysis.length > 0 ? ['Layer analysis:', ...analysis, ''] : []),
    ...(stages.length > 0 ? [...stages, ''] : []),
    verdict,
    '',
  ].join('\n');
}
