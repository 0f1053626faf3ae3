/**
 * build → measure for every job of a budget file, with bounded parallelism. Used for the
 * PR's head and, unchanged, for the baseline worktree, so both sides are built and measured
 * the same way. One failed build never stops the others.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import { analyzeLayout, hasDockerignore, type PlatformAnalysis } from '../analysis/analyze-layout.js';
import { openLayerCache, type LayerCache } from '../analysis/layer-cache.js';
import { countByScanning } from '../analysis/scan-while-counting.js';
import { runJobsInTurn, type BuildHandoff } from './build-handoff.js';
import { listStages } from '../config/list-stages.js';
import type { BudgetFile, ImageConfig } from '../config/types.js';
import { bakeBuilds } from '../docker/bake-batch.js';
import { runBuild, type BuildResult } from '../docker/build.js';
import type { BuildxLauncher } from '../docker/buildx-launcher.js';
import type { CountedSizes } from '../measure/counted-sizes.js';
import type { Logger } from '../logger.js';
import { checkLayoutAgainstMetadata, configMismatch, readBuildMetadata } from '../measure/build-metadata.js';
import { measureOciLayout } from '../measure/measure-layout.js';
import type { PlatformMeasure, UncompressedSize } from '../measure/types.js';
import { soloReason } from '../plan/plan-bake.js';
import { planBuild, planBuilds, type BuildJob, type PlanOptions } from '../plan/plan-builds.js';
import type { MeasuredImage } from './source.js';

/** One build job's measurement: a MeasuredImage, with the job and the build that made it. */
export interface JobMeasurement extends MeasuredImage {
  job: BuildJob;
  build: BuildResult;
  /** Dockerfile path relative to the working directory, as reports show it. */
  dockerfilePath: string;
}

export interface AnalysisOptions {
  /** Layer cache directory (absolute, or relative to `workdir`). */
  cacheDir: string;
}

export interface BuildAndMeasureOptions extends PlanOptions {
  /** Paths in reports are shown relative to this directory. */
  workdir: string;
  parallel: number;
  logger: Logger;
  /** Prefix for log lines, e.g. "base" for the baseline build. */
  label?: string;
  /** Run the layer analysis after measuring (the head only: the baseline needs sizes). */
  analysis?: AnalysisOptions;
  /**
   * Build order between the head and the base (see BuildHandoff): the head reports each build
   * it finishes (`report`), the base waits for the head's build of the same job (`wait`).
   */
  handoff?: { role: 'report' | 'wait'; with: BuildHandoff };
  /** Uncompressed layer sizes shared across this run's layouts (see measureOciLayout). */
  sizeMemo?: Map<string, Promise<UncompressedSize>>;
  /** Sizes counted by decompressing a layer in earlier runs (see counted-sizes.ts). */
  countedSizes?: CountedSizes;
  /** How builds start buildx (default `docker buildx`). */
  launcher?: BuildxLauncher;
  /**
   * Build the jobs bake can express through one `docker buildx bake` (default true); false: one
   * `docker buildx build` per job.
   */
  bake?: boolean;
}

interface PlannedJob {
  job: BuildJob;
  kind: 'target' | 'stage';
}

/** The named stages of an image's Dockerfile it does not already build, in Dockerfile order. */
export function extraStages(stages: readonly { name: string | null }[], targets: readonly (string | undefined)[]): string[] {
  const built = new Set(targets.filter((t): t is string => t !== undefined).map((t) => t.toLowerCase()));
  // No target: the last stage is built already.
  if (targets.includes(undefined)) {
    const last = stages[stages.length - 1]?.name;
    if (last) built.add(last);
  }
  const names = stages.map((s) => s.name).filter((n): n is string => n !== null && !built.has(n));
  return [...new Set(names)];
}

