/**
 * What the comment and the summary open and close with: the title, the verdict that names each
 * culprit and the limit it broke, the first "why it grew" line of each, the counts, which
 * baseline was used; after the results the budgets the PR changes (each with what the PR's
 * budget would decide) and the override label; the footer. Pure.
 */
import { parseSize } from '../config/size.js';
import { changeOf, compressedDelta, type Change } from './change.js';
import { formatBytes, formatChange, formatDelta, MAX_MESSAGE, MAX_NAME, plural } from './comment-format.js';
import { entryName, showsPlatform, sortChanged } from './delta-table.js';
import { codeSpan, escapeMessage, escapeText } from './escape.js';
import { configChangeText } from './config-text.js';
import { instructionOneLine, isConfigOnlyChange, locationOf, shareText, whyItGrew } from './growth.js';
import type { BudgetChange, Report, ReportEntry } from '../types.js';

export type { BudgetChange };

/** What the comment and the summary both say besides the report itself. */
export interface ReportTextOptions {
  configPath: string;
  overrideLabel?: { name: string; applied: boolean };
  budgetChanges?: BudgetChange[];
  baselineNote?: string;
  /** The job summary of this run (the full report): linked from the footer. */
  summaryUrl?: string;
}

/** Culprits named one line each in the verdict; the rest are counted. */
export const MAX_VERDICT_LINES = 5;
const MAX_BUDGET_CHANGES = 20;
const VERDICT_INSTRUCTION = 60;

/** Exactly one bucket per entry, so the counts add up to the number of entries. */
type Bucket = 'error' | 'over' | 'warn' | Change | 'config';

function bucketOf(entry: ReportEntry): Bucket {
  if (entry.status === 'error' || entry.status === 'over' || entry.status === 'warn') return entry.status;
  const change = changeOf(entry);
  const sized = change === 'grew' || change === 'shrank' || change === 'unchanged';
  return sized && isConfigOnlyChange(entry) ? 'config' : change;
}

const BUCKET_WORDS: [Bucket, string][] = [
  ['error', 'failed'],
  ['over', 'over budget'],
  ['warn', 'near budget'],
  ['grew', 'grew'],
  ['config', 'config changed'],
  ['shrank', 'shrank'],
  ['new', 'new'],
  ['removed', 'removed'],
  ['unchanged', 'unchanged'],
  ['unknown', 'within budget'],
];

function counts(entries: readonly ReportEntry[]): string {
  const buckets = entries.map(bucketOf);
  const parts = BUCKET_WORDS.map(([bucket, word]) => [buckets.filter((b) => b === bucket).length, word] as const)
    .filter(([n]) => n > 0)
    .map(([n, word]) => `${n} ${word}`);
  return `${plural(entries.length, 'image', 'images')}: ${parts.join(' · ')}`;
}

/**
 * The one-line verdict for logs, check titles and the terminal: an icon and counts that add up
 * ("❌ 3 images: 1 over budget · 1 grew · 1 unchanged").
 */
export function verdictLine(report: Report): string {
  const entries = report.images;
  if (entries.length === 0) return '➖ No images measured';
  const icon = entries.some((e) => e.status === 'over' || e.status === 'error')
    ? '❌'
    : entries.some((e) => e.status === 'warn')
      ? '⚠️'
      : '✅';
  return `${icon} ${counts(entries)}`;
}

/** The finding that decided the entry's status, and how many more of that status. */
function decidingFindings(entry: ReportEntry): { first: string | null; more: number } {
  const same = entry.findings.filter((f) => f.status === entry.status);
  return { first: same[0]?.message ?? null, more: Math.max(0, same.length - 1) };
}

