/**
 * Adds the baseline to report entries: base sizes, delta, layer diff and growth
 * contributors, the delta budgets' findings, and entries for images the PR removed. Pure.
 */
import type { Budget } from '../config/types.js';
import type { Finding, MissingBaseline, ReportEntry, SizedEntry } from '../types.js';
import { diffImageConfig } from './config-diff.js';
import { computeDeltas, entryKey, evaluateDeltaBudget } from './delta.js';
import { statusOf } from './verdict.js';

export function toSizedEntries(entries: ReportEntry[]): SizedEntry[] {
  return entries.flatMap((e) =>
    e.compressedBytes === null || e.uncompressedBytes === null
      ? []
      : [
          {
            name: e.name,
            target: e.target,
            platform: e.platform,
            compressedBytes: e.compressedBytes,
            uncompressedBytes: e.uncompressedBytes,
            layers: e.layers,
            ...(e.imageConfig ? { imageConfig: e.imageConfig } : {}),
          },
        ],
  );
}

export function deltaFindings(budget: Budget, base: SizedEntry | null, head: SizedEntry): { findings: Finding[]; notes: string[] } {
  const findings: Finding[] = [];
  const notes: string[] = [];
  const rules = [
    ['max-increase', budget.maxIncrease, 'over'],
    ['warn-increase', budget.warnIncrease, 'warn'],
  ] as const;
  for (const [rule, limit, status] of rules) {
    if (!limit) continue;
    const verdict = evaluateDeltaBudget(limit, base, head, rule);
    if (verdict.skipped) notes.push(verdict.message);
    else if (verdict.exceeded) findings.push({ status, rule, message: verdict.message });
  }
  // A max-increase already exceeded makes the warn-increase on the same growth noise.
  const over = findings.some((f) => f.rule === 'max-increase');
  return { findings: over ? findings.filter((f) => f.rule !== 'warn-increase') : findings, notes };
}

export interface ApplyBaselineInput {
  entries: ReportEntry[];
  baseline: SizedEntry[];
  baseCommit: string | null;
  /** Budget for an entry (after the base/head budget choice). */
  budgetFor: (entry: ReportEntry) => Budget;
  /** Entries whose base could not be measured. */
  missing?: MissingBaseline[];
}

function findMissing(missing: readonly MissingBaseline[], entry: ReportEntry): MissingBaseline | undefined {
  return missing.find((m) => m.name === entry.name && m.target === entry.target && (m.platform === null || m.platform === entry.platform));
}

export function applyBaseline({ entries, baseline, baseCommit, budgetFor, missing = [] }: ApplyBaselineInput): ReportEntry[] {
  const deltas = computeDeltas(toSizedEntries(entries), baseline, { baseCommit });
  const byKey = new Map(deltas.map((d) => [entryKey(d), d]));
  const baseByKey = new Map(baseline.map((b) => [entryKey(b), b]));

  const updated = entries.map((entry): ReportEntry => {
    const unmeasured = baseByKey.has(entryKey(entry)) ? undefined : findMissing(missing, entry);
    if (unmeasured && !entry.error) {
      // Compared with nothing: no "new", no growth blamed on every layer, delta budgets skipped.
      return markUncompared({ ...entry, notes: [...(entry.notes ?? []), `baseline unavailable: ${unmeasured.reason}`] }, budgetFor(entry));
    }
    const delta = byKey.get(entryKey(entry));
    if (!delta || entry.compressedBytes === null || entry.uncompressedBytes === null) {
      return { ...entry, baseline: null, delta: null, change: entry.error ? null : 'new' };
    }
    const head = toSizedEntries([entry])[0] as SizedEntry;
    const base = baseByKey.get(entryKey(entry)) ?? null;
    const { findings, notes } = deltaFindings(budgetFor(entry), base, head);
    const config = base?.imageConfig && entry.imageConfig ? diffImageConfig(base.imageConfig, entry.imageConfig) : null;
    const configChanged = (config?.changes.length ?? 0) > 0;
    // Said only where it matters: no layer moved, so the config is all that changed.
    const configOnly = delta.state === 'changed' && delta.layers.every((row) => row.state === 'unchanged');
    const allFindings = [...entry.findings, ...findings];
    return {
      ...entry,
      findings: allFindings,
      status: entry.status === 'error' ? 'error' : statusOf(allFindings),
      baseline: delta.baseline,
      delta: delta.delta,
      // Same sizes and layers, another config (a label of the same length): still a change.
      change: delta.state === 'unchanged' && configChanged ? 'changed' : delta.state,
      layerDiff: delta.layers,
      contributors: delta.contributors,
      ...(config && configChanged ? { configChanges: config.changes } : {}),
      notes: [
        ...(entry.notes ?? []),
        ...notes,
        ...(config && !config.valuesCompared && configOnly
          ? ['label and env values not compared: the base was measured by another run (only added and removed names are known)']
          : []),
      ],
    };
  });

  // A head build that failed has no sizes, so its base entries pair with nothing: the image is
  // broken in the PR, not removed by it. (One build covers all platforms: match name and target.)
  const failedHead = new Set(entries.filter((e) => e.error !== null).map((e) => JSON.stringify([e.name, e.target])));
  const removed = deltas
    .filter((d) => d.state === 'removed' && !failedHead.has(JSON.stringify([d.name, d.target])))
    .map((d): ReportEntry => ({
      name: d.name,
      target: d.target,
      platform: d.platform,
      compressedBytes: null,
      uncompressedBytes: null,
      layerCount: null,
      status: 'ok',
      findings: [],
      budget: { max: null, warn: null, maxLayers: null },
      layers: [],
      manifestDigest: null,
      error: null,
      baseline: d.baseline,
      delta: null,
      change: 'removed',
      layerDiff: d.layers,
      contributors: [],
    }));
  return [...updated, ...removed];
}

/** No baseline at all (first run, `none`, or it could not be had): delta budgets are skipped with a note. */
export function markNoBaseline(entries: ReportEntry[], budgetFor: (entry: ReportEntry) => Budget): ReportEntry[] {
  return entries.map((entry) => markUncompared(entry, budgetFor(entry)));
}

/** change: null — compared with nothing, which is not the same as "new on this branch". */
function markUncompared(entry: ReportEntry, budget: Budget): ReportEntry {
  const [head] = toSizedEntries([entry]);
  const notes = head ? deltaFindings(budget, null, head).notes : [];
  return { ...entry, baseline: null, delta: null, change: null, notes: [...(entry.notes ?? []), ...notes] };
}
