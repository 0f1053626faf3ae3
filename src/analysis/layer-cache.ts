/**
 * Per-layer scan results kept on disk by layer digest (gzipped JSON), so layers shared by the
 * base and the PR image, or unchanged since the last run, are read once. Scans live in a
 * subdirectory named for the scan format and the tool's version (`scan2-0.1.0/`): a release
 * never reads another release's scans, even if someone forgot to bump the format. A corrupt or
 * mismatched file is ignored (and rewritten by the next `put`); the first `put` removes the
 * subdirectories of other formats and versions, so a persisted cache does not grow with them.
 */
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { VERSION } from '../version.js';
import type { EntryType, LayerEntry, LayerScan, PackageLockScan } from './types.js';

/** Used when no directory is given (tests, library use); the pipeline uses defaultLayerCacheDir. */
export const DEFAULT_LAYER_CACHE_DIR = '.image-budget/cache/layers';

/**
 * Where the pipeline keeps layer scans by default: never inside the repository, where a
 * `context: .` build would send them to BuildKit (and `COPY . .` into the image). On a runner,
 * `$RUNNER_TEMP/image-budget-layers` (persist it with actions/cache); elsewhere the user's
 * cache directory.
 */
export function defaultLayerCacheDir(env: NodeJS.ProcessEnv): string {
  if (env.RUNNER_TEMP) return join(env.RUNNER_TEMP, 'image-budget-layers');
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'image-budget', 'layers');
}
/** Bump when the scan format or what read-layer emits changes (between releases too). */
export const SCAN_FORMAT_VERSION = 3;

/** The subdirectory of the cache this format and tool version read and write. */
export function cacheGeneration(version: string = VERSION): string {
  return `scan${SCAN_FORMAT_VERSION}-${version}`;
}

/** Subdirectories of any generation, and the flat files of format 1 (before generations). */
const GENERATION_RE = /^scan\d+-.+$/;
const FLAT_FILE_RE = /^[a-z0-9]+-[a-f0-9]{32,128}\.json\.gz$/;

/** What a failed cache write reports (it never fails the analysis). */
export function cacheWriteError(digest: string, error: unknown): string {
  return `layer cache: cannot write ${digest}: ${error instanceof Error ? error.message : String(error)}`;
}

export interface LayerCache {
  get(digest: string): Promise<LayerScan | null>;
  put(scan: LayerScan): Promise<void>;
}

const TYPE_CODES: Record<EntryType, string> = { file: 'f', dir: 'd', symlink: 's', hardlink: 'h', other: 'o' };
const CODE_TYPES: Record<string, EntryType> = { f: 'file', d: 'dir', s: 'symlink', h: 'hardlink', o: 'other' };

/** Columns, not objects: a third of the size for layers with many files. */
interface CachedScan {
  v: number;
  /** The tool version that wrote it. */
  tool: string;
  digest: string;
  paths: string[];
  types: string;
  sizes: number[];
  modes: number[];
  uids: number[];
  links: Record<string, string>;
  /** npm hidden lockfiles: path → dev package keys (null: unreadable). */
  locks?: Record<string, string[] | null>;
  /** LayerScan.uncompressedBytes. */
  bytes?: number;
}

/** What a cache file must hold to be read back; anything else is a miss. */
const cachedScanSchema: z.ZodType<CachedScan> = z.object({
  v: z.number(),
  tool: z.string(),
  digest: z.string(),
  paths: z.array(z.string()),
  types: z.string(),
  sizes: z.array(z.number()),
  modes: z.array(z.number()),
  uids: z.array(z.number()),
  links: z.record(z.string(), z.string()),
  locks: z.record(z.string(), z.array(z.string()).nullable()).optional(),
  bytes: z.number().int().nonnegative().optional(),
});

