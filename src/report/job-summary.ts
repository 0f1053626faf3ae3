/**
 * The long-form markdown report: the job summary, the `markdown` output and the CLI's
 * `--markdown`. The same verdict as the PR comment first, then every entry in one table (both
 * metrics against the base, layers, budget used), the limits, each image's details, the budget
 * changes, the largest layers (with digests) and what to slim; the footer last. Headings nest
 * under the title. Pure.
 */
import { describeBudget } from './budget-text.js';
import { plural } from './comment-format.js';
import { fullEntryRow, fullTableHeader, fullTotalsRow, identityCells, row, showsPlatform, sortChanged, totalsNote } from './delta-table.js';
import { detailSection } from './entry-details.js';
import { afterResultsLines, footerLine, headLines, type ReportTextOptions } from './report-head.js';
import { fitBlocks, renderLargestLayers } from './summary-markdown.js';
import type { Report, ReportEntry } from '../types.js';

/** The per-image details stop here (bytes), well under the job summary's 1 MiB. */
const SUMMARY_DETAILS_MAX_BYTES = 400_000;

type JobSummaryOptions = ReportTextOptions;

function limitsTable(entries: readonly ReportEntry[], withPlatform: boolean): string[] {
  const header = withPlatform ? ['Image', 'Target', 'Platform', 'Limits'] : ['Image', 'Target', 'Limits'];
  return [
    row(header),
    row(header.map(() => '---')),
    // An image the PR removed has no budget here.
    ...entries.map((e) =>
      row([...identityCells(e, withPlatform), e.compressedBytes === null && e.change === 'removed' ? '—' : describeBudget(e.budget)]),
    ),
  ];
}

export function renderJobSummary(report: Report, options: JobSummaryOptions): string {
  const withPlatform = showsPlatform(report.images);
  const sorted = sortChanged(report.images);
  const parts = [headLines(report, options, '##').join('\n')];
  if (report.images.length > 0) {
    const totals = fullTotalsRow(report.images, withPlatform);
    const note = totalsNote(report.images);
    parts.push(
      [
        '### Images',
        '',
        ...fullTableHeader(withPlatform),
        ...sorted.map((e) => fullEntryRow(e, withPlatform)),
        ...(totals ? [totals] : []),
      ].join('\n'),
    );
    if (note) parts.push(note);
    parts.push(['### Limits', '', ...limitsTable(report.images, withPlatform)].join('\n'));
  }
  const details = sorted.map((entry) => detailSection(entry, { dive: true, withPlatform })).filter((d): d is string => d !== null);
  if (details.length > 0) {
    parts.push('### Details');
    parts.push(
      ...fitBlocks(
        details,
        SUMMARY_DETAILS_MAX_BYTES,
        (left) => `${plural(left, 'more image detail', 'more image details')} not shown: see the JSON report.`,
        { separatorBytes: 2 },
      ),
    );
  }
  const after = afterResultsLines(report, options);
  if (after.length > 0) parts.push(['### Budget changes and overrides', '', ...after].join('\n'));
  if (report.images.length > 0) parts.push(renderLargestLayers(report).trimEnd());
  parts.push(footerLine(report, { configPath: options.configPath }));
  return `${parts.join('\n\n')}\n`;
}
