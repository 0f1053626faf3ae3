/**
 * `baseline: report`: a JSON report saved by an earlier run (e.g. on the base branch, kept in
 * actions/cache) read back as the baseline. The file may come from a cache any job can
 * write, so it is untrusted: bounded size, every field used checked, errors that name the
 * file and the JSON path.
 */
import { readFile, stat } from 'node:fs/promises';
import { baselineReportSchema, validateJson } from '../report-schema.js';
import type { SizedEntry } from '../types.js';

export const MAX_REPORT_FILE_BYTES = 64 * 1024 * 1024;

export interface ReportBaseline {
  file: string;
  /** The commit the saved report was built from, when it says. */
  commit: string | null;
  createdAt: string | null;
  /** Measured entries; entries that failed in that run (status `error`) are left out. */
  entries: SizedEntry[];
}

export class ReportBaselineError extends Error {
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`baseline report ${file}: ${detail}`);
    this.name = 'ReportBaselineError';
  }
}

export async function loadReportBaseline(file: string): Promise<ReportBaseline> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    throw new ReportBaselineError(file, `cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (size > MAX_REPORT_FILE_BYTES) throw new ReportBaselineError(file, `${size} bytes is over the ${MAX_REPORT_FILE_BYTES}-byte limit`);
  return parseReportBaseline(await readFile(file, 'utf8'), file);
}

export function parseReportBaseline(content: string, file: string): ReportBaseline {
  const parsed = validateJson(content, baselineReportSchema);
  if (!parsed.ok) throw new ReportBaselineError(file, parsed.detail);
  const report = parsed.value;
  const entries: SizedEntry[] = [];
  const seen = new Map<string, number>();
  report.images.forEach((entry, index) => {
    const key = JSON.stringify([entry.name, entry.target, entry.platform]);
    const first = seen.get(key);
    if (first !== undefined) {
      throw new ReportBaselineError(
        file,
        `images[${index}] repeats images[${first}] (${entry.name}, target ${entry.target ?? 'default'}, ${entry.platform})`,
      );
    }
    seen.set(key, index);
    if (entry.status === 'error' || entry.compressedBytes === null || entry.uncompressedBytes === null) return;
    entries.push({
      name: entry.name,
      target: entry.target,
      platform: entry.platform,
      compressedBytes: entry.compressedBytes,
      uncompressedBytes: entry.uncompressedBytes,
      layers: entry.layers,
      ...(entry.imageConfig ? { imageConfig: entry.imageConfig } : {}),
    });
  });
  return { file, commit: report.commit, createdAt: report.createdAt ?? null, entries };
}
