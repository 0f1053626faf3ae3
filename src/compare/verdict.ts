/**
 * Budgets → status, in one pure place. The job's pass/fail is decided here and nowhere else.
 */
import type { Budget, SizeLimit, SizeMetric } from '../config/types.js';
import { formatSize } from '../config/size.js';
import type { Finding, Hint, ReportEntry, Status } from '../types.js';

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

/** What the analysis budgets read: the analyser's result (every hint, not the report's top 40). */
export interface AnalysisFigures {
  wastedBytes: number;
  efficiency: number;
  /** Σ file bytes the layers add: the base of max-wasted-percent. */
  totalFileBytes: number;
  hints: readonly Hint[];
  /** dive's figures, read with `waste-figures: dive`. */
  dive?: { efficiency: number; wastedBytes: number; userFileBytes: number };
}

/** Forbidden hints reported one finding each, up to this many per id (then one "and N more"). */
export const MAX_FORBID_FINDINGS_PER_ID = 5;
const MAX_PATH_IN_MESSAGE = 200;

const ANALYSIS_KEYS = [
  ['minEfficiency', 'min-efficiency'],
  ['maxWasted', 'max-wasted'],
  ['maxWastedPercent', 'max-wasted-percent'],
  ['forbid', 'forbid'],
] as const;

function percent(share: number): string {
  return `${(share * 100).toFixed(1).replace(/\.0$/, '')}%`;
}

function shorten(text: string): string {
  return text.length > MAX_PATH_IN_MESSAGE ? `${text.slice(0, MAX_PATH_IN_MESSAGE - 1)}…` : text;
}

function describeHint(hint: Hint): string {
  const where = hint.dockerfile ? ` at ${hint.dockerfile.path}:${hint.dockerfile.line}` : ' in the base image';
  const bytes = hint.bytes > 0 ? ` (${formatSize(hint.bytes)})` : '';
  return `${shorten(hint.path)}${bytes}${where}`;
}

/** The figures the three waste budgets compare, ours or dive's, with the words that say which. */
interface WasteFigures {
  prefix: string;
  efficiency: number;
  wastedBytes: number;
  /** The base of max-wasted-percent, and what it is. */
  base: number;
  baseText: string;
}

function wasteFigures(analysis: AnalysisFigures, which: Budget['wasteFigures']): WasteFigures | null {
  if (which !== 'dive') {
    const base = analysis.totalFileBytes;
    return {
      prefix: '',
      efficiency: analysis.efficiency,
      wastedBytes: analysis.wastedBytes,
      base,
      baseText: `the ${formatSize(base)} of files the layers add`,
    };
  }
  if (!analysis.dive) return null;
  const base = analysis.dive.userFileBytes;
  return {
    prefix: 'dive: ',
    efficiency: analysis.dive.efficiency,
    wastedBytes: analysis.dive.wastedBytes,
    base,
    baseText: `the ${formatSize(base)} of files the layers above the first add`,
  };
}

/**
 * Layer-analysis budgets: min-efficiency, max-wasted, max-wasted-percent and forbidden hint ids.
 * The first three read our figures, or dive's with `waste-figures: dive` (dive's definitions:
 * its efficiency, its wasted bytes, and wasted ÷ the file bytes of every layer but the first,
 * as `dive --ci` rules lowestEfficiency, highestWastedBytes, highestUserWastedPercent do).
 * Ours: max-wasted-percent is wasted file bytes ÷ the file bytes all layers add. Without an
 * analysis the budgets cannot be checked: that is a note (`unavailable` says why), never a
 * failure, since the sizes themselves are fine.
 */
