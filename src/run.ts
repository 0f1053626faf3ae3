/**
 * The pipeline: config → plan → build → measure → compare → report. Shared by the action
 * and the CLI; it returns the report and the outcome and leaves publishing to its caller.
 * Config and usage problems throw (ConfigError, BuildxError): callers map them to exit 2.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { defaultLayerCacheDir } from './analysis/layer-cache.js';
import { buildAndMeasure, type JobMeasurement } from './build-and-measure.js';
import { BuildHandoff } from './build-handoff.js';
import { chooseEffectiveBudgets } from './compare/budget-changes.js';
import { tryGit } from './baseline/git.js';
import {
  definitionShape,
  locateBaseAndBudgets,
  measureBaseline,
  type BaselineRequest,
  type BaselineResult,
  type RememberOptions,
} from './baseline/measure-baseline.js';
import { keepHeadMeasurements } from './baseline/reuse-base.js';
import { applyBaseline, markNoBaseline } from './compare/apply-baseline.js';
import { toSizedEntry } from './compare/delta.js';
import { decideOutcome, type Outcome } from './compare/verdict.js';
import { loadBudgetFile } from './config/load-budget-file.js';
import { resolveBudget } from './config/resolve-budget.js';
import type { Budget, BudgetFile, ImageConfig } from './config/types.js';
import { BuildxError, type BuildxInfo } from './docker/buildx-info.js';
import { prepareBuilder } from './docker/prepare-builder.js';
import type { Logger } from './logger.js';
import { openCountedSizes } from './measure/counted-sizes.js';
import { multiPlatformProblem } from './plan/builder-requirements.js';
import type { RunBuildSettings } from './plan/plan-builds.js';
import { assembleEntries } from './report/assemble.js';
import type { BudgetChange, Report } from './types.js';
import { asJobMeasurement, checkFromInput, isGivenImage, measureGivenImages } from './sources/given-image/given-image-source.js';
import { VERSION } from './version.js';

export interface CheckOptions {
  /** Budget file path as the user gave it (relative to `workdir` or absolute). */
  configPath: string;
  workdir: string;
  builder?: string;
  parallel: number;
  cacheFrom?: string[];
  cacheTo?: string[];
  /** Extra `docker buildx build` flags. */
  buildFlags?: string[];
  /** Build settings for every image (action inputs, CLI flags), under each image's own. */
  buildSettings?: RunBuildSettings;
  /** Budget-file paths may resolve outside `workdir` (the `allow-outside-paths` input). */
  allowOutsidePaths?: boolean;
  /** Environment used to detect the GitHub cache credentials. */
  env: NodeJS.ProcessEnv;
  commit?: string | null;
  /** Where build outputs go; a temporary directory (removed afterwards) when absent. */
  outputDir?: string;
  /** What to compare with; no comparison when absent. */
  baseline?: Omit<BaselineRequest, 'head' | 'configPath' | 'workdir' | 'build'>;
  /** The override label is on the PR: the PR's own budgets apply at once. */
  acceptHeadBudgets?: boolean;
  /** Layer analysis (wasted bytes, efficiency, hints) of the head images; default true. */
  analyze?: boolean;
  /** Layer cache directory, relative to `workdir`; default defaultLayerCacheDir(env). */
  cacheDir?: string;
  /** The image the action's image/digest/metadata inputs name: the `image: from-input` entry's. */
  givenImage?: string | null;
  /** The `registry-token` input, for registries the docker config has no login for. */
  registryToken?: string | null;
  /** The pull request this run is for: `{pr}` in image references. */
  pullRequest?: number | null;
}

export interface CheckResult {
  report: Report;
  outcome: Outcome;
  budgetFile: BudgetFile;
  buildx: BuildxInfo;
  baseline: BaselineResult | null;
  budgetChanges: BudgetChange[];
}

export function hasGhaCacheCredentials(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.ACTIONS_RUNTIME_TOKEN && (env.ACTIONS_RESULTS_URL || env.ACTIONS_CACHE_URL));
}

/**
 * A stage built only for the stage report is informational: the image's budget does not apply
 * to its builder, only what the user wrote under `budget.targets.<stage>` (plus the image's
 * `ignore-hints`, which are about the Dockerfile, not one stage).
 */
export function stageBudget(image: ImageConfig, stage: string | undefined): Budget {
  const own = stage === undefined ? undefined : (image.targetBudgets[stage] ?? image.targetBudgets[stage.toLowerCase()]);
  return { ...(image.budget.ignoreHints ? { ignoreHints: image.budget.ignoreHints } : {}), ...own };
}

