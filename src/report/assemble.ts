/**
 * Measurements + budgets → report entries. Pure: one entry per image × target × platform,
 * in budget-file order, with a failed build still present as `error` entries.
 */
import type { PlatformAnalysis } from '../analysis/analyze-layout.js';
import { hintsToShow } from '../analysis/hints.js';
import { toReportAnalysis, withoutIgnoredHints } from '../analysis/report-analysis.js';
import { stageReport } from '../analysis/stage-report.js';
import type { Budget, SizeLimit } from '../config/types.js';
import type { BudgetResolver } from '../compare/compare-with-base.js';
import { evaluateAnalysisBudget, evaluateSizeBudget, statusOf } from '../compare/verdict.js';
import type { PlatformMeasure } from '../measure/types.js';
import type { MeasuredImage } from '../sources/source.js';
import type { Analysis, BudgetChange, Report, ReportBudget, ReportEntry, StageRow } from '../types.js';
import { VERSION } from '../version.js';

function limitOrNull(limit: SizeLimit | undefined): ReportBudget['max'] {
  return limit && (limit.compressed !== undefined || limit.uncompressed !== undefined) ? { ...limit } : null;
}

export function reportBudget(budget: Budget): ReportBudget {
  return {
    max: limitOrNull(budget.max),
    warn: limitOrNull(budget.warn),
    maxLayers: budget.maxLayers ?? null,
    maxIncrease: budget.maxIncrease ?? null,
    warnIncrease: budget.warnIncrease ?? null,
  };
}

/** Why there is no analysis for an entry, or null when there is one. */
function analysisGap(m: MeasuredImage, result: PlatformAnalysis | undefined): string | null {
  if (!m.analyses) return m.image.analyze === false ? 'layer analysis is off for this image (analyze: false)' : 'layer analysis is off';
  if (!result) return 'no layer analysis for this platform';
  return result.analysis ? null : `layer analysis failed: ${result.error ?? 'unknown error'}`;
}

function measuredEntry(m: MeasuredImage, platform: PlatformMeasure, budget: Budget, result: PlatformAnalysis | undefined): ReportEntry {
  const gap = analysisGap(m, result);
  const full = result?.analysis ? withoutIgnoredHints(result.analysis, budget.ignoreHints ?? []) : null;
  // Budgets read every hint: the report keeps only the largest, and a forbidden zero-byte hint
  // (runs-as-root) cut from it must still fail the image.
  const checked = evaluateAnalysisBudget(full, budget, gap ? { unavailable: gap } : {});
  const analysis: Analysis | null = full && result ? toReportAnalysis(full, { layerCache: result.layerCache }) : null;
  const findings = [...evaluateSizeBudget(platform, budget), ...checked.findings];
  // A failed analysis is worth a note even without an analysis budget; "off" is the user's choice.
  const notes = [...(result && !result.analysis && gap ? [gap] : []), ...checked.notes];
  return {
    name: m.image.name,
    target: m.target ?? null,
    platform: platform.platform,
    compressedBytes: platform.compressedBytes,
    uncompressedBytes: platform.uncompressedBytes,
    layerCount: platform.layerCount,
    status: statusOf(findings),
    findings,
    budget: reportBudget(budget),
    layers: platform.layers.map((layer) => ({
      digest: layer.digest,
      compressedBytes: layer.compressedBytes,
      uncompressedBytes: layer.uncompressedBytes,
      createdBy: layer.createdBy,
      dockerfile: layer.dockerfile,
    })),
    manifestDigest: platform.manifestDigest,
    imageDigest: m.imageDigest ?? null,
    error: null,
    ...(platform.imageConfig ? { imageConfig: platform.imageConfig } : {}),
    ...(analysis ? { analysis } : {}),
    ...(notes.length > 0 ? { notes } : {}),
    ...(m.kind === 'stage' ? { kind: 'stage' as const } : {}),
  };
}

/**
 * One line that says why a build or measurement failed: BuildKit's `ERROR:` line (the step's
 * own, or buildx's `failed to solve: …` without that prefix), else the first line.
 */
