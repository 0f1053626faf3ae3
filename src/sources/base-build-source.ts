/**
 * The base built like the head: the base commit checked out in a worktree (only the files its
 * builds read), its images built and measured the same way as the head's, right after the
 * head's build of the same job so the base's unchanged steps and layers are cache hits. An
 * image the PR does not change is not built twice: its baseline is the head's measurement.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { firstLine, tryGit } from '../baseline/git.js';
import type { BaseBudgets } from '../baseline/base-budgets.js';
import type { BaseLocation } from '../baseline/locate-base.js';
import { imageCheckoutFiles, withBaseWorktree } from '../baseline/worktree.js';
import { imageReadPaths, moveImagePaths } from '../config/image-paths.js';
import { loadBudgetFile } from '../config/load-budget-file.js';
import type { BudgetFile, ImageConfig } from '../config/types.js';
import type { MissingBaseline } from '../types.js';
import { buildAndMeasure, type BuildAndMeasureOptions, type JobMeasurement } from './build-and-measure.js';
import { measureBaseGivenImages } from './given-image/base-given-images.js';
import { isGivenImage } from './given-image/given-image-source.js';
import { sizedEntries, unavailableSource, type ImageSource, type SourceResult } from './source.js';

export interface BaseBuildRequest {
  /** The head's budget file: its definitions are built from the base's sources when the base has none. */
  head: BudgetFile;
  /** Budget file path relative to `workdir`, as the user gave it. */
  configPath: string;
  workdir: string;
  build: Omit<BuildAndMeasureOptions, 'workdir' | 'label'>;
  base: BaseLocation;
  baseBudgets?: BaseBudgets;
  /** The `registry-token` input: the base's given images are read with the head's logins. */
  registryToken?: string | null;
}

export function baseBuildSource(request: BaseBuildRequest): ImageSource {
  return {
    kind: 'build',
    measure: async () => {
      const started = Date.now();
      try {
        return await buildBase(request, started);
      } catch (error) {
        return unavailableSource('build', firstLine(error instanceof Error ? error.message : String(error)), started, request.base.commit);
      }
    },
  };
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** The head's image definitions with their paths moved into another checkout of the repo. */
export function rebaseBudgetFile(file: BudgetFile, fromRoot: string, toRoot: string): BudgetFile {
  const move = (p: string): string => path.join(toRoot, path.relative(fromRoot, p));
  return {
    ...file,
    path: move(file.path),
    images: file.images.map((image) => moveImagePaths(image, move)),
  };
}

/** What buildx is given for an image, with paths relative to the checkout at `root`. */
export function definitionShape(image: ImageConfig, root: string): string {
  return JSON.stringify([
    path.relative(root, image.context),
    path.relative(root, image.dockerfile),
    image.targets,
    image.platforms,
    Object.entries(image.buildArgs).sort(),
    Object.entries(image.labels).sort(),
    image.stages ?? null,
    moveImagePaths(image, (p) => path.relative(root, p)).options,
  ]);
}

/** The same build on both sides: what buildx is given, with paths relative to each checkout. */
export function sameDefinition(head: ImageConfig, headRoot: string, base: ImageConfig, baseRoot: string): boolean {
  return definitionShape(head, headRoot) === definitionShape(base, baseRoot);
}

/** No tracked change and no new file since `commit` in the image's Dockerfile and context. */
async function sourcesUnchanged(repoRoot: string, commit: string, image: ImageConfig): Promise<boolean> {
  const paths = imageReadPaths(image)
    .map((p) => path.relative(repoRoot, p) || '.')
    .filter((p) => p !== '..' && !p.startsWith(`..${path.sep}`));
  const diff = await tryGit(repoRoot, ['diff', '--quiet', commit, '--', ...paths]);
  if (diff.exitCode !== 0) return false;
  const untracked = await tryGit(repoRoot, ['ls-files', '--others', '--exclude-standard', '--', ...paths]);
  return untracked.exitCode === 0 && untracked.stdout.trim() === '';
}

/**
 * The base is built like the head, from the base checkout, but it imports the cache without
 * exporting it: its layers are the base branch's, and writing them into the scope the head
 * exports to at the same time would leave whichever finished last (see CacheChoice).
 */
export function baseBuildOptions(build: BaseBuildRequest['build'], baseWorkdir: string): BuildAndMeasureOptions {
  return { ...build, workdir: baseWorkdir, label: 'base', exportCache: false };
}

/** The line of a build failure that says what went wrong (BuildKit's ERROR line), shortened. */
function failureLine(error: string): string {
  const lines = error
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== 'build failed:');
  const line = lines.find((l) => /^ERROR:|^error:|failed to solve/i.test(l)) ?? lines[lines.length - 1] ?? 'unknown error';
  return line.replace(/^(build|measurement) failed: /, '').slice(0, 200);
}