export async function runCheck(options: CheckOptions, logger: Logger): Promise<CheckResult> {
  const budgetFile = await loadBudgetFile(options.configPath, {
    workdir: options.workdir,
    allowOutsidePaths: options.allowOutsidePaths,
    env: options.env,
  });
  checkFromInput(budgetFile, options.configPath, options.givenImage);
  const givenCount = budgetFile.images.filter(isGivenImage).length;
  const targets = budgetFile.images.filter((image) => !isGivenImage(image)).reduce((n, image) => n + image.targets.length, 0);
  const given = givenCount > 0 ? `, ${givenCount} given image(s) measured without a build` : '';
  logger.info(`${options.configPath}: ${budgetFile.images.length} image(s), ${targets} build(s)${given}`);

  // The base commit (budgets are read from it in every baseline mode) and the builder, found
  // at once and before any build: a --base the user mistyped fails the run before it builds.
  const [located, preparing] = await Promise.allSettled([
    options.baseline
      ? locateBaseAndBudgets({ ...options.baseline, configPath: options.configPath, workdir: options.workdir })
      : Promise.resolve(undefined),
    prepareBuilder(options.builder, logger),
  ]);
  if (preparing.status === 'rejected') throw preparing.reason;
  // A temporary builder (classic image store) is removed in the finally below.
  const prepared = preparing.value;
  let scratchDir: string | undefined;
  try {
    if (located.status === 'rejected') throw located.reason;
    const { base, baseBudgets } = located.value ?? {};
    const acceptHeadBudgets = { acceptHeadBudgets: options.acceptHeadBudgets };
    // Known before building when the base's budget file was read: then the images are built as
    // the base's budgets decide (analysis on), not only checked against them.
    const early = baseBudgets?.state === 'read' ? chooseEffectiveBudgets(baseBudgets.budgetFile, budgetFile, acceptHeadBudgets) : null;
    const toBuild = early ? { ...budgetFile, images: early.images } : budgetFile;
    const { buildx } = prepared;
    logger.info(`buildx ${buildx.version}, builder "${buildx.builder}" (driver ${buildx.driver})`);
    const multiPlatform = multiPlatformProblem(
      budgetFile.images.filter((image) => !isGivenImage(image)),
      buildx,
    );
    if (multiPlatform) throw new BuildxError(multiPlatform);
    const scratchRoot = options.env.RUNNER_TEMP || os.tmpdir();
    await mkdir(scratchRoot, { recursive: true });
    const outputDir = options.outputDir ?? (scratchDir = await mkdtemp(path.join(scratchRoot, 'image-budget-')));
    const build = {
      workDir: outputDir,
      builder: prepared.builder,
      launcher: prepared.launcher,
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
    };
    // The baseline is measured for sizes only: only the head is analysed.
    const cacheDir = options.cacheDir ?? defaultLayerCacheDir(options.env);
    const analysis = options.analyze === false ? undefined : { cacheDir };
    // Head and base run at the same time on the same builder, each base build right after the
    // head's build of the same job: the base's unchanged steps are cache hits and its unchanged
    // layers are already in the shared blob store, so the baseline costs little wall time.
    // Layer sizes are shared through one memo.
    // A registry baseline goes after the head so it can reuse the head's layer sizes and read
    // the platforms the head measured.
    const handoff = new BuildHandoff();
    const buildOptions = {
      ...build,
      sizeMemo: new Map(),
      // Beside the layer scans, persisted with them: a layer's size is counted once, ever.
      countedSizes: openCountedSizes(path.join(path.resolve(options.workdir, cacheDir), 'sizes')),
      blobStore: path.join(outputDir, 'blobs'),
    };
    // Once every head build is done, a base job the head does not have waits no longer.
    const givenImages = toBuild.images.filter(isGivenImage);
    const measureGiven = () =>
      measureGivenImages(givenImages, {
        workdir: options.workdir,
        workDir: outputDir,
        parallel: options.parallel,
        logger,
        placeholders: { sha: options.commit ?? null, pr: options.pullRequest ?? null },
        fromInput: options.givenImage ?? null,
        registryToken: options.registryToken ?? null,
        env: options.env,
        ...(analysis ? { analysis } : {}),
        sizeMemo: buildOptions.sizeMemo,
        countedSizes: buildOptions.countedSizes,
      }).then((measured) => measured.map((m, index) => asJobMeasurement(givenImages[index]!, m)));
    const measureHead = () =>
      Promise.all([
        buildAndMeasure(
          { ...toBuild, images: toBuild.images.filter((image) => !isGivenImage(image)) },
          { ...buildOptions, workdir: options.workdir, analysis, handoff: { role: 'report', with: handoff } },
        ).finally(() => handoff.finished()),
        measureGiven(),
      ]).then(([built, measured]) => [...built, ...measured]);
    const measureBase = (head: JobMeasurement[], remember?: RememberOptions) =>
      options.baseline
        ? measureBaseline({
            ...options.baseline,
            base,
            baseBudgets,
            ...(remember ? { remember } : {}),
            headEntries: head.flatMap((m) =>
              m.platforms.map((p) => ({ name: m.job.image.name, target: m.job.target ?? null, platform: p.platform })),
            ),
            head: budgetFile,
            configPath: options.configPath,
            workdir: options.workdir,
            build: { ...buildOptions, workDir: path.join(outputDir, 'base'), handoff: { role: 'wait', with: handoff } },
          })
        : Promise.resolve(null);
    let measurements: JobMeasurement[];
    let baseline: BaselineResult | null;
    // The builder as far as it decides what a build gives: part of the key a measurement is kept
    // under for later runs (reuse-base.ts).
    const builder = {
      driver: buildx.driver,
      buildx: buildx.version,
      buildkit: buildx.buildkitVersion,
      platforms: buildx.platforms,
      containerdStore: buildx.containerdStore,
      // What buildx reads for an image without `platforms`: builds get this process's environment.
      defaultPlatform: process.env.DOCKER_DEFAULT_PLATFORM || null,
    };
    const remember = { dir: path.join(path.resolve(options.workdir, cacheDir), 'baselines'), builder };
    if (options.baseline?.mode === 'build') {
      // Each base image an earlier run measured from the same sources is not built again.
      [measurements, baseline] = await Promise.all([measureHead(), measureBase([], remember)]);
    } else {
      measurements = await measureHead();
      baseline = await measureBase(measurements);
    }
    await keepHeadForLaterRuns(
      measurements.filter((m) => !isGivenImage(m.job.image)),
      {
        ...remember,
        configPath: options.configPath,
        workdir: options.workdir,
        extraArgs: options.buildFlags,
        logger,
      },
    );
    if (baseline?.sameAsHead?.length) {
      const same = new Set(baseline.sameAsHead);
      baseline.entries.push(
        ...measurements
          .filter((m) => same.has(m.job.image.name))
          .flatMap((m) => m.platforms.map((p) => toSizedEntry(m.job.image.name, m.job.target ?? null, p))),
      );
    }
    if (baseline?.unavailable && baseline.mode !== 'none') logger.warning(baseline.note);
    else if (baseline) logger.info(baseline.note);
    if (baseline?.budgetWarning) logger.warning(baseline.budgetWarning);

    // Budgets come from the base branch when it has a budget file (a PR cannot loosen its own),
    // read from git at the base commit whatever the baseline mode.
    // (A saved report can name the base commit only now: then they are chosen here.)
    const effective = early ?? chooseEffectiveBudgets(baseline?.budgetFile ?? null, budgetFile, acceptHeadBudgets);
    const byName = new Map(effective.images.map((image) => [image.name, image]));
    const budgetFor = (name: string, target: string | undefined, platform: string, kind?: 'target' | 'stage') => {
      const image = byName.get(name);
      if (!image) return {};
      return kind === 'stage' ? stageBudget(image, target) : resolveBudget(image, target, platform);
    };
    let images = assembleEntries(measurements, budgetFor);
    // No comparison asked for (the CLI without --base) reads like an unavailable one: every
    // entry says `baseline: null`, and delta budgets are skipped with a note.
    if (!baseline || baseline.unavailable) {
      images = markNoBaseline(images, (entry) => budgetFor(entry.name, entry.target ?? undefined, entry.platform, entry.kind));
    } else {
      images = applyBaseline({
        entries: images,
        baseline: baseline.entries,
        baseCommit: baseline.commit,
        missing: baseline.missing,
        budgetFor: (entry) => budgetFor(entry.name, entry.target ?? undefined, entry.platform, entry.kind),
      });
    }
    const outcome = decideOutcome(images);
    const report: Report = {
      schemaVersion: 1,
      tool: { name: 'image-budget', version: VERSION },
      createdAt: new Date().toISOString(),
      commit: options.commit ?? null,
      config: path.relative(options.workdir, budgetFile.path) || budgetFile.path,
      overBudget: outcome.overBudget,
      baseline: baseline
        ? {
            mode: baseline.mode,
            commit: baseline.commit,
            note: effective.note ? `${baseline.note}; ${effective.note}` : baseline.note,
            unavailable: baseline.unavailable,
          }
        : null,
      budgetChanges: effective.changes,
      images,
    };
    return { report, outcome, budgetFile, buildx, baseline, budgetChanges: effective.changes };
  } finally {
    if (scratchDir) await rm(scratchDir, { recursive: true, force: true });
    await prepared.dispose();
  }
}

/**
 * The head's measurements, kept as what a base build of HEAD gives (reuse-base.ts): a later run
 * whose base has these sources builds none of them. Nothing, quietly, outside a git checkout or
 * without git: keeping is a saving, never a reason for the run to fail.
 */
async function keepHeadForLaterRuns(
  measurements: readonly JobMeasurement[],
  ctx: RememberOptions & { configPath: string; workdir: string; extraArgs: readonly string[] | undefined; logger: Logger },
): Promise<void> {
  const located = await tryGit(ctx.workdir, ['rev-parse', '--show-toplevel', 'HEAD']).catch(() => null);
  const [repoRoot, commit] = located?.stdout.trim().split('\n') ?? [];
  if (located?.exitCode !== 0 || !repoRoot || !commit) return;
  await keepHeadMeasurements(measurements, {
    dir: ctx.dir,
    builder: ctx.builder,
    repoRoot,
    commit,
    extraArgs: ctx.extraArgs ?? [],
    layout: { configPath: ctx.configPath, workdir: path.relative(repoRoot, ctx.workdir) },
    definitionOf: (image) => definitionShape(image, ctx.workdir),
    logger: ctx.logger,
  });
}
