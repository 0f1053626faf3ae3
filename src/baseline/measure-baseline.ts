/**
 * The baseline side of the comparison, in one of four modes. A baseline that cannot be had
 * is reported as unavailable with the reason — it never crashes the run and never fails a PR
 * on its own.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { buildAndMeasure, type BuildAndMeasureOptions } from '../build-and-measure.js';
import { toSizedEntry } from '../compare/delta.js';
import { imageReadPaths, moveImagePaths } from '../config/image-paths.js';
import { loadBudgetFile } from '../config/load-budget-file.js';
import type { BudgetFile, ImageConfig } from '../config/types.js';
import { describeBaseBudgets, readBaseBudgets, type BaseBudgets } from './base-budgets.js';
import { firstLine, tryGit } from './git.js';
import { locateBase, type BaseLocation, type LocateBaseRequest } from './locate-base.js';
import { measureRegistryImage } from './registry.js';
import type { BuilderIdentity } from './remembered-base.js';
import { keepMeasurements, reuseKeptMeasurements } from './reuse-base.js';
import { loadReportBaseline } from './report-baseline.js';
import { imageCheckoutFiles, withBaseWorktree } from './worktree.js';
import type { MissingBaseline, SizedEntry } from '../types.js';

export const BASELINE_MODES = ['build', 'report', 'registry', 'none'] as const;
export type BaselineMode = (typeof BASELINE_MODES)[number];

export interface BaselineResult {
  mode: BaselineMode;
  commit: string | null;
  entries: SizedEntry[];
  /** The base branch's budget file, read from git at the base commit (any mode): its budgets apply. */
  budgetFile: BudgetFile | null;
  /** Set when the base has a budget file that cannot be used: say it as a warning. */
  budgetWarning: string | null;
  /** Images (targets, platforms) the base could not be measured for, with why: "baseline unavailable", not "new". */
  missing: MissingBaseline[];
  /** Why there is no baseline, when there is none. */
  unavailable: string | null;
  /** One line for the report: where the baseline came from. */
  note: string;
  /** BuildKit steps the base build answered from cache (build mode). */
  cachedSteps?: number;
  /**
   * Images not built on the base because the PR changes nothing they are built from (same
   * definition, same Dockerfile and context files): their baseline is the head's measurement.
   */
  sameAsHead?: string[];
  durationMs: number;
}

/** What measuring the base's sizes gives; the budget fields come from git (withBaseBudgets). */
type BaseSizes = Omit<BaselineResult, 'budgetFile' | 'budgetWarning'>;

export interface BaselineRequest {
  mode: BaselineMode;
  head: BudgetFile;
  /** Budget file path relative to `workdir`, as the user gave it. */
  configPath: string;
  workdir: string;
  build: Omit<BuildAndMeasureOptions, 'workdir' | 'label'>;
  event?: { name: string; payload: unknown };
  headSha?: string;
  /** `--base REF` from the CLI. */
  baseRef?: string;
  reportPath?: string;
  /** `ghcr.io/acme/{image}:main`; `{target}` is replaced too (empty for the last stage). */
  imageTemplate?: string;
  /** The base commit, when the caller located it already (before building anything). */
  base?: BaseLocation;
  /** The base's budget file, when the caller read it already at `base.commit`. */
  baseBudgets?: BaseBudgets;
  /** What the head measured: a registry base of an image without `platforms` is read for these platforms only. */
  headEntries?: readonly Pick<SizedEntry, 'name' | 'target' | 'platform'>[];
  /** Build mode: keep each base image's measurement for later runs, and use one kept there (reuse-base.ts). */
  remember?: RememberOptions;
}

export interface RememberOptions {
  /** `<cache-dir>/baselines`. */
  dir: string;
  builder: BuilderIdentity;
}