export function evaluateAnalysisBudget(
  analysis: AnalysisFigures | null,
  budget: Budget,
  opts: { unavailable?: string } = {},
): { findings: Finding[]; notes: string[] } {
  const asked = ANALYSIS_KEYS.filter(([key]) => {
    const value = budget[key];
    return Array.isArray(value) ? value.length > 0 : value !== undefined;
  });
  if (asked.length === 0) return { findings: [], notes: [] };
  if (!analysis) {
    const names = asked.map(([, name]) => name).join(', ');
    return { findings: [], notes: [`${names} not checked: ${opts.unavailable ?? 'no layer analysis'}`] };
  }
  const findings: Finding[] = [];
  const notes: string[] = [];
  const figures = wasteFigures(analysis, budget.wasteFigures);
  if (!figures) {
    const names = asked.filter(([key]) => key !== 'forbid').map(([, name]) => name);
    if (names.length > 0) notes.push(`${names.join(', ')} not checked: waste-figures: dive, and the analysis has no dive figures`);
  } else {
    const { prefix } = figures;
    const wasted = `${formatSize(figures.wastedBytes)} wasted`;
    if (budget.minEfficiency !== undefined && figures.efficiency < budget.minEfficiency) {
      findings.push({
        status: 'over',
        rule: 'min-efficiency',
        message: `${prefix}efficiency ${percent(figures.efficiency)} < min-efficiency ${percent(budget.minEfficiency)} (${wasted})`,
      });
    }
    if (budget.maxWasted !== undefined && figures.wastedBytes > budget.maxWasted) {
      findings.push({ status: 'over', rule: 'max-wasted', message: `${prefix}${wasted} > max-wasted ${formatSize(budget.maxWasted)}` });
    }
    // No base (no file bytes; for dive, a single layer): nothing to take a share of. dive's NaN passes too.
    if (budget.maxWastedPercent !== undefined && figures.base > 0) {
      const share = figures.wastedBytes / figures.base;
      if (share * 100 > budget.maxWastedPercent) {
        findings.push({
          status: 'over',
          rule: 'max-wasted-percent',
          message: `${prefix}${wasted}, ${percent(share)} of ${figures.baseText} > max-wasted-percent ${budget.maxWastedPercent}%`,
        });
      }
    }
  }
  // ignore-hints silences: an ignored id is never a forbidden finding.
  const ignored = new Set(budget.ignoreHints ?? []);
  for (const id of new Set(budget.forbid ?? [])) {
    if (ignored.has(id)) continue;
    const found = analysis.hints.filter((h) => h.id === id).sort((a, b) => b.bytes - a.bytes);
    for (const hint of found.slice(0, MAX_FORBID_FINDINGS_PER_ID)) {
      findings.push({ status: 'over', rule: `forbid.${id}`, message: `forbidden hint ${id}: ${describeHint(hint)}` });
    }
    if (found.length > MAX_FORBID_FINDINGS_PER_ID) {
      findings.push({
        status: 'over',
        rule: `forbid.${id}`,
        message: `forbidden hint ${id}: ${found.length - MAX_FORBID_FINDINGS_PER_ID} more`,
      });
    }
  }
  return { findings, notes };
}

export function statusOf(findings: Finding[]): Status {
  return worstStatus(findings.map((f) => f.status));
}

export interface Outcome {
  overBudget: boolean;
  buildFailed: boolean;
  /** Set when the override label accepts the images over budget: the check passes all the same. */
  acceptedByLabel?: true;
  /** 0 pass, 1 over budget (not accepted) or a build failed. (2, usage/config errors, never reaches here.) */
  exitCode: 0 | 1;
}

/**
 * Pass or fail. The override label (`overrideLabel: true`: it is on the PR) accepts images
 * over budget; it never accepts a build that failed.
 */
export function decideOutcome(entries: Pick<ReportEntry, 'status'>[], options: { overrideLabel?: boolean } = {}): Outcome {
  const overBudget = entries.some((e) => e.status === 'over');
  const buildFailed = entries.some((e) => e.status === 'error');
  const accepted = overBudget && options.overrideLabel === true;
  const failed = buildFailed || (overBudget && !accepted);
  return { overBudget, buildFailed, ...(accepted ? { acceptedByLabel: true as const } : {}), exitCode: failed ? 1 : 0 };
}
