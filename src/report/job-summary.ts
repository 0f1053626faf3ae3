/**
 * The long-form markdown report: the job summary, the `markdown` output and the CLI's
 * `--markdown`. The same head as the PR comment, then a sizes table for every entry (what was
 * measured, against which budget), the delta table when there is a baseline, every image's
 * details, and the largest layers of every image. Pure.
 */
import { plural } from './comment-format.js';
import { FULL_TABLE_HEADER, fullEntryRow, fullTotalsRow, sortChanged } from './delta-table.js';
import { detailSection } from './entry-details.js';
import { footerLine, headLines, type ReportTextOptions } from './report-head.js';
import { sizesTable } from './sizes-table.js';
import { renderLargestLayers } from './summary-markdown.js';
import type { Report } from './types.js';

/** The per-image details stop here (bytes), well under the job summary's 1 MiB. */
const SUMMARY_DETAILS_MAX_BYTES = 400_000;

type JobSummaryOptions = ReportTextOptions;

/** Whether any entry was compared with a baseline (not "compared with nothing"). */
function compared(report: Report): boolean {
  return report.images.some((e) => e.baseline !== undefined && e.change !== null);
}

function boundedDetails(details: string[], maxBytes: number): string[] {
  const out: string[] = [];
  let used = 0;
  for (const [i, block] of details.entries()) {
    used += Buffer.byteLength(block) + 2;
    if (used > maxBytes) {
      out.push(`${plural(details.length - i, 'more image detail', 'more image details')} not shown: see the JSON report.`);
      break;
    }
    out.push(block);
  }
  return out;
}

export function renderJobSummary(report: Report, options: JobSummaryOptions): string {
  const sorted = sortChanged(report.images);
  const parts = [headLines(report, options).join('\n'), ['#### Sizes', '', ...sizesTable(report.images)].join('\n')];
  if (compared(report)) {
    parts.push(['#### Against the base', '', ...FULL_TABLE_HEADER, ...sorted.map(fullEntryRow), fullTotalsRow(report.images)].join('\n'));
  }
  const details = sorted.map((entry) => detailSection(entry, { dive: true })).filter((d): d is string => d !== null);
  parts.push(...boundedDetails(details, SUMMARY_DETAILS_MAX_BYTES));
  parts.push(footerLine(report, options.configPath));
  return `${parts.join('\n\n')}\n\n${renderLargestLayers(report)}`;
}
