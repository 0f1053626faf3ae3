/** The CLI's table: aligned columns, no markdown, control characters from untrusted text removed. */
import { formatSize } from '../config/size.js';
import { budgetUsed, describeBudget, verdictSentence } from './summary-markdown.js';
import type { Report, Status } from './types.js';

const STATUS_WORD: Record<Status, string> = { ok: 'ok', warn: 'WARN', over: 'OVER', error: 'ERROR' };

/** Drops terminal escape sequences and other control characters a Dockerfile could carry. */
export function sanitizeForTerminal(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '').replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

function pad(cells: string[][]): string[] {
  const widths = cells[0]?.map((_, col) => Math.max(...cells.map((row) => [...(row[col] ?? '')].length))) ?? [];
  return cells.map((row) => row.map((cell, col) => cell + ' '.repeat((widths[col] ?? 0) - [...cell].length)).join('  ').trimEnd());
}

export function renderTerminalReport(report: Report): string {
  const header = ['IMAGE', 'TARGET', 'PLATFORM', 'COMPRESSED', 'UNCOMPRESSED', 'LAYERS', 'BUDGET', 'STATUS'];
  const rows = report.images.map((entry) => {
    const used = budgetUsed(entry);
    return [
      sanitizeForTerminal(entry.name),
      sanitizeForTerminal(entry.target ?? '-'),
      sanitizeForTerminal(entry.platform),
      entry.compressedBytes === null ? '-' : formatSize(entry.compressedBytes),
      entry.uncompressedBytes === null ? '-' : formatSize(entry.uncompressedBytes),
      entry.layerCount === null ? '-' : String(entry.layerCount),
      describeBudget(entry.budget) + (used === null ? '' : ` (${Math.round(used * 100)}%)`),
      STATUS_WORD[entry.status],
    ];
  });
  const findings = report.images.flatMap((entry) =>
    entry.findings.map((f) => `  ${STATUS_WORD[f.status]} ${sanitizeForTerminal(`${entry.name}${entry.target ? `:${entry.target}` : ''} ${entry.platform}`)}: ${sanitizeForTerminal(f.message)}`),
  );
  const verdict = verdictSentence(report).replace(/^✅ |^❌ /, '');
  return [...pad([header, ...rows]), '', ...(findings.length > 0 ? [...findings, ''] : []), verdict, ''].join('\n');
}