async function planImageJobs(file: BudgetFile, image: ImageConfig, options: BuildAndMeasureOptions): Promise<PlannedJob[]> {
  // An image built elsewhere is measured by its own source, never built here.
  if (image.source.kind === 'image') return [];
  const jobs: PlannedJob[] = planBuilds({ ...file, images: [image] }, options).map((job) => ({ job, kind: 'target' }));
  if (image.stages !== 'all') return jobs;
  try {
    const stages = listStages(await readFile(image.dockerfile, 'utf8'));
    for (const stage of extraStages(stages, image.targets)) jobs.push({ job: planBuild(image, stage, options), kind: 'stage' });
  } catch (error) {
    options.logger.warning(
      `${image.name}: stages: all skipped, cannot read ${image.dockerfile}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return jobs;
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export async function buildAndMeasure(file: BudgetFile, options: BuildAndMeasureOptions): Promise<JobMeasurement[]> {
  const { logger } = options;
  const planned: PlannedJob[] = [];
  for (const image of file.images) planned.push(...(await planImageJobs(file, image, options)));
  const jobs = planned.map((p) => p.job);
  const prefix = options.label ? `${options.label}: ` : '';
  for (const warning of new Set(jobs.flatMap((job) => job.warnings))) logger.warning(warning);

  // Analyses one at a time: a layer two images share is read by the first and a cache hit for
  // the second (in parallel both would miss), and decompression is CPU-bound anyway.
  const analysisLimit = pLimit(1);
  const cache = options.analysis ? openLayerCache(path.resolve(options.workdir, options.analysis.cacheDir)) : undefined;
  // Layers scanned while measuring: the first analysis that takes one from the cache counts it
  // as a read of this run.
  const scannedThisRun = new Set<string>();
  let started = 0;
  // Jobs built and measured (or failed): while others are left, they hold the other slots, building or measuring.
  let settled = 0;
  const othersBusy = () => Math.max(0, Math.min(options.parallel, jobs.length - settled) - 1);
  const waitFor = options.handoff?.role === 'wait' ? options.handoff.with : null;
  const baked = bakeTogether(jobs, options, prefix);
  const onLine = logger.buildLine?.bind(logger);
  const measurements = await runJobsInTurn(
    jobs.map((job) => job.id),
    options.parallel,
    waitFor,
    async (index): Promise<JobMeasurement> => {
      const plan = planned[index];
      if (plan === undefined) throw new Error(`build job ${index} of ${planned.length} was not planned`);
      const { job, kind } = plan;
      const identity = { job, image: job.image, target: job.target, kind, requestedPlatforms: job.platforms };
      let build = await baked(index);
      if (!build) {
        started += 1;
        const platforms = job.platforms.length > 0 ? job.platforms.join(', ') : 'default platform';
        logger.progress(`${prefix}[${started}/${jobs.length}] building ${job.id} (${platforms})`);
        build = await runBuild(
          job,
          options.launcher,
          onLine
            ? {
                onLine: (line) => {
                  onLine(`${prefix}${job.id}`, line);
                },
              }
            : {},
        );
      }
      if (options.handoff?.role === 'report') options.handoff.with.built(job.id);
      const dockerfilePath = path.relative(options.workdir, job.image.dockerfile) || job.image.dockerfile;
      const env = Object.entries(job.env)
        .map(([k, v]) => `${k}=${v} `)
        .join('');
      // A baked build's group names the bake and the build it stands for.
      const command = build.bake
        ? `$ ${env}docker ${build.bake.argv.join(' ')}\n# bake target ${build.bake.target}: the build of docker ${job.argv.join(' ')}`
        : `$ ${env}docker ${job.argv.join(' ')}`;
      logger.group(
        `${prefix}docker ${build.bake ? 'buildx bake' : job.argv.slice(0, 2).join(' ')} ${job.id} — ${build.ok ? 'done' : 'FAILED'} in ${formatSeconds(build.durationMs)}`,
        `${command}\n${build.log}`,
      );
      if (!build.ok) {
        settled += 1;
        logger.error(`${prefix}build of ${job.id} failed:\n${build.error ?? ''}`, {
          file: dockerfilePath,
          title: `image-budget: build of ${job.id} failed`,
        });
        return { ...identity, build, dockerfilePath, platforms: [], error: `build failed: ${build.error ?? 'unknown error'}` };
      }
      for (const failure of build.cacheExportErrors ?? []) {
        logger.warning(
          `${prefix}${job.id}: the build cache was not saved (${failure}); the build succeeded, a later run builds without it`,
        );
      }
      // A cache write that fails is reported once per job, whichever stage met it.
      const cacheErrors = new Set<string>();
      try {
        const text = await readFile(job.image.dockerfile, 'utf8');
        const metadata = await readBuildMetadata(job.metadataFile);
        if (metadata) await checkLayoutAgainstMetadata(job.layoutDir, metadata);
        else logger.warning(`${prefix}${job.id}: buildx wrote no metadata file; the layout is measured unchecked`);
        const analysed = cache && job.image.analyze !== false;
        const measured = await measureOciLayout(job.layoutDir, {
          dockerfile: { path: dockerfilePath, text },
          target: job.target,
          sizeMemo: options.sizeMemo,
          countedSizes: options.countedSizes,
          busy: othersBusy(),
          // A layer the analysis reads anyway is scanned while it is counted: read once.
          ...(analysed ? { countLayer: countByScanning(cache, (message) => cacheErrors.add(message), scannedThisRun) } : {}),
        });
        const wrongConfig = metadata
          ? configMismatch(
              metadata,
              measured.map((m) => m.configDigest),
            )
          : null;
        if (wrongConfig) throw new Error(wrongConfig);
        logger.progress(
          `${prefix}measured ${job.id}: ${measured.length} platform(s), built in ${formatSeconds(build.durationMs)}, ${build.cachedSteps} step(s) cached`,
        );
        const imageDigest = metadata?.imageDigest ?? null;
        const result: JobMeasurement = { ...identity, build, dockerfilePath, platforms: measured, error: null, imageDigest };
        if (analysed) {
          result.analyses = await analysisLimit(() =>
            analyzeJob(job, measured, {
              dockerfilePath,
              text,
              cache,
              scanned: scannedThisRun,
              cacheErrors,
              logger,
              prefix,
              busy: othersBusy(),
            }),
          );
        }
        return result;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        logger.error(`${prefix}measuring ${job.id} failed: ${message}`);
        return { ...identity, build, dockerfilePath, platforms: [], error: `measurement failed: ${message}` };
      } finally {
        settled += 1;
        for (const message of [...cacheErrors].slice(0, 1)) logger.warning(`${prefix}${message}`);
      }
    },
  );
  return measurements;
}

