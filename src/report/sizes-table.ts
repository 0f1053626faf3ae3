/**
 * The job summary's sizes table, one row per image × target × platform: image, target,
 * platform, compressed, uncompressed, layers, budget, status (issue 2's columns). It says what
 * was measured and against which limits, whether or not there is a baseline. Pure.
 */
import { formatBytes } from './comment-format.js';
import { identityCells, row, statusCell } from './delta-table.js';
import { describeBudgetUsage } from './summary-markdown.js';
import type { ReportEntry } from '../types.js';

const SIZES_TABLE_HEADER = [
  '| Image | Target | Platform | Compressed | Uncompressed | Layers | Budget | Status |',
  '| --- | --- | --- | ---: | ---: | ---: | --- | --- |',
];

function sizeCell(bytes: number | null): string {
  return bytes === null ? '—' : formatBytes(bytes);
}

function sizesRow(entry: ReportEntry): string {
  // An image the PR removed has no budget here; its sizes are the base's, in the delta table.
  const budget = entry.compressedBytes === null && entry.change === 'removed' ? '—' : describeBudgetUsage(entry);
  return row([
    ...identityCells(entry),
    sizeCell(entry.compressedBytes),
    sizeCell(entry.uncompressedBytes),
    entry.layerCount === null ? '—' : String(entry.layerCount),
    budget,
    statusCell(entry),
  ]);
}

export function sizesTable(entries: ReportEntry[]): string[] {
  return [...SIZES_TABLE_HEADER, ...entries.map(sizesRow)];
}