/** BuildKit's own error line (`ERROR: …`) of a failed build's log excerpt, else its first line. */
export function errorHeadline(error: string | null): string | null {
  if (!error) return null;
  const lines = error.split('\n');
  for (const line of lines) {
    const [, message] = /^(?:#\d+ )?ERROR:\s*(?:failed to solve:\s*)?(.+)$/.exec(line.trim()) ?? [];
    if (message !== undefined) return `ERROR: ${message.trim()}`;
  }
  return lines.find((line) => line.trim() !== '')?.trim() ?? null;
}

/** "(+5 MB, +109%)" against the base, when there is one. */
function movement(entry: ReportEntry): string {
  const change = changeOf(entry);
  const delta = compressedDelta(entry, change);
  if (change === 'new') return ' (new)';
  if (delta === null || delta === 0 || !entry.baseline) return '';
  return ` (${formatChange(delta, entry.baseline.compressedBytes)})`;
}

function culpritLine(entry: ReportEntry, withPlatform: boolean): string {
  const name = `**${escapeText(entryName(entry, withPlatform), { maxLength: MAX_NAME * 2 })}**`;
  const deciding = decidingFindings(entry);
  const first = deciding.first ?? (entry.status === 'error' ? errorHeadline(entry.error) : null);
  const more = deciding.more;
  // A build error is BuildKit's text, not ours: its backticks are not meant as code.
  const shown = (text: string) =>
    entry.status === 'error' ? escapeText(text, { maxLength: MAX_MESSAGE }) : escapeMessage(text, MAX_MESSAGE);
  const limit = first === null ? '' : `: ${shown(first)}`;
  const others = more > 0 ? ` and ${plural(more, 'more limit', 'more limits')}` : '';
  if (entry.status === 'error') return `💥 ${name} failed${limit}`;
  const what = entry.status === 'over' ? 'is over budget' : 'is near its budget';
  return `${entry.status === 'over' ? '❌' : '⚠️'} ${name} ${what}${limit}${movement(entry)}${others}`;
}

/**
 * "↳ grew most at `Dockerfile:5` `RUN … > /out/assets.bin` +5 MB (99% of the growth)"; when no
 * layer grew, what the image config changed.
 */
function growthLine(entry: ReportEntry): string | null {
  const [top] = whyItGrew(entry, 1);
  if (!top) {
    const config = configChangeText(entry.configChanges, (text) => codeSpan(text, { maxLength: VERDICT_INSTRUCTION }), 3);
    return config === null ? null : `↳ ${config}`;
  }
  const where = locationOf(top.layer);
  const instruction = instructionOneLine(top.layer, VERDICT_INSTRUCTION);
  const share = shareText(top.share);
  const parts = [where ? codeSpan(where) : 'a base-image layer', instruction ? codeSpan(instruction) : null].filter((p) => p !== null);
  return `↳ grew most at ${parts.join(' ')}: ${formatDelta(top.delta)}${share}`;
}

/**
 * The verdict block: one line per failing entry (over budget or failed; near budget when none
 * fails), at most MAX_VERDICT_LINES, each with its first "why it grew" line; then the counts.
 */
export function verdictLines(report: Report): string[] {
  const entries = report.images;
  if (entries.length === 0) return ['**➖ No images measured**'];
  const withPlatform = showsPlatform(entries);
  const failing = sortChanged(entries.filter((e) => e.status === 'over' || e.status === 'error'));
  const culprits = failing.length > 0 ? failing : sortChanged(entries.filter((e) => e.status === 'warn'));
  const lines: string[] = [];
  if (culprits.length === 0) {
    lines.push(`✅ **${entries.length === 1 ? 'The image is' : `All ${entries.length} images are`} within budget**`);
  }
  for (const entry of culprits.slice(0, MAX_VERDICT_LINES)) {
    lines.push(culpritLine(entry, withPlatform));
    const growth = entry.status === 'error' ? null : growthLine(entry);
    if (growth) lines.push(growth);
  }
  if (culprits.length > MAX_VERDICT_LINES) lines.push(`…and ${culprits.length - MAX_VERDICT_LINES} more`);
  lines.push(counts(entries));
  // One paragraph, one line each: a trailing backslash is a hard line break.
  return [lines.map((line, i) => (i < lines.length - 1 ? `${line}\\` : line)).join('\n')];
}

function baselineLine(report: Report, note: string | undefined): string {
  if (note !== undefined) return escapeMessage(note, MAX_MESSAGE);
  // `baseline: null` is an entry compared with nothing, like one without the field.
  const withBase = report.images.filter((e) => e.baseline != null);
  if (withBase.length === 0) return 'No baseline: delta budgets skipped.';
  // Shown as 12-character prefixes: two commits sharing one are one commit to the reader.
  const commits = [...new Set(withBase.map((e) => e.baseline?.commit?.slice(0, 12)).filter((c): c is string => !!c))];
  if (commits.length === 0) return 'Compared with the base branch.';
  const shown = commits.slice(0, 3).map((c) => codeSpan(c));
  return `Compared with base ${shown.join(', ')}${commits.length > 3 ? ` and ${commits.length - 3} more` : ''}.`;
}

/** The entries a budget change applies to: its image, and its target or platform when scoped. */
function entriesFor(report: Report, c: BudgetChange): ReportEntry[] {
  return report.images.filter(
    (e) => e.name === c.image && (c.target == null || e.target === c.target) && (c.platform == null || e.platform === c.platform),
  );
}

/** What the PR's value would decide for the entries it applies to, e.g. "✅ 9.57 MB ≤ 12 MB". */
function decision(report: Report, c: BudgetChange): string {
  const metric = c.field.endsWith('.uncompressed') ? 'uncompressedBytes' : 'compressedBytes';
  const kind = c.field.startsWith('max.') ? 'max' : c.field.startsWith('warn.') ? 'warn' : c.field === 'maxLayers' ? 'layers' : null;
  if (kind === null || c.to === null) return 'checked once it applies';
  let limit: number;
  try {
    limit = kind === 'layers' ? Number(c.to) : parseSize(c.to);
  } catch {
    return 'checked once it applies';
  }
  const measured = entriesFor(report, c).flatMap((e) => {
    const size = kind === 'layers' ? e.layerCount : e[metric];
    return size === null ? [] : [size];
  });
  if (measured.length === 0 || !Number.isFinite(limit)) return 'checked once it applies';
  // The worst entry's figure.
  const value = Math.max(...measured);
  const shown = kind === 'layers' ? plural(value, 'layer', 'layers') : formatBytes(value);
  const limitShown = kind === 'layers' ? String(limit) : formatBytes(limit);
  if (value <= limit) return `✅ ${shown} ≤ ${limitShown} under this PR's budget`;
  return kind === 'warn' ? `⚠️ ${shown} > ${limitShown}: would warn` : `❌ ${shown} > ${limitShown}: still over under this PR's budget`;
}

/**
 * One line per budget the PR changes, after the results. Budgets come from the base branch, so
 * the PR's apply once merged — or at once when the override label is applied.
 */
function budgetChangeLines(report: Report, changes: BudgetChange[], label: ReportTextOptions['overrideLabel']): string[] {
  if (changes.length === 0) return [];
  const labelName = label ? codeSpan(label.name, { maxLength: 50 }) : null;
  const when = label?.applied
    ? `applies now: the label ${labelName} is on this PR`
    : `applies once merged${labelName ? `, or now with the label ${labelName}` : ''}`;
  const lines = ['**Budgets changed in this PR**', ''];
  for (const c of changes.slice(0, MAX_BUDGET_CHANGES)) {
    const scope = c.target ? ` · ${c.target}` : c.platform ? ` · ${c.platform}` : '';
    const name = `**${escapeText(`${c.image}${scope}`, { maxLength: MAX_NAME * 2 })}**`;
    const values = `${escapeText(c.label, { maxLength: 40 })} ${escapeText(c.from ?? 'none', { maxLength: 40 })} → ${escapeText(c.to ?? 'none', { maxLength: 40 })}`;
    lines.push(`- ${name} ${values}: ${decision(report, c)} — ${when}.`);
  }
  if (changes.length > MAX_BUDGET_CHANGES) lines.push(`- …and ${changes.length - MAX_BUDGET_CHANGES} more in the job summary.`);
  return lines;
}

function labelLine(label: ReportTextOptions['overrideLabel'], report: Report): string | null {
  if (!label) return null;
  const name = codeSpan(label.name, { maxLength: 50 });
  if (label.applied) return `🏷️ Label ${name} is applied: images over budget do not fail this check.`;
  if (report.images.some((e) => e.status === 'over')) return `To accept the growth, a maintainer can add the label ${name}.`;
  return null;
}

/** What the report itself says for the head: its budget changes and baseline note. */
export function reportTextOptions(report: Report): Omit<ReportTextOptions, 'overrideLabel'> {
  return {
    configPath: report.config,
    budgetChanges: report.budgetChanges ?? [],
    ...(report.baseline?.note !== undefined ? { baselineNote: report.baseline.note } : {}),
  };
}

/** Title, verdict with its culprits and counts, and the baseline, as blocks. */
export function headLines(report: Report, opts: ReportTextOptions, heading = '###'): string[] {
  return [`${heading} 📦 Image budget`, '', ...verdictLines(report), '', baselineLine(report, opts.baselineNote)];
}

/** After the results: the override label and the budgets the PR changes. */
export function afterResultsLines(report: Report, opts: ReportTextOptions): string[] {
  const out: string[] = [];
  const budgetLines = budgetChangeLines(report, opts.budgetChanges ?? [], opts.overrideLabel);
  if (budgetLines.length > 0) out.push(...budgetLines);
  const label = labelLine(opts.overrideLabel, report);
  if (label) out.push(...(out.length > 0 ? [''] : []), label);
  return out;
}

/** A URL we link to: http(s), nothing a renderer could misread. */
export function safeUrl(url: string | undefined): string | null {
  if (!url || !/^https?:\/\/[^\s<>()[\]`]+$/.test(url)) return null;
  return url;
}

/** `<sub>image-budget 0.1.0 · config … · commit … · full report</sub>` */
export function footerLine(report: Report, opts: Pick<ReportTextOptions, 'configPath' | 'summaryUrl'>): string {
  const commit = report.commit ? ` · commit ${codeSpan(report.commit.slice(0, 12))}` : '';
  const url = safeUrl(opts.summaryUrl);
  const link = url ? ` · [full report in the job summary](${url})` : '';
  return `<sub>${escapeText(report.tool.name)} ${escapeText(report.tool.version, { maxLength: 40 })} · config ${codeSpan(opts.configPath, { maxLength: MAX_NAME })}${commit}${link}</sub>`;
}