export function failureHeadline(error: string): string {
  for (const line of error.split('\n')) {
    const [, message] = /^(?:#\d+ )?ERROR:\s*(?:failed to solve:\s*)?(.+)$/.exec(line.trim()) ?? [];
    if (message !== undefined) return `ERROR: ${message.trim()}`;
  }
  return error.split('\n')[0] ?? error;
}

function errorEntry(m: MeasuredImage, platform: string, budget: Budget): ReportEntry {
  const error = m.error ?? 'no image was produced';
  return {
    name: m.image.name,
    target: m.target ?? null,
    platform,
    compressedBytes: null,
    uncompressedBytes: null,
    layerCount: null,
    status: 'error',
    findings: [{ status: 'error', rule: 'build', message: failureHeadline(error) }],
    budget: reportBudget(budget),
    layers: [],
    manifestDigest: null,
    imageDigest: null,
    error,
    ...(m.kind === 'stage' ? { kind: 'stage' as const } : {}),
  };
}

/** The platform an entry is reported under when the build chose it (no `platforms` given). */
export const DEFAULT_PLATFORM = 'default';

export function assembleEntries(measurements: MeasuredImage[], resolveBudget: BudgetResolver): ReportEntry[] {
  const perJob = measurements.map((m) => {
    const { image, target } = m;
    const kind = m.kind ?? 'target';
    if (m.error !== null || m.platforms.length === 0) {
      const platforms = m.requestedPlatforms.length > 0 ? m.requestedPlatforms : [DEFAULT_PLATFORM];
      return platforms.map((platform) => ({
        entry: errorEntry(m, platform, resolveBudget(image.name, target, platform, kind)),
        show: null,
      }));
    }
    return m.platforms.map((platform, i) => {
      const budget = resolveBudget(image.name, target, platform.platform, kind);
      const analysis = m.analyses?.[i]?.analysis;
      const ships = kind === 'target' && analysis?.builderTarget !== true;
      return { entry: measuredEntry(m, platform, budget, m.analyses?.[i]), show: { ships, forbid: budget.forbid ?? [] } };
    });
  });
  const stageCounts = new Map<string, number | null>();
  for (const m of measurements) {
    if (m.image.stages !== 'all') continue;
    const count = m.analyses?.find((a) => a.analysis)?.analysis?.dockerfileStages ?? null;
    if (count !== null || !stageCounts.has(m.image.name)) stageCounts.set(m.image.name, count);
  }
  const assembled = perJob.flat();
  // The stage table reads every stage's hints (a builder's toolchain) before a builder's are quieted.
  return addStageRows(
    assembled.map((a) => a.entry),
    stageCounts,
  ).map((entry, i) => {
    const show = assembled[i]?.show;
    return show ? quietBuilder(entry, show) : entry;
  });
}

/**
 * A builder is meant to hold the toolchain: its hints would be noise next to the image's (see
 * hintsToShow). They live on as `hintIds` in the stage table; the figures and largest files stay.
 */
function quietBuilder(entry: ReportEntry, show: { ships: boolean; forbid: readonly string[] }): ReportEntry {
  if (show.ships || !entry.analysis) return entry;
  const { hintsOmitted: _omitted, ...analysis } = entry.analysis;
  return { ...entry, analysis: { ...analysis, hints: hintsToShow(analysis.hints, show) } };
}

/**
 * With `stages: all`, each target entry gets the table of every stage built for its image on its
 * platform (targets first, then the other stages in Dockerfile order), e.g. builder 1.2 GB next
 * to runtime 6 MB. `dockerfileStages` names the images with `stages: all`, each with the number
 * of stages of its Dockerfile (null when unknown).
 */
export function addStageRows(entries: ReportEntry[], dockerfileStages: ReadonlyMap<string, number | null>): ReportEntry[] {
  return entries.map((entry) => {
    if (!dockerfileStages.has(entry.name) || entry.kind === 'stage' || entry.compressedBytes === null) return entry;
    const siblings = entries.filter(
      (e) => e.name === entry.name && e.platform === entry.platform && e.compressedBytes !== null && e.uncompressedBytes !== null,
    );
    const table = stageReport(
      siblings.map((e) => ({
        name: e.target ?? '',
        compressedBytes: e.compressedBytes ?? 0,
        uncompressedBytes: e.uncompressedBytes ?? 0,
        hints: e.analysis?.hints ?? [],
      })),
      dockerfileStages.get(entry.name) ?? null,
    );
    const stages: StageRow[] = table.rows.map((row, i) => {
      const sibling = siblings[i];
      if (sibling === undefined) throw new Error(`${entry.name}: stage row ${i} has no entry`);
      return {
        name: sibling.target,
        current: sibling === entry,
        compressedBytes: row.compressedBytes,
        uncompressedBytes: row.uncompressedBytes,
        wastedBytes: sibling.analysis?.wastedBytes ?? null,
        hasToolchain: row.hasToolchain,
        hintIds: row.hintIds,
      };
    });
    return { ...entry, stages, ...(table.singleStageWithToolchain ? { singleStageWithToolchain: true } : {}) };
  });
}

/** The JSON report of a run: its entries, where the baseline came from and the budgets the PR changes. */
export function assembleReport(run: {
  images: ReportEntry[];
  commit: string | null;
  /** The budget file, relative to the working directory. */
  config: string;
  overBudget: boolean;
  baseline: { mode: string; commit: string | null; note: string; unavailable: string | null } | null;
  budgetChanges: BudgetChange[];
}): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'image-budget', version: VERSION },
    createdAt: new Date().toISOString(),
    commit: run.commit,
    config: run.config,
    overBudget: run.overBudget,
    baseline: run.baseline,
    budgetChanges: run.budgetChanges,
    images: run.images,
  };
}