export function encodeScan(scan: LayerScan, version: string = VERSION): Buffer {
  const c: CachedScan = {
    v: SCAN_FORMAT_VERSION,
    tool: version,
    digest: scan.digest,
    paths: [],
    types: '',
    sizes: [],
    modes: [],
    uids: [],
    links: {},
  };
  const types: string[] = [];
  scan.entries.forEach((e, i) => {
    c.paths.push(e.path);
    types.push(TYPE_CODES[e.type]);
    c.sizes.push(e.size);
    c.modes.push(e.mode);
    c.uids.push(e.uid);
    if (e.linkTarget !== null) c.links[i] = e.linkTarget;
  });
  c.types = types.join('');
  if (scan.packageLocks) c.locks = Object.fromEntries(scan.packageLocks.map((l) => [l.path, l.devPackages]));
  if (scan.uncompressedBytes !== undefined) c.bytes = scan.uncompressedBytes;
  return gzipSync(JSON.stringify(c));
}

/** The scan, or null when the bytes are not a well-formed cache file for `digest` of this format and version. */
export function decodeScan(bytes: Buffer, digest: string, version: string = VERSION): LayerScan | null {
  let json: unknown;
  try {
    json = JSON.parse(gunzipSync(bytes).toString('utf8'));
  } catch {
    return null;
  }
  const parsed = cachedScanSchema.safeParse(json);
  if (!parsed.success) return null;
  const c = parsed.data;
  const n = c.paths.length;
  if (
    c.v !== SCAN_FORMAT_VERSION ||
    c.tool !== version ||
    c.digest !== digest ||
    c.types.length !== n ||
    c.sizes.length !== n ||
    c.modes.length !== n ||
    c.uids.length !== n
  ) {
    return null;
  }
  const entries: LayerEntry[] = [];
  for (const [i, path] of c.paths.entries()) {
    const type = CODE_TYPES[c.types.charAt(i)];
    const size = c.sizes[i];
    const mode = c.modes[i];
    const uid = c.uids[i];
    if (!type || size === undefined || mode === undefined || uid === undefined) return null;
    entries.push({ path, type, size, linkTarget: c.links[i] ?? null, mode, uid });
  }
  const counted = c.bytes === undefined ? {} : { uncompressedBytes: c.bytes };
  if (!c.locks) return { digest, entries, ...counted };
  const packageLocks: PackageLockScan[] = Object.entries(c.locks).map(([path, devPackages]) => ({ path, devPackages }));
  return { digest, entries, packageLocks, ...counted };
}

const DIGEST_RE = /^([a-z0-9]+):([a-f0-9]{32,128})$/;

/**
 * A cache in `dir`, files named `<generation>/<algorithm>-<hex>.json.gz` (no `:` so Windows runners
 * can share it). `version` is the tool's (tests pass another to act as a different release).
 */
export function openLayerCache(
  dir: string = DEFAULT_LAYER_CACHE_DIR,
  opts: { version?: string } = {},
): LayerCache & { fileFor(digest: string): string | null } {
  const version = opts.version ?? VERSION;
  const generation = cacheGeneration(version);
  const root = join(dir, generation);
  let pruned = false;
  const fileFor = (digest: string): string | null => {
    const m = DIGEST_RE.exec(digest);
    return m ? join(root, `${m[1]}-${m[2]}.json.gz`) : null;
  };
  /** Best effort: another generation's files are never read again by this release. */
  const prune = async () => {
    pruned = true;
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (name === generation || !(GENERATION_RE.test(name) || FLAT_FILE_RE.test(name))) continue;
      await rm(join(dir, name), { recursive: true, force: true }).catch(() => undefined);
    }
  };
  return {
    fileFor,
    async get(digest) {
      const file = fileFor(digest);
      if (!file) return null;
      try {
        return decodeScan(await readFile(file), digest, version);
      } catch {
        return null;
      }
    },
    async put(scan) {
      const file = fileFor(scan.digest);
      if (!file) return;
      if (!pruned) await prune();
      await mkdir(root, { recursive: true });
      const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(tmp, encodeScan(scan, version));
      await rename(tmp, file);
    },
  };
}