function unavailable(mode: BaselineMode, detail: string, started: number, commit: string | null = null): BaseSizes {
  // Git and registry errors run to many lines; the first says what failed.
  const reason = firstLine(detail);
  return {
    mode,
    commit,
    entries: [],
    missing: [],
    unavailable: reason,
    note: `baseline unavailable: ${reason}`,
    durationMs: Date.now() - started,
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

export function imageRefFor(template: string, image: string, target: string | null): string {
  return template.replaceAll('{image}', image).replaceAll('{target}', target ?? '');
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
export function baseBuildOptions(build: BaselineRequest['build'], baseWorkdir: string): BuildAndMeasureOptions {
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

/**
 * One line for the report: which commit, built or as an earlier run measured it, and the
 * resolution's own words ("first parent of the PR merge commit …").
 */
export function baseBuildNote(b: {
  short: string;
  detail: string;
  commit: string;
  built: boolean;
  reused: readonly { name: string; base: { commit: string } }[];
  failed: readonly string[];
}): string {
  const elsewhere = [...new Set(b.reused.map((r) => r.base.commit).filter((c) => c !== b.commit))].map((c) => c.slice(0, 7));
  const at = elsewhere.length > 0 ? ` of the same sources, at ${elsewhere.join(', ')}` : '';
  const failed = b.failed.length > 0 ? `; unavailable for ${b.failed.join(', ')} (base build failed)` : '';
  if (b.reused.length === 0) return `baseline: commit ${b.short} built, ${b.detail}${failed}`;
  const kept = `as an earlier run measured it (the same build${at}, kept in cache-dir)`;
  if (!b.built) return `baseline: commit ${b.short} ${kept}, ${b.detail}`;
  return `baseline: commit ${b.short} built, ${b.detail}; ${b.reused.map((r) => r.name).join(', ')} ${kept}${failed}`;
}

async function baselineFromBuild(
  request: BaselineRequest,
  base: BaseLocation,
  baseBudgets: BaseBudgets | undefined,
  started: number,
): Promise<BaseSizes> {
  request.build.logger.info(`baseline: ${base.detail}`);
  const { repoRoot, commit } = base;
  if (!repoRoot || !commit) return unavailable('build', base.detail, started);
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
        if (!(await exists(image.dockerfile))) continue;
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
      const short = commit.slice(0, 7);
      const decision = request.remember
        ? await reuseKeptMeasurements(buildable, {
            ...request.remember,
            repoRoot,
            commit,
            worktree,
            baseWorkdir,
            extraArgs: request.build.extraArgs ?? [],
            layout: { configPath: request.configPath, workdir: path.relative(repoRoot, request.workdir) },
            handoff: request.build.handoff?.role === 'wait' ? request.build.handoff.with : null,
            definitionOf: (image) => definitionShape(image, baseWorkdir),
            logger: request.build.logger,
          })
        : { reused: [], toBuild: buildable, keys: new Map<string, string>() };
      const reusedEntries = decision.reused.flatMap((r) => r.base.entries);
      const measurements =
        decision.toBuild.length > 0 || decision.reused.length === 0
          ? await buildAndMeasure({ ...definitions, images: decision.toBuild }, baseBuildOptions(request.build, baseWorkdir))
          : [];
      const built = measurements.flatMap((m) => m.platforms.map((p) => toSizedEntry(m.job.image.name, m.job.target ?? null, p)));
      const entries = [...built, ...reusedEntries];
      const broken = measurements.filter((m) => m.error !== null);
      const failed = broken.map((m) => m.job.id);
      const missing = broken.flatMap((m) =>
        (m.job.platforms.length > 0 ? m.job.platforms : [null]).map((platform) => ({
          name: m.job.image.name,
          target: m.job.target ?? null,
          platform,
          reason: `base ${m.build.ok ? 'measurement' : 'build'} failed (${failureLine(m.error ?? '')})`,
        })),
      );
      const cachedSteps = measurements.reduce((n, m) => n + m.build.cachedSteps, 0);
      if (request.remember)
        await keepMeasurements(measurements, built, decision.keys, { dir: request.remember.dir, commit, logger: request.build.logger });
      const note = baseBuildNote({ short, detail: base.detail, built: measurements.length > 0, reused: decision.reused, commit, failed });
      return {
        mode: 'build',
        commit,
        entries,
        missing,
        unavailable: null,
        note,
        cachedSteps,
        sameAsHead,
        durationMs: Date.now() - started,
      };
    },
    checkout,
  );
}

async function baselineFromRegistry(request: BaselineRequest, started: number): Promise<BaseSizes> {
  const template = request.imageTemplate;
  if (!template)
    return unavailable('registry', 'input `baseline-image` is empty: name the base image, e.g. ghcr.io/acme/{image}:main', started);
  const entries: SizedEntry[] = [];
  const missing: MissingBaseline[] = [];
  // An image the base branch's budget file does not name is new in this PR: there is no base
  // image to read, and a failed lookup would wrongly call its baseline unavailable.
  const baseFile = request.baseBudgets?.state === 'read' ? request.baseBudgets.budgetFile : null;
  const onBase = (name: string) => baseFile === null || baseFile.images.some((image) => image.name === name);
  for (const image of request.head.images.filter((i) => onBase(i.name))) {
    for (const target of image.targets) {
      const ref = imageRefFor(template, image.name, target ?? null);
      try {
        // No `platforms`: the head built the builder's default one; the base index may hold more,
        // which would otherwise all show as removed.
        const measured = (request.headEntries ?? [])
          .filter((e) => e.name === image.name && e.target === (target ?? null))
          .map((e) => e.platform);
        const wanted = image.platforms.length > 0 ? image.platforms : measured;
        const platforms = await measureRegistryImage(ref, {
          platforms: wanted.length > 0 ? wanted : undefined,
          knownSizes: request.build.sizeMemo,
          countedSizes: request.build.countedSizes,
        });
        entries.push(...platforms.map((p) => toSizedEntry(image.name, target ?? null, p)));
      } catch (error) {
        const reason = `base image ${ref} could not be read (${error instanceof Error ? error.message : String(error)})`;
        request.build.logger.warning(`baseline: ${reason}`);
        missing.push({ name: image.name, target: target ?? null, platform: null, reason });
      }
    }
  }
  return {
    mode: 'registry',
    commit: null,
    entries,
    missing,
    unavailable: entries.length === 0 && missing.length > 0 ? `no base image could be read from the registry` : null,
    note: `baseline: registry images ${template}`,
    durationMs: Date.now() - started,
  };
}

/**
 * The base commit and, at it, the base's budget file: what a run needs before it builds
 * anything (a mistyped --base fails here, and the base's budgets decide what is analysed).
 */
export async function locateBaseAndBudgets(
  request: LocateBaseRequest & Pick<BaselineRequest, 'configPath' | 'workdir'>,
): Promise<{ base: BaseLocation; baseBudgets?: BaseBudgets }> {
  const base = await locateBase(request);
  if (!base.commit) return { base };
  return { base, baseBudgets: await readBudgetsAt(base.commit, request, base) };
}

export async function measureBaseline(request: BaselineRequest): Promise<BaselineResult> {
  const { base, baseBudgets } = request.base
    ? { base: request.base, baseBudgets: request.baseBudgets }
    : await locateBaseAndBudgets(request);
  const sizes = await measureBaseSizes(request, base, baseBudgets);
  // Without a base commit, a saved report may name one.
  const budgets = baseBudgets ?? (await readBudgetsAt(sizes.mode === 'report' ? sizes.commit : null, request, base));
  return withBaseBudgets(sizes, budgets, request);
}

async function measureBaseSizes(request: BaselineRequest, base: BaseLocation, baseBudgets?: BaseBudgets): Promise<BaseSizes> {
  const started = Date.now();
  try {
    switch (request.mode) {
      case 'none':
        return {
          mode: 'none',
          commit: null,
          entries: [],
          missing: [],
          unavailable: 'baseline: none',
          note: 'no baseline (baseline: none): delta budgets skipped',
          durationMs: 0,
        };
      case 'report': {
        if (!request.reportPath)
          return unavailable('report', 'input `baseline-report` is empty: give the path of a saved JSON report', started);
        if (!(await exists(request.reportPath)))
          return unavailable('report', `no saved report at ${request.reportPath} (first run?)`, started);
        const saved = await loadReportBaseline(request.reportPath);
        const from = saved.commit ? `commit ${saved.commit.slice(0, 7)}` : 'an unknown commit';
        return {
          mode: 'report',
          commit: saved.commit,
          entries: saved.entries,
          missing: [],
          unavailable: null,
          note: `baseline: saved report from ${from}`,
          durationMs: Date.now() - started,
        };
      }
      case 'registry':
        return await baselineFromRegistry(request, started);
      case 'build':
        return await baselineFromBuild(request, base, baseBudgets, started);
    }
  } catch (error) {
    return unavailable(request.mode, error instanceof Error ? error.message : String(error), started);
  }
}

/**
 * Budgets come from the base branch in every mode, read from git at the base commit. A saved
 * report may name the commit when nothing else does, but its content never gives budgets.
 */
async function readBudgetsAt(
  commit: string | null,
  request: Pick<BaselineRequest, 'configPath' | 'workdir'>,
  base: BaseLocation,
): Promise<BaseBudgets> {
  try {
    return base.repoRoot && commit
      ? await readBaseBudgets(commit, { repoRoot: base.repoRoot, configPath: request.configPath, workdir: request.workdir })
      : { state: 'no-base', reason: base.detail };
  } catch (error) {
    return { state: 'no-base', reason: error instanceof Error ? firstLine(error.message, Infinity) : String(error) };
  }
}

function withBaseBudgets(result: BaseSizes, budgets: BaseBudgets, request: BaselineRequest): BaselineResult {
  const notice = describeBaseBudgets(budgets, request.configPath);
  // The baseline's own note already says why there is no base commit.
  const said = budgets.state === 'no-base' && result.note.includes(budgets.reason);
  const note = notice.note === null ? result.note : `${result.note}; ${said ? "the PR's own budgets apply" : notice.note}`;
  return { ...result, budgetFile: budgets.state === 'read' ? budgets.budgetFile : null, budgetWarning: notice.warning, note };
}