/**
 * What a base build reads, relative to the repository: the budget file, and the context,
 * Dockerfile and `<Dockerfile>.dockerignore` of every image the head or the base's budget file
 * names (which of the two is built is decided once the base's file is read from the worktree).
 */
export function baseCheckoutPaths(repoRoot: string, configPath: string, definitions: readonly BudgetFile[]): string[] {
  const files = [configPath];
  for (const image of definitions.flatMap((file) => file.images)) files.push(...imageCheckoutFiles(image));
  return files.map((file) => path.relative(repoRoot, file));
}

/** One line for the report: which commit, the resolution's own words, and the images whose base build failed. */
export function baseBuildNote(b: { short: string; detail: string; failed: readonly string[] }): string {
  const failed = b.failed.length > 0 ? `; unavailable for ${b.failed.join(', ')} (base build failed)` : '';
  return `baseline: commit ${b.short} built, ${b.detail}${failed}`;
}

/** The image × target (× platform) entries of base builds that failed, with why. */
function failedBuilds(measurements: readonly JobMeasurement[]): MissingBaseline[] {
  return measurements
    .filter((m) => m.error !== null)
    .flatMap((m) =>
      (m.job.platforms.length > 0 ? m.job.platforms : [null]).map((platform) => ({
        name: m.job.image.name,
        target: m.job.target ?? null,
        platform,
        reason: `base ${m.build.ok ? 'measurement' : 'build'} failed (${failureLine(m.error ?? '')})`,
      })),
    );
}

async function buildBase(request: BaseBuildRequest, started: number): Promise<SourceResult> {
  const { base, baseBudgets } = request;
  request.build.logger.info(`baseline: ${base.detail}`);
  const { repoRoot, commit } = base;
  if (!repoRoot || !commit) return unavailableSource('build', firstLine(base.detail), started);
  // Paths in the base's budget file, as read from git, resolve against the PR's working
  // directory: the same repository paths as in the worktree.
  const checkout = baseCheckoutPaths(repoRoot, path.resolve(request.workdir, request.configPath), [
    request.head,
    ...(baseBudgets?.state === 'read' ? [baseBudgets.budgetFile] : []),
  ]);

  return withBaseWorktree(
    repoRoot,
    commit,
    async (worktree) => {
      const baseWorkdir = path.join(worktree, path.relative(repoRoot, request.workdir));
      const baseConfig = path.resolve(baseWorkdir, request.configPath);
      // The base's image definitions when it has a usable budget file (its budgets are read
      // from git separately); otherwise the head's definitions built from the base's sources.
      const baseFile = (await exists(baseConfig))
        ? await loadBudgetFile(baseConfig, { workdir: baseWorkdir, secretsWorkdir: request.workdir }).catch(() => null)
        : null;
      const definitions = baseFile ?? rebaseBudgetFile(request.head, request.workdir, baseWorkdir);
      // An image whose sources do not exist on the base is new, not broken; one whose sources
      // the PR does not touch would build to the head's image, so it is not built twice.
      const buildable = [];
      const sameAsHead: string[] = [];
      const headImages = new Map(request.head.images.map((image) => [image.name, image]));
      for (const image of definitions.images) {
        // Given images are not built: their base is the image their reference names at the base commit.
        if (isGivenImage(image) || !(await exists(image.dockerfile))) continue;
        const headImage = headImages.get(image.name);
        if (
          headImage &&
          sameDefinition(headImage, request.workdir, image, baseWorkdir) &&
          (await sourcesUnchanged(repoRoot, commit, headImage))
        ) {
          sameAsHead.push(image.name);
        } else buildable.push(image);
      }
      if (sameAsHead.length > 0)
        request.build.logger.info(`baseline: ${sameAsHead.join(', ')} unchanged by this change: the head's measurement is its baseline`);
      const [measurements, given] = await Promise.all([
        buildAndMeasure({ ...definitions, images: buildable }, baseBuildOptions(request.build, baseWorkdir)),
        measureBaseGivenImages(definitions.images.filter(isGivenImage), commit, {
          workdir: baseWorkdir,
          workDir: request.build.workDir,
          parallel: request.build.parallel,
          logger: request.build.logger,
          ...(request.registryToken ? { registryToken: request.registryToken } : {}),
          ...(request.build.sizeMemo ? { sizeMemo: request.build.sizeMemo } : {}),
          ...(request.build.countedSizes ? { countedSizes: request.build.countedSizes } : {}),
        }),
      ]);
      const failed = measurements.filter((m) => m.error !== null).map((m) => m.job.id);
      return {
        kind: 'build',
        commit,
        entries: [...sizedEntries(measurements), ...sizedEntries(given.measured)],
        missing: [...failedBuilds(measurements), ...given.missing],
        unavailable: null,
        note: baseBuildNote({ short: commit.slice(0, 7), detail: base.detail, failed }),
        cachedSteps: measurements.reduce((n, m) => n + m.build.cachedSteps, 0),
        sameAsHead,
        durationMs: Date.now() - started,
      };
    },
    checkout,
  );
}
