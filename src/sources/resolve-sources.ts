/**
 * The first stage of a run: which source measures each side. The head is built from the
 * checkout; the base comes from the source the baseline options name (base-source.ts). Head
 * and base builds share one builder, one blob store and one memo of layer sizes, and each base
 * build starts right after the head's build of the same job (BuildHandoff): its unchanged steps
 * are cache hits and its unchanged layers are in the store already, so the base costs little.
 */
import path from 'node:path';
import type { BaseBudgets } from '../baseline/base-budgets.js';
import type { BaseLocation } from '../baseline/locate-base.js';
import type { BudgetFile } from '../config/types.js';
import { BuildxError } from '../docker/buildx-info.js';
import type { PreparedBuilder } from '../docker/prepare-builder.js';
import type { Logger } from '../logger.js';
import { openCountedSizes } from '../measure/counted-sizes.js';
import { multiPlatformProblem } from '../plan/builder-requirements.js';
import type { RunBuildSettings } from '../plan/plan-builds.js';
import { baseSourceFor, type BaselineOptions } from './base-source.js';
import type { BuildAndMeasureOptions } from './build-and-measure.js';
import { BuildHandoff } from './build-handoff.js';
import { buildSource } from './build-source.js';
import { isGivenImage } from './given-image/given-image-source.js';
import { givenSource } from './given-source.js';
import { allOf, type ImageSource, type SourceResult } from './source.js';

export interface SourceOptions {
  /** Budget file path as the user gave it (relative to `workdir` or absolute). */
  configPath: string;
  workdir: string;
  parallel: number;
  cacheFrom?: string[];
  cacheTo?: string[];
  /** Extra `docker buildx build` flags. */
  buildFlags?: string[];
  /** Build settings for every image (action inputs, CLI flags), under each image's own. */
  buildSettings?: RunBuildSettings;
  /** Environment used to detect the GitHub cache credentials. */
  env: NodeJS.ProcessEnv;
  /** What to compare with; no comparison when absent. */
  baseline?: BaselineOptions;
  /** Layer analysis (wasted bytes, efficiency, hints) of the head images; default true. */
  analyze?: boolean;
  commit?: string | null;
  /** The image the action's image/digest/metadata inputs name: the `image: from-input` entry's. */
  givenImage?: string | null;
  /** The `registry-token` input, for registries the docker config has no login for. */
  registryToken?: string | null;
  /** The pull request this run is for: `{pr}` in image references. */
  pullRequest?: number | null;
  /** Build a job's images through one `docker buildx bake` (default true; see build-and-measure.ts). */
  bake?: boolean;
}

export interface Sources {
  head: ImageSource;
  base: ImageSource | null;
}

export function hasGhaCacheCredentials(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.ACTIONS_RUNTIME_TOKEN && (env.ACTIONS_RESULTS_URL || env.ACTIONS_CACHE_URL));
}

export function resolveSources(request: {
  options: SourceOptions;
  /** The head's budget file as read, and the images to build (with the budgets that apply). */
  budgetFile: BudgetFile;
  toBuild: BudgetFile;
  located: { base: BaseLocation; baseBudgets?: BaseBudgets } | undefined;
  builder: PreparedBuilder;
  /** Where build outputs go. */
  outputDir: string;
  /** The layer cache directory, absolute. */
  cacheDir: string;
  logger: Logger;
}): Sources {
  const { options, builder, logger } = request;
  const { buildx } = builder;
  logger.info(`buildx ${buildx.version}, builder "${buildx.builder}" (driver ${buildx.driver})`);
  const multiPlatform = multiPlatformProblem(
    request.budgetFile.images.filter((image) => !isGivenImage(image)),
    buildx,
  );
  if (multiPlatform) throw new BuildxError(multiPlatform);
  const handoff = new BuildHandoff();
  const build: Omit<BuildAndMeasureOptions, 'workdir'> = {
    workDir: request.outputDir,
    builder: builder.builder,
    launcher: builder.launcher,
    parallel: options.parallel,
    logger,
    extraCacheFrom: options.cacheFrom,
    extraCacheTo: options.cacheTo,
    extraArgs: options.buildFlags,
    run: options.buildSettings,
    cache: {
      buildxVersion: buildx.version,
      driver: buildx.driver,
      cacheExport: buildx.features.cacheExport,
      ghaCredentials: hasGhaCacheCredentials(options.env),
    },
    sizeMemo: new Map(),
    // Beside the layer scans, persisted with them: a layer's size is counted once, ever.
    countedSizes: openCountedSizes(path.join(request.cacheDir, 'sizes')),
    blobStore: path.join(request.outputDir, 'blobs'),
    ...(options.bake !== undefined ? { bake: options.bake } : {}),
  };
  // The baseline is measured for sizes only: only the head is analysed.
  const analysis = options.analyze === false ? undefined : { cacheDir: request.cacheDir };
  const given = request.toBuild.images.filter(isGivenImage);
  const head = allOf('build', [
    buildSource(
      { ...request.toBuild, images: request.toBuild.images.filter((image) => !isGivenImage(image)) },
      { ...build, workdir: options.workdir, ...(analysis ? { analysis } : {}), handoff: { role: 'report', with: handoff } },
    ),
    givenSource(given, {
      workdir: options.workdir,
      workDir: request.outputDir,
      parallel: options.parallel,
      logger,
      placeholders: { sha: options.commit ?? null, pr: options.pullRequest ?? null },
      fromInput: options.givenImage ?? null,
      registryToken: options.registryToken ?? null,
      env: options.env,
      ...(analysis ? { analysis } : {}),
      sizeMemo: build.sizeMemo,
      countedSizes: build.countedSizes,
    }),
  ]);
  const base =
    options.baseline && request.located
      ? baseSourceFor(options.baseline, {
          head: request.budgetFile,
          configPath: options.configPath,
          workdir: options.workdir,
          build: { ...build, workDir: path.join(request.outputDir, 'base'), handoff: { role: 'wait', with: handoff } },
          registryToken: options.registryToken ?? null,
          ...request.located,
        })
      : null;
  return { head, base };
}

/** Both sides measured: alongside each other, or the base once the head is when it reads the head's result. */
export async function measureSources(sources: Sources): Promise<{ head: SourceResult; base: SourceResult | null }> {
  const { head, base } = sources;
  if (!base) return { head: await head.measure(), base: null };
  if (base.afterHead) {
    const measured = await head.measure();
    return { head: measured, base: withSameAsHead(await base.measure(measured), measured) };
  }
  const [headResult, baseResult] = await Promise.all([head.measure(), base.measure()]);
  return { head: headResult, base: withSameAsHead(baseResult, headResult) };
}

/** Images the base did not build because the PR does not change them: the head's measurement is their baseline. */
function withSameAsHead(base: SourceResult, head: SourceResult): SourceResult {
  if (!base.sameAsHead?.length) return base;
  const same = new Set(base.sameAsHead);
  return { ...base, entries: [...base.entries, ...head.entries.filter((e) => same.has(e.name))] };
}
