/**
 * `baseline: build` without building what an earlier run already measured. Each base image's
 * measurement is kept in the cache directory (remembered-base.ts), keyed on what the base
 * checkout holds for it — the git object ids at the base commit of its context, Dockerfile,
 * `<Dockerfile>.dockerignore` and the `.gitattributes` above them — and on its definition and
 * the builder. A later run whose base builds the image from the same sources uses the kept
 * measurement, once this run's head builds of the image show that every image it was built
 * from (FROM, COPY --from, the syntax frontend) still resolves to the same digest. The head's
 * measurements are kept the same way, as what a base build of HEAD gives.
 */
import path from 'node:path';
import type { JobMeasurement } from './build-and-measure.js';
import type { BuildHandoff } from './build-handoff.js';
import { toSizedEntry } from '../compare/delta.js';
import type { ImageConfig } from '../config/types.js';
import type { Logger } from '../logger.js';
import { jobId } from '../plan/plan-builds.js';
import { readBuildSources, staleSources } from './build-sources.js';
import { firstLine, objectIdsAt, tryGit } from '../baseline/git.js';
import {
  MAX_REMEMBERED_BASES,
  pruneRemembered,
  recallBase,
  rememberBase,
  rememberedBaseKey,
  type BuilderIdentity,
  type RememberedBase,
} from './remembered-base.js';
import { imageCheckoutFiles } from '../baseline/worktree.js';
import type { SizedEntry } from '../types.js';

/** Where kept measurements live and the builder they were made with. */
export interface RememberOptions {
  /** `<cache-dir>/baselines`. */
  dir: string;
  builder: BuilderIdentity;
}

export interface ReuseContext {
  /** `<cache-dir>/baselines`. */
  dir: string;
  builder: BuilderIdentity;
  repoRoot: string;
  commit: string;
  /** The base checkout, and the working directory in it. */
  worktree: string;
  baseWorkdir: string;
  extraArgs: readonly string[];
  /** Where the budget file and the working directory are, relative to the repository. */
  layout: { configPath: string; workdir: string };
  /** The head's builds: an image is checked once the head has built its targets, against their logs. */
  handoff: BuildHandoff | null;
  /** What buildx is given for an image, paths relative to the checkout. */
  definitionOf: (image: ImageConfig) => string;
  logger: Logger;
}

export interface ReusedImage {
  name: string;
  base: RememberedBase;
}

export interface ReuseDecision {
  reused: ReusedImage[];
  toBuild: ImageConfig[];
  /** The key of each image whose measurement can be kept after it is built. */
  keys: Map<string, string>;
}

/**
 * What the base checkout at `root` holds for building `image`, relative to it ('' is the
 * root): its context directory, Dockerfile and `<Dockerfile>.dockerignore`, and the
 * `.gitattributes` of the root and of every directory above them (they can change how files
 * are checked out).
 */
export function baseSourcePaths(root: string, image: ImageConfig): string[] {
  const paths = new Set<string>();
  for (const file of imageCheckoutFiles(image)) {
    const relative = path.relative(root, file).split(path.sep).join('/');
    if (relative === '..' || relative.startsWith('../')) throw new Error(`${file} is outside the checkout ${root}`);
    paths.add(relative);
    for (let dir = path.posix.dirname(relative); ; dir = path.posix.dirname(dir)) {
      paths.add(dir === '.' ? '.gitattributes' : `${dir}/.gitattributes`);
      if (dir === '.') break;
    }
  }
  return [...paths].sort();
}

/**
 * Splits the base's images into those an earlier run's measurement stands for and those to
 * build. An image with a kept measurement is decided once the head has built its targets (a
 * base build waits for that anyway); the images to build wait for those decisions.
 */
export async function reuseKeptMeasurements(images: readonly ImageConfig[], ctx: ReuseContext): Promise<ReuseDecision> {
  const keys = await keysOf(images, ctx);
  const headResolved = resolvedByHead(ctx.handoff);
  const decided = await Promise.all(
    images.map(async (image) => {
      const key = keys.get(image.name);
      return { image, base: key ? await recallUnchanged(image, key, headResolved, ctx) : null };
    }),
  );
  return {
    reused: decided.flatMap(({ image, base }) => (base ? [{ name: image.name, base }] : [])),
    toBuild: decided.filter((d) => d.base === null).map((d) => d.image),
    keys,
  };
}

