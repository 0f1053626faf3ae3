/**
 * Budgets → status, in one pure place. The job's pass/fail is decided here and nowhere else.
 */
import type { Budget, SizeLimit, SizeMetric } from '../config/types.js';
import { formatSize } from '../config/size.js';
import type { Finding, Report, ReportEntry, Status } from '../report/types.js';

export interface MeasuredSizes {
  compressedBytes: number;
  uncompressedBytes: number;
  layerCount: number;
}

const SEVERITY: Record<Status, number> = { ok: 0, warn: 1, over: 2, error: 3 };

export function worstStatus(statuses: Iterable<Status>): Status {
  let worst: Status = 'ok';
  for (const status of statuses) if (SEVERITY[status] > SEVERITY[worst]) worst = status;
  return worst;
}

function sizeOf(sizes: MeasuredSizes, metric: SizeMetric): number {
  return metric === 'compressed' ? sizes.compressedBytes : sizes.uncompressedBytes;
}

function checkLimit(sizes: MeasuredSizes, limit: SizeLimit | undefined, rule: 'max' | 'warn'): Finding[] {
  if (!limit) return [];
  const findings: Finding[] = [];
  for (const metric of ['compressed', 'uncompressed'] as const) {
    const allowed = limit[metric];
    if (allowed === undefined) continue;
    const actual = sizeOf(sizes, metric);
    if (actual > allowed) {
      findings.push({
        status: rule === 'max' ? 'over' : 'warn',
        rule: `${rule}.${metric}`,
        message: `${metric} ${formatSize(actual)} > ${rule} ${formatSize(allowed)}`,
      });
    }
  }
  return findings;
}

/** Absolute budgets: size limits and layer count. */
export function evaluateSizeBudget(sizes: MeasuredSizes, budget: Budget): Finding[] {
  const findings = [...checkLimit(sizes, budget.max, 'max')];
  // A warn already exceeded by max is noise: report the stronger finding only.
  const overMetrics = new Set(findings.map((f) => f.rule.split('.')[1]));
  findings.push(...checkLimit(sizes, budget.warn, 'warn').filter((f) => !overMetrics.has(f.rule.split('.')[1])));
  if (budget.maxLayers !== undefined && sizes.layerCount > budget.maxLayers) {
    findings.push({ status: 'over', rule: 'max-layers', message: `${sizes.layerCount} layers > max-layers ${budget.maxLayers}` });
  }
  return findings;
}

export function statusOf(findings: Finding[]): Status {
  return worstStatus(findings.map((f) => f.status));
}

export interface Outcome {
  overBudget: boolean;
  buildFailed: boolean;
  /** 0 pass, 1 over budget or a build failed. (2, usage/config errors, never reaches here.) */
  exitCode: 0 | 1;
}

export function decideOutcome(entries: Pick<ReportEntry, 'status'>[]): Outcome {
  const overBudget = entries.some((e) => e.status === 'over');
  const buildFailed = entries.some((e) => e.status === 'error');
  return { overBudget, buildFailed, exitCode: overBudget || buildFailed ? 1 : 0 };
}

export function countStatuses(report: Pick<Report, 'images'>): Record<Status, number> {
  const counts: Record<Status, number> = { ok: 0, warn: 0, over: 0, error: 0 };
  for (const entry of report.images) counts[entry.status] += 1;
  return counts;
}
