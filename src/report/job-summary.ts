/**
 * The long-form markdown report: the job summary, the `markdown` output and the CLI's
 * `--markdown`. The same head as the PR comment, then a sizes table for every entry (what was
 * measured, against which budget), the delta table when there is a baseline, every image's
 * details, and the largest layers of every image. Pure.
 */
import { isCompared } from './change.js';
import { plural } from './comment-format.js';
import { FULL_TABLE_HEADER, fullEntryRow, fullTotalsRow, sortChanged } from './delta-table.js';
import { detailSection } from './entry-details.js';
import { footerLine, headLines, type ReportTextOptions } from './report-head.js';
import { sizesTable } from './sizes-table.js';
import { fitBlocks, renderLargestLayers } from './summary-markdown.js';
import type { Report } from '../types.js';

/** The per-image details stop here (bytes), well under the job summary's 1 MiB. */
const SUMMARY_DETAILS_MAX_BYTES = 400_000;

type JobSummaryOptions = ReportTextOptions;

export function renderJobSummary(report: Report, options: JobSummaryOptions): string {
  const sorted = sortChanged(report.images);
  const parts = [headLines(report, options).join('\n'), ['#### Sizes', '', ...sizesTable(report.images)].join('\n')];
  if (report.images.some(isCompared)) {
    parts.push(['#### Against the base', '', ...FULL_TABLE_HEADER, ...sorted.map(fullEntryRow), fullTotalsRow(report.images)].join('\n'));
  }
  const details = sorted.map((entry) => detailSection(entry, { dive: true })).filter((d): d is string => d !== null);
  parts.push(
    ...fitBlocks(
      details,
      SUMMARY_DETAILS_MAX_BYTES,
      (left) => `${plural(left, 'more image detail', 'more image details')} not shown: see the JSON report.`,
      { separatorBytes: 2 },
    ),
  );
  parts.push(footerLine(report, options.configPath));
  return `${parts.join('\n\n')}\n\n${renderLargestLayers(report)}`;
}