/**
 * The jobs bake can express, built through one `docker buildx bake` once their turns have come
 * (the base's: once the head's builds of them are done). Gives each job's build, or null for a
 * job to build on its own: one bake cannot express, or one the bake did not deliver.
 */
function bakeTogether(
  jobs: readonly BuildJob[],
  options: BuildAndMeasureOptions,
  prefix: string,
): (index: number) => Promise<BuildResult | null> {
  const together = options.bake === false ? [] : jobs.filter((job) => soloReason(job) === null);
  // One build gains nothing from bake.
  if (together.length < 2) return () => Promise.resolve(null);
  const { logger } = options;
  for (const job of jobs) {
    const reason = soloReason(job);
    if (reason) logger.info(`${prefix}${job.id} is built on its own: one bake definition cannot give it its ${reason}`);
  }
  const waitFor = options.handoff?.role === 'wait' ? options.handoff.with : null;
  const onLine = logger.buildLine?.bind(logger);
  let built = 0;
  const batch = (async () => {
    if (waitFor) await Promise.all(together.map((job) => waitFor.turnOf(job.id)));
    logger.progress(`${prefix}building ${together.length} job(s) in one docker buildx bake: ${together.map((job) => job.id).join(', ')}`);
    const result = await bakeBuilds(together, {
      builder: options.builder,
      launcher: options.launcher,
      workDir: options.workDir,
      ...(onLine
        ? {
            onLine: (job: BuildJob | null, line: string) => {
              onLine(`${prefix}${job ? job.id : 'bake'}`, line);
            },
          }
        : {}),
      onExported: (job) => {
        built += 1;
        logger.progress(`${prefix}[${built}/${together.length}] built ${job.id}`);
      },
    });
    if (result.error !== null) {
      logger.info(
        `${prefix}docker buildx bake failed: each of its builds runs again on its own, so a failure is reported for its own image`,
      );
    }
    // The base's builds of these may start now, not once each is measured.
    if (options.handoff?.role === 'report') for (const id of result.builds.keys()) options.handoff.with.built(id);
    return result.builds;
  })().catch((error: unknown) => {
    logger.info(
      `${prefix}docker buildx bake could not run (${error instanceof Error ? error.message : String(error)}): each job is built on its own`,
    );
    return new Map<string, BuildResult>();
  });
  const inBatch = new Set(together.map((job) => job.id));
  return async (index) => {
    const job = jobs[index];
    if (!job || !inBatch.has(job.id)) return null;
    return (await batch).get(job.id) ?? null;
  };
}

async function analyzeJob(
  job: BuildJob,
  platforms: PlatformMeasure[],
  ctx: {
    dockerfilePath: string;
    text: string;
    cache: LayerCache;
    scanned: Set<string>;
    cacheErrors: Set<string>;
    logger: Logger;
    prefix: string;
    busy: number;
  },
): Promise<PlatformAnalysis[]> {
  const started = Date.now();
  const analyses = await analyzeLayout({
    layoutDir: job.layoutDir,
    platforms,
    dockerfile: { path: ctx.dockerfilePath, text: ctx.text, ...(job.target ? { target: job.target } : {}) },
    contextHasDockerignore: await hasDockerignore(job.image.context, job.image.dockerfile),
    cache: ctx.cache,
    scannedWhileMeasuring: ctx.scanned,
    onCacheError: (message) => ctx.cacheErrors.add(message),
    busy: ctx.busy,
  });
  const hits = analyses.reduce((n, a) => n + a.layerCache.hits, 0);
  const reads = analyses.reduce((n, a) => n + a.layerCache.reads, 0);
  analyses.forEach((a, i) => {
    if (a.error) ctx.logger.warning(`${ctx.prefix}layer analysis of ${job.id} (${platforms[i]?.platform ?? '?'}) failed: ${a.error}`);
  });
  ctx.logger.progress(
    `${ctx.prefix}analysed ${job.id}: ${reads} layer(s) read, ${hits} from the cache, in ${formatSeconds(Date.now() - started)}`,
  );
  return analyses;
}
