/**
 * The PR comment, rendered from the JSON report (pure): the verdict naming each culprit, the
 * compact table with unchanged rows folded, the per-image details, then the budget changes and
 * the footer with a link to the job summary; trimmed to GitHub's size limit. Everything that
 * came from the PR (names, targets, platforms, instructions, paths, messages) is made inert by
 * ./escape.ts.
 */
import { plural } from './comment-format.js';
import { commentMarker, runStampLine, type RunStamp } from './comment-marker.js';
import { entryRow, foldedSection, isFolded, showsPlatform, sortChanged, tableHeader, totalsNote, totalsRow } from './delta-table.js';
import { detailSection } from './entry-details.js';
import { truncateEscaped } from './escape.js';
import { groupHints, imageKey } from './hint-text.js';
import { afterResultsLines, footerLine, headLines, safeUrl, verdictLine, type ReportTextOptions } from './report-head.js';
import type { Report, ReportEntry } from '../types.js';

export { commentMarker, hasCommentMarker } from './comment-marker.js';
export { changeOf, type Change } from './change.js';
export { verdictLine, type BudgetChange } from './report-head.js';

/** GitHub rejects issue comment bodies longer than this many characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

export interface RenderCommentOptions extends ReportTextOptions {
  /** Identifies the comment to update (one per key); goes into the hidden marker. */
  key: string;
  /** Default {@link GITHUB_COMMENT_LIMIT}, measured with {@link commentLength}. */
  maxLength?: number;
  /** The run the comment is made for, on the hidden second line (see {@link RunStamp}). */
  run?: RunStamp;
}

/** Alias: the verdict is also the one-line summary used by logs and check titles. */
export const renderSummaryLine = verdictLine;

/** Characters GitHub will count, conservatively: UTF-16 units, and `\n` stored as `\r\n`. */
export function commentLength(body: string): number {
  let newlines = 0;
  for (let i = body.indexOf('\n'); i !== -1; i = body.indexOf('\n', i + 1)) newlines++;
  return body.length + newlines;
}

function trimNote(summaryUrl: string | undefined, omitted: string[]): string {
  const url = safeUrl(summaryUrl);
  const where = url ? `the [job summary](${url})` : 'the job summary';
  return `> [!NOTE]\n> This comment was shortened to fit GitHub's size limit (${omitted.join(', ')} left out). The full report is in ${where}.`;
}

/**
 * Per-entry details of the comment, in table order; each image's hints once, on its first entry
 * (builder targets get none unless the analysis gave them).
 */
function commentDetails(entries: readonly ReportEntry[], all: readonly ReportEntry[], withPlatform: boolean): string[] {
  const hints = groupHints(all);
  const given = new Set<string>();
  const out: string[] = [];
  for (const entry of entries) {
    const key = imageKey(entry);
    const mine = given.has(key) ? [] : (hints.get(key) ?? []);
    given.add(key);
    const section = detailSection(entry, { withPlatform, hints: mine });
    if (section) out.push(section);
  }
  return out;
}

/**
 * Renders the sticky PR comment. Stays within `maxLength` by dropping, in order: per-image
 * details (last first), the folded unchanged rows, then table rows from the bottom; it never
 * cuts inside an HTML tag or a table row, and always keeps the marker, verdict and table header.
 */
export function renderComment(report: Report, opts: RenderCommentOptions): string {
  const maxLength = opts.maxLength ?? GITHUB_COMMENT_LIMIT;
  const withPlatform = showsPlatform(report.images);
  const changed = sortChanged(report.images.filter((e) => !isFolded(e)));
  const folded = report.images.filter(isFolded);

  const head = [commentMarker(opts.key), ...(opts.run ? [runStampLine(opts.run)] : []), ...headLines(report, opts)];

  const rows = changed.map((e) => entryRow(e, withPlatform));
  const totals = totalsRow(report.images, withPlatform);
  const totalsText = totalsNote(report.images);
  const foldedBlock = foldedSection(folded, withPlatform);
  const details = commentDetails(changed, report.images, withPlatform);
  const after = afterResultsLines(report, opts);
  const footer = footerLine(report, opts);

  const compose = (keepRows: number, withFolded: boolean, keepDetails: number, note: string | null): string => {
    const parts = [head.join('\n')];
    if (note) parts.push(note);
    if (rows.length > 0 || !foldedBlock) {
      const table = [...tableHeader(withPlatform), ...rows.slice(0, keepRows), ...(totals ? [totals] : [])];
      parts.push(table.join('\n'));
      if (totalsText) parts.push(totalsText);
    }
    if (keepRows < rows.length) parts.push(`…and ${rows.length - keepRows} more rows in the job summary.`);
    if (foldedBlock) {
      parts.push(withFolded ? foldedBlock : `${plural(folded.length, 'unchanged image', 'unchanged images')} not shown.`);
    }
    if (keepDetails > 0) parts.push(...details.slice(0, keepDetails));
    if (after.length > 0) parts.push(after.join('\n'));
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
