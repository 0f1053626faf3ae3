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
  let c: CachedScan;
  try {
    c = JSON.parse(gunzipSync(bytes).toString('utf8')) as CachedScan;
  } catch {
    return null;
  }
  const n = Array.isArray(c?.paths) ? c.paths.length : -1;
  if (
    c?.v !== SCAN_FORMAT_VERSION ||
    c.tool !== version ||
    c.digest !== digest ||
    n < 0 ||
    typeof c.types !== 'string' ||
    c.types.length !== n ||
    !Array.isArray(c.sizes) ||
    c.sizes.length !== n ||
    !Array.isArray(c.modes) ||
    c.modes.length !== n ||
    !Array.isArray(c.uids) ||
    c.uids.length !== n ||
    typeof c.links !== 'object' ||
    c.links === null ||
    (c.locks !== undefined && (typeof c.locks !== 'object' || c.locks === null)) ||
    (c.bytes !== undefined && !(Number.isSafeInteger(c.bytes) && c.bytes >= 0))
  ) {
    return null;
  }
  const entries: LayerEntry[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const type = CODE_TYPES[c.types[i]!];
    const path = c.paths[i];
    const size = c.sizes[i];
    if (!type || typeof path !== 'string' || typeof size !== 'number') return null;
    entries[i] = { path, type, size, linkTarget: c.links[i] ?? null, mode: c.modes[i]!, uid: c.uids[i]! };
  }
  const counted = c.bytes === undefined ? {} : { uncompressedBytes: c.bytes };
  if (!c.locks) return { digest, entries, ...counted };
  const packageLocks: PackageLockScan[] = [];
  for (const [path, dev] of Object.entries(c.locks)) {
    if (dev !== null && !(Array.isArray(dev) && dev.every((k) => typeof k === 'string'))) return null;
    packageLocks.push({ path, devPackages: dev });
  }
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
