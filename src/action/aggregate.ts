/**
 * `mode: aggregate`: a monorepo measures its images in a matrix of jobs, each uploading its
 * JSON report; one job downloads them all and merges them into one verdict and one comment.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { decideOutcome } from '../compare/verdict.js';
import { entryKey } from '../compare/delta.js';
import type { Report } from '../report/types.js';

/** Files and directories (searched for *.json, recursively, as download-artifact lays them out). */
export async function findReportFiles(specs: string[], workdir: string): Promise<string[]> {
  const files: string[] = [];
  for (const spec of specs) {
    const full = path.resolve(workdir, spec);
    const info = await stat(full).catch(() => null);
    if (!info) continue;
    if (info.isFile()) files.push(full);
    else if (info.isDirectory()) {
      const entries = await readdir(full, { recursive: true, withFileTypes: true });
      for (const e of entries) if (e.isFile() && e.name.endsWith('.json')) files.push(path.join(e.parentPath, e.name));
    }
  }
  return [...new Set(files)].sort();
}

/** One report from many; an image measured by two jobs keeps its first entry. */
export function mergeReports(reports: Report[]): Report {
  const [first] = reports;
  if (!first) throw new Error('no report to merge');
  const seen = new Set<string>();
  const images = reports.flatMap((r) => r.images).filter((e) => {
    const key = entryKey(e);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const notes = [...new Set(reports.map((r) => r.baseline?.note).filter((n): n is string => Boolean(n)))];
  return {
    ...first,
    createdAt: new Date().toISOString(),
    config: [...new Set(reports.map((r) => r.config))].join(', '),
    overBudget: decideOutcome(images).overBudget,
    baseline: first.baseline ? { ...first.baseline, note: notes.join('; ') } : null,
    budgetChanges: reports.flatMap((r) => r.budgetChanges ?? []),
    images,
  };
}
