/**
 * An image's base measurement kept in the cache directory (`<cache-dir>/baselines/`), one file
 * per image and build, so a later run whose base builds that image from the same sources — a
 * re-run, a new push while the base branch stands still, the override label, or a base branch
 * that moved with commits outside the image — does not build it again (see reuse-base.ts).
 *
 * This module is the file and its key. The key holds everything that decides what building the
 * image on the base gives: the image's name, the git object ids at the base commit of what the
 * base checkout holds for it (reuse-base.ts), its definition as buildx is given it, extra build
 * flags, where the budget file and working directory are, the builder and image-budget's
 * version. What git does not fix, the images it is built from, is kept beside the measurement
 * (`resolved`) and checked at use.
 *
 * The file comes back through actions/cache, so it is read like a saved report: a regular file,
 * bounded and validated (report-baseline.ts), and a bad one is only a miss.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { toDiffLayer } from '../compare/layer-diff.js';
import { validateJson } from '../report-schema.js';
import { VERSION } from '../version.js';
import { MAX_REPORT_FILE_BYTES, parseReportBaseline, ReportBaselineError } from '../baseline/report-baseline.js';
import type { SizedEntry } from '../types.js';

/** Bump when what the key covers or the file holds changes. */
const REMEMBERED_BASE_FORMAT = 2;
/** Files kept: the most recently used, one per image and build. */
export const MAX_REMEMBERED_BASES = 64;

/** The builder as far as it decides what a build gives (not its name: setup-buildx-action makes a new one per job). */
export interface BuilderIdentity {
  driver: string;
  buildx: string;
  buildkit: string | null;
  platforms: readonly string[];
  containerdStore: boolean | null;
  /** `DOCKER_DEFAULT_PLATFORM`, which buildx uses for an image without `platforms`. */
  defaultPlatform: string | null;
}

export interface RememberedBaseKeyInput {
  image: string;
  /** `[path, git object id or null]` of every file and directory the base build of the image reads. */
  sources: readonly (readonly [string, string | null])[];
  /** What buildx is given for the image, paths relative to the checkout. */
  definition: string;
  /** Flags added to every build. */
  extraArgs: readonly string[];
  /** Where the budget file and the working directory are, relative to the repository. */
  layout: { configPath: string; workdir: string };
  builder: BuilderIdentity;
  version?: string;
}

export function rememberedBaseKey(input: RememberedBaseKeyInput): string {
  const { version = VERSION, ...rest } = input;
  const text = JSON.stringify({ format: REMEMBERED_BASE_FORMAT, version, ...rest });
  return createHash('sha256').update(text).digest('hex');
}

export interface RememberedBase {
  /** The base commit the measurement was made at (the sources may be the same at others). */
  commit: string;
  entries: SizedEntry[];
  /** `ref@sha256:…` of every image the base build resolved. */
  resolved: string[];
}

/** The report format (so the report's validation reads it back), plus the images resolved. */
export function encodeRememberedBase(base: RememberedBase, now: Date = new Date()): string {
  return JSON.stringify({
    schemaVersion: 1,
    commit: base.commit,
    createdAt: now.toISOString(),
    images: base.entries.map((entry) => ({
      name: entry.name,
      target: entry.target,
      platform: entry.platform,
      compressedBytes: entry.compressedBytes,
      uncompressedBytes: entry.uncompressedBytes,
      status: 'ok',
      // What a layer diff reads: a measured layer carries more.
      layers: entry.layers.map(toDiffLayer),
    })),
    resolved: base.resolved,
  });
}

const resolvedSchema = z.object({
  resolved: z
    .array(
      z
        .string()
        .max(600)
        .regex(/^\S+@sha256:[0-9a-f]{64}$/, { error: 'expected ref@sha256:…' }),
    )
    .max(10_000, { error: 'more than 10000 images' }),
});

/** Throws an error naming the file and the JSON path for anything but a measurement. */
export function decodeRememberedBase(content: string, file: string): RememberedBase {
  let saved;
  try {
    saved = parseReportBaseline(content, file);
  } catch (error) {
    // Not a "baseline report" to the user: the file is named, with what is wrong in it.
    throw error instanceof ReportBaselineError ? new Error(`${file}: ${error.detail}`) : error;
  }
  const sources = validateJson(content, resolvedSchema);
  if (!sources.ok) throw new Error(`${file}: ${sources.detail}`);
  if (saved.commit === null) throw new Error(`${file}: commit: expected the commit the base was measured at`);
  return { commit: saved.commit, entries: saved.entries, resolved: sources.value.resolved };
}

/** The measurement kept under `key`; a missing file is null, a bad one is null with why. */
export async function recallBase(
  dir: string,
  key: string,
): Promise<{ base: RememberedBase; problem: null } | { base: null; problem: string | null }> {
  const file = path.join(dir, `${key}.json`);
  try {
    // Not a link or a FIFO restored from a cache: a regular file of bounded size.
    const info = await lstat(file);
    if (!info.isFile()) return { base: null, problem: `${file}: not a regular file` };
    const { size } = info;
    if (size > MAX_REPORT_FILE_BYTES)
      return { base: null, problem: `${file}: ${size} bytes is over the ${MAX_REPORT_FILE_BYTES}-byte limit` };
    const base = decodeRememberedBase(await readFile(file, 'utf8'), file);
    // Recently used files are the ones pruning keeps.
    const now = new Date();
    await utimes(file, now, now).catch(() => {});
    return { base, problem: null };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { base: null, problem: null };
    return { base: null, problem: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Writes the file whole (a concurrent run reads the old one or the new one); the caller prunes
 * once it has written what it keeps (pruneRemembered). A
 * measurement the reader would refuse (say, an instruction longer than a report allows) is not
 * written: it would be a miss with a warning in every later run.
 */
export async function rememberBase(dir: string, key: string, base: RememberedBase): Promise<void> {
  const file = path.join(dir, `${key}.json`);
  const text = encodeRememberedBase(base);
  decodeRememberedBase(text, file);
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

/** Removes all but the `keep` most recently used files (and temporary files a crash left). */
export async function pruneRemembered(dir: string, keep: number): Promise<void> {
  const names = await readdir(dir);
  const files = await Promise.all(
    names.map(async (name) => {
      const file = path.join(dir, name);
      const mtime = await stat(file).then(
        (s) => s.mtimeMs,
        () => null,
      );
      return { name, file, mtime };
    }),
  );
  const kept = files.filter((f) => f.name.endsWith('.json') && f.mtime !== null).sort((a, b) => b.mtime! - a.mtime!);
  const staleTmp = files.filter((f) => f.name.endsWith('.tmp') && f.mtime !== null && Date.now() - f.mtime > 60 * 60 * 1000);
  await Promise.all([...kept.slice(keep), ...staleTmp].map((f) => rm(f.file, { force: true })));
}
