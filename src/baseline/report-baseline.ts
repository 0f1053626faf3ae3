/**
 * `baseline: report`: a JSON report saved by an earlier run (e.g. on the base branch, kept in
 * actions/cache) read back as the baseline. The file may come from a cache any job can
 * write, so it is untrusted: bounded size, every field used checked, errors that name the
 * file and the JSON path.
 */
import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import { validateJson } from '../report/validate-json.js';
import type { SizedEntry } from '../types.js';

export const MAX_REPORT_FILE_BYTES = 64 * 1024 * 1024;
const MAX_ENTRIES = 10_000;
const MAX_LAYERS = 1_000;

const bytes = (what: string) =>
  z
    .number({ error: `expected ${what} as a number` })
    .int({ error: `expected ${what} as a whole number of bytes` })
    .min(0, { error: `expected ${what} to be non-negative` })
    .max(Number.MAX_SAFE_INTEGER, { error: `${what} is too large` });
const text = (max: number) => z.string({ error: 'expected a string' }).max(max, { error: `longer than ${max} characters` });

const layerSchema = z.object({
  digest: text(200).regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, { error: 'expected a digest like sha256:…' }),
  compressedBytes: bytes('a size'),
  uncompressedBytes: bytes('a size'),
  createdBy: text(65_536).nullable().default(null),
  dockerfile: z
    .object({ path: text(4096), line: z.number().int().min(0).max(10_000_000) })
    .nullable()
    .default(null),
});

const entrySchema = z.object({
  name: text(256).min(1, { error: 'must not be empty' }),
  target: text(256).nullable(),
  platform: text(128).min(1, { error: 'must not be empty' }),
  compressedBytes: bytes('a size').nullable(),
  uncompressedBytes: bytes('a size').nullable(),
  status: z.enum(['ok', 'warn', 'over', 'error']),
  layers: z
    .array(layerSchema)
    .max(MAX_LAYERS, { error: `more than ${MAX_LAYERS} layers` })
    .default([]),
});

const reportSchema = z.object({
  schemaVersion: z.literal(1, { error: 'expected schemaVersion 1 (a report written by image-budget)' }),
  commit: text(64)
    .regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, { error: 'expected a full commit sha' })
    .nullable()
    .default(null),
  createdAt: text(64).optional(),
  images: z.array(entrySchema).max(MAX_ENTRIES, { error: `more than ${MAX_ENTRIES} images` }),
});

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
  const parsed = validateJson(content, reportSchema);
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
    });
  });
  return { file, commit: report.commit, createdAt: report.createdAt ?? null, entries };
}
