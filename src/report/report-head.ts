/**
 * What the comment and the summary open and close with: the title, the one-line verdict, which
 * baseline was used, the override label, the budgets the PR changes, and the footer. Pure.
 */
import { changeOf, type Change } from './change.js';
import { MAX_MESSAGE, MAX_NAME, plural } from './comment-format.js';
import { escapeCell, escapeCodeSpan, escapeText } from './escape.js';
import type { BudgetChange, Report, ReportEntry } from '../types.js';

/** What the comment and the summary both say besides the report itself. */
export interface ReportTextOptions {
  configPath: string;
  overrideLabel?: { name: string; applied: boolean };
  budgetChanges?: BudgetChange[];
  baselineNote?: string;
}

const MAX_BUDGET_CHANGES = 20;

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

function baselineLine(report: Report, note: string | undefined): string {
  if (note !== undefined) return escapeText(note, { maxLength: MAX_MESSAGE });
  // `baseline: null` is an entry compared with nothing, like one without the field.
  const withBase = report.images.filter((e) => e.baseline != null);
  if (withBase.length === 0) return 'No baseline: delta budgets skipped.';
  // Shown as 12-character prefixes: two commits sharing one are one commit to the reader.
  const commits = [...new Set(withBase.map((e) => e.baseline?.commit?.slice(0, 12)).filter((c): c is string => !!c))];
  if (commits.length === 0) return 'Compared with the base branch.';
  const shown = commits.slice(0, 3).map((c) => escapeCodeSpan(c, { table: false }));
  return `Compared with base ${shown.join(', ')}${commits.length > 3 ? ` and ${commits.length - 3} more` : ''}.`;
}

const BUDGET_CHANGE_HEADER = ['| Image | Budget | Base branch | This PR |', '| --- | --- | ---: | ---: |'];

function budgetChangeRow(c: BudgetChange): string {
  const scope = c.target ? ` (target ${c.target})` : c.platform ? ` (${c.platform})` : '';
  const image = `**${escapeCell(c.image, { maxLength: MAX_NAME })}**${scope ? escapeCell(scope, { maxLength: MAX_NAME }) : ''}`;
  const cell = (text: string) => escapeCell(text, { maxLength: 40 });
  return `| ${image} | ${cell(c.label)} | ${cell(c.from ?? 'none')} | ${cell(c.to ?? 'none')} |`;
}

/**
 * One row per budget the PR changes. Budgets come from the base branch, so the PR's take effect
 * once merged — or at once when the override label is applied (the run then checks the PR's).
 */
function budgetChangeLines(changes: BudgetChange[], label: ReportTextOptions['overrideLabel']): string[] {
  if (changes.length === 0) return [];
  const when = label?.applied
    ? `the label ${escapeCodeSpan(label.name, { maxLength: 50, table: false })} is applied, so they apply to this PR now`
    : "they take effect once merged; until then the base branch's budgets apply";
  const lines = [`**Budgets changed in this PR** (${when}):`, '', ...BUDGET_CHANGE_HEADER];
  lines.push(...changes.slice(0, MAX_BUDGET_CHANGES).map(budgetChangeRow));
  if (changes.length > MAX_BUDGET_CHANGES) lines.push(`| …and ${changes.length - MAX_BUDGET_CHANGES} more | | | |`);
  return lines;
}

function labelLine(label: ReportTextOptions['overrideLabel'], report: Report): string | null {
  if (!label) return null;
  const name = escapeCodeSpan(label.name, { maxLength: 50, table: false });
  if (label.applied) return `🏷️ Label ${name} is applied: images over budget do not fail this check.`;
  if (report.images.some((e) => e.status === 'over')) {
    return `To accept the growth, a maintainer can add the label ${name}.`;
  }
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

/** Title, verdict, baseline, label and budget changes, as lines. */
export function headLines(report: Report, opts: ReportTextOptions): string[] {
  const head = ['### 📦 Image budget', '', `**${verdictLine(report)}**`, '', baselineLine(report, opts.baselineNote)];
  const label = labelLine(opts.overrideLabel, report);
  if (label) head.push('', label);
  const budgetLines = budgetChangeLines(opts.budgetChanges ?? [], opts.overrideLabel);
  if (budgetLines.length > 0) head.push('', ...budgetLines);
  return head;
}

/** `<sub>image-budget 0.1.0 · config … · commit …</sub>` */
export function footerLine(report: Report, configPath: string): string {
  const commit = report.commit ? ` · commit ${escapeCodeSpan(report.commit.slice(0, 12), { table: false })}` : '';
  return `<sub>${escapeText(report.tool.name)} ${escapeText(report.tool.version, { maxLength: 40 })} · config ${escapeCodeSpan(configPath, { maxLength: MAX_NAME, table: false })}${commit}</sub>`;
}
