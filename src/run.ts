/**
 * The pipeline, shared by the action and the CLI: resolve the sources of both sides → build or
 * fetch and measure them (the head analysed too) → compare with the budgets that apply →
 * the report. It returns the report and the outcome and leaves publishing to its caller.
 * Config and usage problems throw (ConfigError, BuildxError): callers map them to exit 2.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { defaultLayerCacheDir } from './analysis/layer-cache.js';
import { chooseEffectiveBudgets } from './compare/budget-changes.js';
import { budgetResolver, compareWithBase } from './compare/compare-with-base.js';
import { decideOutcome, type Outcome } from './compare/verdict.js';
import { loadBudgetFile } from './config/load-budget-file.js';
import type { BudgetFile } from './config/types.js';
import type { BuildxInfo } from './docker/buildx-info.js';
import { prepareBuilder } from './docker/prepare-builder.js';
import type { Logger } from './logger.js';
import { assembleEntries, assembleReport } from './report/assemble.js';
import { locateBaseAndBudgets, withBaseBudgets, type BaselineResult } from './sources/base-source.js';
import { checkFromInput, isGivenImage } from './sources/given-image/given-image-source.js';
import { measureSources, resolveSources, type SourceOptions } from './sources/resolve-sources.js';
import type { BudgetChange, Report } from './types.js';

export { hasGhaCacheCredentials } from './sources/resolve-sources.js';

export interface CheckOptions extends SourceOptions {
  builder?: string;
  /** Budget-file paths may resolve outside `workdir` (the `allow-outside-paths` input). */
  allowOutsidePaths?: boolean;
  /** Where build outputs go; a temporary directory (removed afterwards) when absent. */
  outputDir?: string;
  /** The override label is on the PR: the PR's own budgets apply at once. */
  acceptHeadBudgets?: boolean;
  /** Layer cache directory, relative to `workdir`; default defaultLayerCacheDir(env). */
  cacheDir?: string;
}

export interface CheckResult {
  report: Report;
  outcome: Outcome;
  budgetFile: BudgetFile;
  buildx: BuildxInfo;
  baseline: BaselineResult | null;
  budgetChanges: BudgetChange[];
}

export async function runCheck(options: CheckOptions, logger: Logger): Promise<CheckResult> {
  const budgetFile = await loadBudgetFile(options.configPath, {
    workdir: options.workdir,
    allowOutsidePaths: options.allowOutsidePaths,
    env: options.env,
  });
  checkFromInput(budgetFile, options.configPath, options.givenImage);
  logger.info(`${options.configPath}: ${describeImages(budgetFile)}`);
  // The base commit (budgets are read from it whatever the source) and the builder, found at
  // once and before any build: a --base the user mistyped fails the run before it builds.
  const [locating, preparing] = await Promise.allSettled([
    options.baseline ? locateBaseAndBudgets({ ...options.baseline, configPath: options.configPath, workdir: options.workdir }) : undefined,
    prepareBuilder(options.builder, logger),
  ]);
  if (preparing.status === 'rejected') throw preparing.reason;
  const builder = preparing.value;
  let scratch: string | null = null;
  try {
    if (locating.status === 'rejected') throw locating.reason;
    const located = locating.value;
    const acceptHeadBudgets = { acceptHeadBudgets: options.acceptHeadBudgets };
    // Known before building when the base's budget file was read: then the images are built as
    // the base's budgets decide (analysis on), not only checked against them.
    const early =
      located?.baseBudgets?.state === 'read' ? chooseEffectiveBudgets(located.baseBudgets.budgetFile, budgetFile, acceptHeadBudgets) : null;
    const toBuild = early ? { ...budgetFile, images: early.images } : budgetFile;
    const cacheDir = path.resolve(options.workdir, options.cacheDir ?? defaultLayerCacheDir(options.env));
    const outputDir = options.outputDir ?? (scratch = await scratchDir(options.env));
    const sources = resolveSources({ options, budgetFile, toBuild, located, builder, outputDir, cacheDir, logger });

    const measured = await measureSources(sources);

    const baseline = measured.base && located ? await withBaseBudgets(measured.base, located, options) : null;
    if (baseline) logBaseline(baseline, logger);
    // Budgets come from the base branch when it has a budget file (a PR cannot loosen its own).
    // (A saved report can name the base commit only now: then they are chosen here.)
    const effective = early ?? chooseEffectiveBudgets(baseline?.budgetFile ?? null, budgetFile, acceptHeadBudgets);
    const budgetFor = budgetResolver(effective.images);
    const images = compareWithBase(assembleEntries(measured.head.measured ?? [], budgetFor), baseline, budgetFor);
    const outcome = decideOutcome(images, { overrideLabel: options.acceptHeadBudgets });

    const report = assembleReport({
      images,
      commit: options.commit ?? null,
      config: path.relative(options.workdir, budgetFile.path) || budgetFile.path,
      overBudget: outcome.overBudget,
      baseline: baseline && {
        mode: baseline.kind,
        commit: baseline.commit,
        note: effective.note ? `${baseline.note}; ${effective.note}` : baseline.note,
        unavailable: baseline.unavailable,
      },
      budgetChanges: effective.changes,
    });
    return { report, outcome, budgetFile, buildx: builder.buildx, baseline, budgetChanges: effective.changes };
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
    // A temporary builder (classic image store) is removed here.
    await builder.dispose();
  }
}

async function scratchDir(env: NodeJS.ProcessEnv): Promise<string> {
  const root = env.RUNNER_TEMP || os.tmpdir();
  await mkdir(root, { recursive: true });
  return mkdtemp(path.join(root, 'image-budget-'));
}

function describeImages(file: BudgetFile): string {
  const given = file.images.filter(isGivenImage).length;
  const builds = file.images.filter((image) => !isGivenImage(image)).reduce((n, image) => n + image.targets.length, 0);
  return `${file.images.length} image(s), ${builds} build(s)${given > 0 ? `, ${given} given image(s) measured without a build` : ''}`;
}

function logBaseline(baseline: BaselineResult, logger: Logger): void {
  if (baseline.unavailable && baseline.kind !== 'none') logger.warning(baseline.note);
  else logger.info(baseline.note);
  if (baseline.budgetWarning) logger.warning(baseline.budgetWarning);
}