type KeyContext = Pick<ReuseContext, 'builder' | 'repoRoot' | 'commit' | 'worktree' | 'extraArgs' | 'layout' | 'definitionOf' | 'logger'>;

/** One git process for every image's sources; an image git cannot key is built and not kept. */
async function keysOf(images: readonly ImageConfig[], ctx: KeyContext): Promise<Map<string, string>> {
  const keys = new Map<string, string>();
  try {
    const pathsOf = new Map(images.map((image) => [image.name, baseSourcePaths(ctx.worktree, image)]));
    const all = [...new Set([...pathsOf.values()].flat())];
    const ids = await objectIdsAt(ctx.repoRoot, ctx.commit, all);
    const idOf = new Map(all.map((p, i) => [p, ids[i] ?? null]));
    for (const image of images) {
      const sources = (pathsOf.get(image.name) ?? []).map((p) => [p, idOf.get(p) ?? null] as const);
      const key = rememberedBaseKey({
        image: image.name,
        sources,
        definition: ctx.definitionOf(image),
        extraArgs: ctx.extraArgs,
        layout: ctx.layout,
        builder: ctx.builder,
      });
      keys.set(image.name, key);
    }
  } catch (error) {
    ctx.logger.info(`baseline: not kept for later runs: ${error instanceof Error ? firstLine(error.message) : String(error)}`);
    keys.clear();
  }
  return keys;
}

/**
 * What the head builds finished so far resolved (`ref@digest`): each log is read once, however
 * many images are checked against it.
 */
function resolvedByHead(handoff: BuildHandoff | null): () => ReadonlySet<string> {
  const resolved = new Set<string>();
  let read = 0;
  return () => {
    const logs = handoff?.headLogs() ?? [];
    for (; read < logs.length; read += 1) for (const source of readBuildSources(logs[read]!).resolved) resolved.add(source);
    return resolved;
  };
}

/**
 * The image's measurement by an earlier run of the same build, when every image it was built
 * from resolves to the same digest in this run's head builds; otherwise null (build it).
 */
async function recallUnchanged(
  image: ImageConfig,
  key: string,
  headResolved: () => ReadonlySet<string>,
  ctx: ReuseContext,
): Promise<RememberedBase | null> {
  const recalled = await recallBase(ctx.dir, key);
  if (!recalled.base) {
    if (recalled.problem)
      ctx.logger.warning(`baseline: the measurement of ${image.name} kept by an earlier run is not used: ${recalled.problem}`);
    return null;
  }
  if (recalled.base.entries.some((entry) => entry.name !== image.name)) {
    ctx.logger.warning(`baseline: the measurement of ${image.name} kept by an earlier run is not used: it holds another image`);
    return null;
  }
  if (ctx.handoff) await Promise.all(image.targets.map((target) => ctx.handoff!.turnOf(jobId(image.name, target))));
  const stale = staleSources(recalled.base.resolved, headResolved());
  if (stale.length > 0) {
    ctx.logger.info(`baseline: ${image.name} is built again, not taken from an earlier run: ${stale.join('; ')}`);
    return null;
  }
  return recalled.base;
}

/**
 * Keeps the measurement of every image built here whose builds and measurements all succeeded,
 * unless one of its builds fetched something no digest pins (`ADD <url>`, a git source).
 */
