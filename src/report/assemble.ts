/**
 * Measurements + budgets → report entries. Pure: one entry per image × target × platform,
 * in budget-file order, with a failed build still present as `error` entries.
 */
import type { Budget, SizeLimit } from '../config/types.js';
import type { JobMeasurement } from '../build-and-measure.js';
import { evaluateSizeBudget, statusOf } from '../compare/verdict.js';
import type { PlatformMeasure } from '../measure/types.js';
import type { ReportBudget, ReportEntry } from './types.js';

export type BudgetResolver = (image: string, target: string | undefined, platform: string) => Budget;

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

function measuredEntry(m: JobMeasurement, platform: PlatformMeasure, budget: Budget): ReportEntry {
  const findings = evaluateSizeBudget(platform, budget);
  return {
    name: m.job.image.name,
    target: m.job.target ?? null,
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
    error: null,
  };
}

function errorEntry(m: JobMeasurement, platform: string, budget: Budget): ReportEntry {
  const error = m.error ?? 'no image was produced';
  return {
    name: m.job.image.name,
    target: m.job.target ?? null,
    platform,
    compressedBytes: null,
    uncompressedBytes: null,
    layerCount: null,
    status: 'error',
    findings: [{ status: 'error', rule: 'build', message: error.split('\n')[0] ?? error }],
    budget: reportBudget(budget),
    layers: [],
    manifestDigest: null,
    error,
  };
}

/** The platform an entry is reported under when the build chose it (no `platforms` given). */
export const DEFAULT_PLATFORM = 'default';

export function assembleEntries(measurements: JobMeasurement[], resolveBudget: BudgetResolver): ReportEntry[] {
  return measurements.flatMap((m) => {
    const { image, target } = m.job;
    if (m.error !== null || m.platforms.length === 0) {
      const platforms = m.job.platforms.length > 0 ? m.job.platforms : [DEFAULT_PLATFORM];
      return platforms.map((platform) => errorEntry(m, platform, resolveBudget(image.name, target, platform)));
    }
    return m.platforms.map((platform) => measuredEntry(m, platform, resolveBudget(image.name, target, platform.platform)));
  });
}
