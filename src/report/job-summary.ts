/**
 * The long-form markdown report: the job summary, the `markdown` output and the CLI's
 * `--markdown`. The same verdict as the PR comment first, then the comment's table with every
 * entry, the on-disk sizes, layers and limits, each image's details, the budget changes, the
 * largest layers (with digests) and what to slim; the footer last. Headings nest under the
 * title. Pure.
 */
import { budgetItems } from './budget-text.js';
import { isCompared, sidesOf } from './change.js';
import { formatBytes, formatDelta, nowrap, plural } from './comment-format.js';
import { entryRow, identityCells, row, showsPlatform, sortChanged, tableHeader, totalsNote, totalsRow } from './delta-table.js';
import { detailSection } from './entry-details.js';
import { afterResultsLines, footerLine, headLines, type ReportTextOptions } from './report-head.js';
import { fitBlocks, renderLargestLayers } from './summary-markdown.js';
import type { Report, ReportEntry } from '../types.js';

/** The per-image details stop here (bytes), well under the job summary's 1 MiB. */
const SUMMARY_DETAILS_MAX_BYTES = 400_000;

type JobSummaryOptions = ReportTextOptions;

/** "20.1 MB (+10.5 MB)": the on-disk size and its Δ, for the limits table. */
function onDisk(entry: ReportEntry): string {
  const { base, head } = sidesOf(entry, 'uncompressed');
  if (head === null) return entry.change === 'removed' && base !== null ? `removed (was ${formatBytes(base)})` : '—';
  if (!isCompared(entry) || base === null) return formatBytes(head) + (entry.change === 'new' ? ' (new)' : '');
  return head === base ? `${formatBytes(head)} (±0)` : `${formatBytes(head)} (${formatDelta(head - base)})`;
}

/** What the main table leaves out: on-disk size, layers and the limits in words. */
function limitsTable(entries: readonly ReportEntry[], withPlatform: boolean): string[] {
  const id = withPlatform ? ['Image', 'Target', 'Platform'] : ['Image', 'Target'];
  return [
    row([...id, 'On disk (Δ)', 'Layers', 'Limits']),
    row([...id.map(() => '---'), '---:', '---:', '---']),
    ...entries.map((e) =>
      row([
        ...identityCells(e, withPlatform),
        nowrap(onDisk(e)),
        e.layerCount === null ? '—' : String(e.layerCount),
        // An image the PR removed has no budget here.
        e.compressedBytes === null && e.change === 'removed' ? '—' : budgetItems(e.budget).map(nowrap).join(', ') || '—',
      ]),
    ),
  ];
}

export function renderJobSummary(report: Report, options: JobSummaryOptions): string {
  const withPlatform = showsPlatform(report.images);
  const sorted = sortChanged(report.images);
  const parts = [headLines(report, options, '##').join('\n')];
  if (report.images.length > 0) {
    // The comment's table, every row (none folded), then what it leaves out: both fit 780 px.
    const totals = totalsRow(report.images, withPlatform);
    const note = totalsNote(report.images);
    parts.push(
      ['### Images', '', ...tableHeader(withPlatform), ...sorted.map((e) => entryRow(e, withPlatform)), ...(totals ? [totals] : [])].join(
        '\n',
      ),
    );
    if (note) parts.push(note);
    parts.push(['### On disk, layers and limits', '', ...limitsTable(sorted, withPlatform)].join('\n'));
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