export async function keepMeasurements(
  measurements: readonly JobMeasurement[],
  entries: readonly SizedEntry[],
  keys: ReadonlyMap<string, string>,
  ctx: Pick<ReuseContext, 'dir' | 'commit' | 'logger'> & { side?: 'base' | 'head' },
): Promise<void> {
  let written = 0;
  for (const [name, key] of keys) {
    const jobs = measurements.filter((m) => m.job.image.name === name);
    if (jobs.length === 0 || jobs.some((m) => m.error !== null)) continue;
    const sources = jobs.map((m) => ({ id: m.job.id, ...readBuildSources(m.build.log) }));
    const unpinned = sources.find((s) => s.unpinned !== null);
    if (unpinned) {
      ctx.logger.info(
        `baseline: ${name} not kept for later runs: in the ${ctx.side ?? 'base'} build of ${unpinned.id}, ${unpinned.unpinned}`,
      );
      continue;
    }
    try {
      await rememberBase(ctx.dir, key, {
        commit: ctx.commit,
        entries: entries.filter((entry) => entry.name === name),
        resolved: [...new Set(sources.flatMap((s) => s.resolved))].sort(),
      });
      written += 1;
    } catch (error) {
      // The head's measurement is kept on the side, so failing to keep it is no warning.
      const message = `baseline: could not keep the ${ctx.side ?? 'base'} measurement of ${name} in ${ctx.dir}: ${error instanceof Error ? error.message : String(error)}`;
      if (ctx.side === 'head') ctx.logger.info(message);
      else ctx.logger.warning(message);
    }
  }
  // Once for everything written here, not once per file.
  if (written > 0) await pruneRemembered(ctx.dir, MAX_REMEMBERED_BASES).catch(() => {});
}

/**
 * Keeps the head's measurements too, as what a base build of this commit gives: a later run
 * whose base is this commit (a PR against the branch this push run measured), or a commit with
 * the same sources (this PR, squash-merged), then builds none of them. Only an image whose
 * sources in this checkout are exactly the commit's is kept — nothing modified, and nothing
 * untracked or ignored under them, as in the base worktree, which holds what git tracks only.
 */
export async function keepHeadMeasurements(
  measurements: readonly JobMeasurement[],
  ctx: Omit<KeyContext, 'worktree'> & Pick<ReuseContext, 'dir'>,
): Promise<void> {
  const built = [...new Map(measurements.map((m) => [m.job.image.name, m.job.image])).values()].filter(
    (image) => !measurements.some((m) => m.job.image.name === image.name && m.error !== null),
  );
  const clean = await imagesMatchingHead(ctx.repoRoot, built);
  if (clean.length === 0) return;
  const keys = await keysOf(clean, { ...ctx, worktree: ctx.repoRoot });
  const kept = measurements.filter((m) => keys.has(m.job.image.name));
  const entries = kept.flatMap((m) => m.platforms.map((p) => toSizedEntry(m.job.image.name, m.job.target ?? null, p)));
  await keepMeasurements(kept, entries, keys, { ...ctx, side: 'head' });
}

/**
 * The images with nothing modified, untracked or ignored under their sources in the checkout
 * (against HEAD): one `git status` for all of them.
 */
export async function imagesMatchingHead(repoRoot: string, images: readonly ImageConfig[]): Promise<ImageConfig[]> {
  const pathsOf = new Map<string, string[]>();
  for (const image of images) {
    try {
      pathsOf.set(image.name, baseSourcePaths(repoRoot, image));
    } catch {
      // Outside the checkout: not what a base worktree would hold.
    }
  }
  const all = [...new Set([...pathsOf.values()].flat())].map((p) => p || '.');
  if (all.length === 0) return [];
  // Not runGit: its trimming would eat the leading space of the first record's status.
  const status = await tryGit(repoRoot, ['status', '--porcelain', '-z', '--ignored=matching', '--untracked-files=all', '--', ...all]).catch(
    () => null,
  );
  if (status?.exitCode !== 0) return [];
  // `XY path` records; a rename or copy is followed by a record with its old path.
  const reported = status.stdout
    .split('\0')
    .filter(Boolean)
    .map((record) => (/^[ MADRCU?!]{2} /.test(record) ? record.slice(3) : record));
  const covers = (source: string, changed: string) =>
    source === '' || changed === source || changed.startsWith(`${source}/`) || (changed.endsWith('/') && source.startsWith(changed));
  return images.filter((image) => {
    const sources = pathsOf.get(image.name);
    return sources !== undefined && !reported.some((changed) => sources.some((source) => covers(source, changed)));
  });
}
