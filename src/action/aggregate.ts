/**
 * `mode: aggregate`: a monorepo measures its images in a matrix of jobs, each uploading its
 * JSON report; one job downloads them all and merges them into one verdict and one comment.
 * Reports are merged only when they were made for the same commit: this run's (`GITHUB_SHA`),
 * else the newest report's; the others are left out with a warning. How many reports, and how
 * many bytes of them, are read is capped: each file is sized before it is read.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { decideOutcome } from '../compare/verdict.js';
import { entryKey } from '../compare/delta.js';
import type { Logger } from '../logger.js';
import { loadReport, ReportError } from '../report/parse-report.js';
import type { Report } from '../types.js';

interface ReportFile {
  file: string;
  /** Found by searching a directory, not named in `reports`: may be any JSON. */
  searched: boolean;
}

async function listReportFiles(specs: string[], workdir: string): Promise<ReportFile[]> {
  const files = new Map<string, boolean>();
  for (const spec of specs) {
    const full = path.resolve(workdir, spec);
    const info = await stat(full).catch(() => null);
    if (!info) continue;
    if (info.isFile()) files.set(full, false);
    else if (info.isDirectory()) {
      const entries = await readdir(full, { recursive: true, withFileTypes: true });
      for (const e of entries) {
        const file = path.join(e.parentPath, e.name);
        if (e.isFile() && e.name.endsWith('.json') && !files.has(file)) files.set(file, true);
      }
    }
  }
  return [...files].map(([file, searched]) => ({ file, searched })).sort((a, b) => a.file.localeCompare(b.file));
}

/** Files and directories (searched for *.json, recursively, as download-artifact lays them out). */
export async function findReportFiles(specs: string[], workdir: string): Promise<string[]> {
  return (await listReportFiles(specs, workdir)).map((f) => f.file);
}

export interface LoadedReport {
  file: string;
  report: Report;
}

/** Far past a real matrix: 256 jobs, 16 MiB per report, 64 MiB in all. */
export const REPORT_LIMITS = { files: 256, fileBytes: 16 * 1024 * 1024, totalBytes: 64 * 1024 * 1024 };

/** The files within the limits, in order; the rest named in one warning. */
async function withinLimits(files: ReportFile[], logger: Logger, limits: typeof REPORT_LIMITS): Promise<ReportFile[]> {
  const kept: ReportFile[] = [];
  const skipped: string[] = [];
  let total = 0;
  for (const file of files) {
    const size = (await stat(file.file).catch(() => null))?.size ?? 0;
    if (kept.length >= limits.files || size > limits.fileBytes || total + size > limits.totalBytes) {
      skipped.push(`${file.file} (${String(size)} bytes)`);
      continue;
    }
    total += size;
    kept.push(file);
  }
  if (skipped.length > 0) {
    const named = skipped.slice(0, 10).join(', ') + (skipped.length > 10 ? ` and ${String(skipped.length - 10)} more` : '');
    logger.warning(
      `aggregate: leaving out ${String(skipped.length)} report file(s) past the limits (${String(limits.files)} files, ` +
        `${String(limits.fileBytes)} bytes each, ${String(limits.totalBytes)} in all): ${named}`,
    );
  }
  return kept;
}

/**
 * Every report in `specs`, within {@link REPORT_LIMITS}. A file named in `reports` must be a
 * valid report; a JSON file found in a directory that is not one (another artifact's file) is
 * skipped with a warning.
 */
export async function loadReports(specs: string[], workdir: string, logger: Logger, limits = REPORT_LIMITS): Promise<LoadedReport[]> {
  const files = await withinLimits(await listReportFiles(specs, workdir), logger, limits);
  // Read at once; kept, skipped or refused in file order, as they were listed.
  const settled = await Promise.allSettled(files.map(({ file }) => loadReport(file)));
  const loaded: LoadedReport[] = [];
  for (const [i, { file, searched }] of files.entries()) {
    const result = settled[i];
    if (result === undefined) throw new Error(`${file}: read but not settled`);
    if (result.status === 'fulfilled') {
      loaded.push({ file, report: result.value });
      continue;
    }
    const error: unknown = result.reason;
    if (!searched || !(error instanceof ReportError)) throw error;
    logger.warning(`aggregate: skipping ${file}: not an image-budget report (${error.message})`);
  }
  return loaded;
}

export interface CommitChoice {
  kept: LoadedReport[];
  /** Reports for another commit, left out. */
  skipped: LoadedReport[];
  commit: string | null;
}

/**
 * Reports made for different commits must not be merged into one verdict: keep those made for
 * `sha` (this run's GITHUB_SHA, which the matrix jobs of one run share) when there are any, else
 * those of the commit whose report is newest (`createdAt`); leave the rest out. Pure.
 */
export function keepNewestCommit(loaded: readonly LoadedReport[], sha?: string): CommitChoice {
  const time = (l: LoadedReport) => Date.parse(l.report.createdAt) || 0;
  const newest = [...loaded].sort((a, b) => time(b) - time(a))[0];
  if (!newest) return { kept: [], skipped: [], commit: null };
  const commit = sha && loaded.some((l) => l.report.commit === sha) ? sha : newest.report.commit;
  return {
    kept: loaded.filter((l) => l.report.commit === commit),
    skipped: loaded.filter((l) => l.report.commit !== commit),
    commit,
  };
}

/** One report from many; an image measured by two jobs keeps its first entry. */
export function mergeReports(reports: Report[]): Report {
  const [first] = reports;
  if (!first) throw new Error('no report to merge');
  const seen = new Set<string>();
  const images = reports
    .flatMap((r) => r.images)
    .filter((e) => {
      const key = entryKey(e);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  const notes = [...new Set(reports.map((r) => r.baseline?.note).filter((n): n is string => Boolean(n)))];
  // Jobs that share a budget file report the same budget changes: list each once.
  const changes = new Map(
    reports.flatMap((r) => r.budgetChanges ?? []).map((c) => [JSON.stringify([c.image, c.target, c.platform, c.field, c.from, c.to]), c]),
  );
  return {
    ...first,
    createdAt: new Date().toISOString(),
    config: [...new Set(reports.map((r) => r.config))].join(', '),
    overBudget: decideOutcome(images).overBudget,
    baseline: first.baseline ? { ...first.baseline, note: notes.join('; ') } : null,
    budgetChanges: [...changes.values()],
    images,
  };
}
