/**
 * Reading a JSON report back as untrusted input: the `comment` mode of a `workflow_run`
 * workflow (the report came from a fork's run) and `aggregate` (artifacts of matrix jobs).
 * Checked against the one report schema (report-schema.ts).
 */
import { readFile, stat } from 'node:fs/promises';
import { MAX_REPORT_FILE_BYTES } from '../baseline/report-baseline.js';
import { reportSchema, validateJson } from '../report-schema.js';
import type { Report } from '../types.js';

export class ReportError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`report ${file}: ${detail}`);
    this.name = 'ReportError';
  }
}

export function parseReport(content: string, file: string): Report {
  const parsed = validateJson(content, reportSchema);
  if (!parsed.ok) throw new ReportError(file, parsed.detail);
  return parsed.value as Report;
}

export async function loadReport(file: string): Promise<Report> {
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) throw new ReportError(file, 'no such file');
  if (info.size > MAX_REPORT_FILE_BYTES) throw new ReportError(file, `larger than ${MAX_REPORT_FILE_BYTES} bytes`);
  return parseReport(await readFile(file, 'utf8'), file);
}
