/**
 * Budgets come from the base branch: a PR cannot raise its own limit and pass in the same
 * change. What the PR changes is listed ("api: max 25 MB → 40 MB in this PR") so a reviewer
 * sees it; an override label (`acceptHeadBudgets`) applies the PR's budgets instead.
 */
import type { Budget, BudgetFile, DeltaLimit, ImageConfig } from '../config/types.js';
import type { BudgetChange } from '../types.js';
import { formatBytes } from '../format-size.js';

export type BudgetSource = 'base' | 'head';

export interface EffectiveBudgets {
  /** The head's images (what gets built), with the budgets that apply. */
  images: ImageConfig[];
  /** Where each image's budgets came from, by image name. */
  sources: Record<string, BudgetSource>;
  changes: BudgetChange[];
  /** Set when images left the budget file while others joined it: see describeUnmatchedImages. */
  note: string | null;
}

interface FieldSpec {
  field: string;
  label: string;
  read: (budget: Budget) => string | null;
}

const FIELDS: FieldSpec[] = [
  { field: 'max.compressed', label: 'max', read: (b) => size(b.max?.compressed) },
  { field: 'max.uncompressed', label: 'max uncompressed', read: (b) => size(b.max?.uncompressed) },
  { field: 'warn.compressed', label: 'warn', read: (b) => size(b.warn?.compressed) },
  { field: 'warn.uncompressed', label: 'warn uncompressed', read: (b) => size(b.warn?.uncompressed) },
  { field: 'maxLayers', label: 'max-layers', read: (b) => num(b.maxLayers) },
  { field: 'maxIncrease', label: 'max-increase', read: (b) => deltaLimit(b.maxIncrease) },
  { field: 'warnIncrease', label: 'warn-increase', read: (b) => deltaLimit(b.warnIncrease) },
  { field: 'minEfficiency', label: 'min-efficiency', read: (b) => num(b.minEfficiency) },
  { field: 'maxWasted', label: 'max-wasted', read: (b) => size(b.maxWasted) },
  { field: 'maxWastedPercent', label: 'max-wasted-percent', read: (b) => percent(b.maxWastedPercent) },
  // Which figures the three above read: switching to dive's can loosen them.
  { field: 'wasteFigures', label: 'waste-figures', read: (b) => b.wasteFigures ?? null },
  { field: 'forbid', label: 'forbid', read: (b) => list(b.forbid) },
  { field: 'ignoreHints', label: 'ignore-hints', read: (b) => list(b.ignoreHints) },
];

/** Budget fields that differ between base and head, for images present on both sides. */
export function listBudgetChanges(base: BudgetFile, head: BudgetFile): BudgetChange[] {
  const baseImages = new Map(base.images.map((image) => [image.name, image]));
  const changes: BudgetChange[] = [];
  for (const headImage of head.images) {
    const baseImage = baseImages.get(headImage.name);
    if (baseImage === undefined) continue;
    const scope = { image: headImage.name };
    changes.push(...compareBudgets(baseImage.budget, headImage.budget, { ...scope, target: null, platform: null }));
    // `analyze: false` switches off every analysis budget: a change like any other.
    const [analyzedBefore, analyzedAfter] = [onOff(baseImage.analyze !== false), onOff(headImage.analyze !== false)];
    if (analyzedBefore !== analyzedAfter) {
      changes.push({ ...scope, target: null, platform: null, field: 'analyze', label: 'analyze', from: analyzedBefore, to: analyzedAfter });
    }
    for (const target of unionKeys(baseImage.targetBudgets, headImage.targetBudgets)) {
      const from = baseImage.targetBudgets[target] ?? {};
      const to = headImage.targetBudgets[target] ?? {};
      changes.push(...compareBudgets(from, to, { ...scope, target, platform: null }));
    }
    for (const platform of unionKeys(baseImage.platformBudgets, headImage.platformBudgets)) {
      const from = baseImage.platformBudgets[platform] ?? {};
      const to = headImage.platformBudgets[platform] ?? {};
      changes.push(...compareBudgets(from, to, { ...scope, target: null, platform }));
    }
  }
  return changes;
}

/**
 * The budgets to check the PR against: the base's for images the base knows, unless the
 * override is set or the base has no budget file; the head's for images new in the PR.
 */
export function chooseEffectiveBudgets(
  base: BudgetFile | null,
  head: BudgetFile,
  options: { acceptHeadBudgets?: boolean } = {},
): EffectiveBudgets {
  const changes = base === null ? [] : listBudgetChanges(base, head);
  const baseImages = new Map((base?.images ?? []).map((image) => [image.name, image]));
  const sources: Record<string, BudgetSource> = {};
  const images = head.images.map((image) => {
    const baseImage = baseImages.get(image.name);
    if (baseImage === undefined || options.acceptHeadBudgets === true) {
      sources[image.name] = 'head';
      return image;
    }
    sources[image.name] = 'base';
    return {
      ...image,
      // The PR cannot switch off the analysis the base's budgets may need.
      analyze: image.analyze === false && baseImage.analyze !== false ? undefined : image.analyze,
      budget: baseImage.budget,
      targetBudgets: baseImage.targetBudgets,
      platformBudgets: baseImage.platformBudgets,
    };
  });
  return { images, sources, changes, note: base === null ? null : describeUnmatchedImages(base, head) };
}

/**
 * Budgets follow image names, so a PR that renames an image (or drops one and adds another)
 * leaves the base budget behind and checks the "new" image against the PR's own: say so.
 */
export function describeUnmatchedImages(base: BudgetFile, head: BudgetFile): string | null {
  const baseNames = new Set(base.images.map((image) => image.name));
  const headNames = new Set(head.images.map((image) => image.name));
  const gone = [...baseNames].filter((name) => !headNames.has(name));
  const added = [...headNames].filter((name) => !baseNames.has(name));
  if (gone.length === 0 || added.length === 0) return null;
  const list = (names: string[]) => names.join(', ');
  const isAre = (names: string[]) => (names.length === 1 ? 'is' : 'are');
  return (
    `${list(gone)} ${isAre(gone)} not in this PR's budget file, so the base budget of ${list(gone)} no longer applies; ` +
    `${list(added)} ${isAre(added)} new in this PR and checked against the PR's own budget (a renamed image keeps no base budget)`
  );
}

/** "api: max 25 MB → 40 MB", "api (target prod): max-layers none → 12". */
export function describeBudgetChange(change: BudgetChange): string {
  const scope = change.target !== null ? ` (target ${change.target})` : change.platform !== null ? ` (${change.platform})` : '';
  return `${change.image}${scope}: ${change.label} ${change.from ?? 'none'} → ${change.to ?? 'none'}`;
}

function compareBudgets(from: Budget, to: Budget, scope: Pick<BudgetChange, 'image' | 'target' | 'platform'>): BudgetChange[] {
  const changes: BudgetChange[] = [];
  for (const spec of FIELDS) {
    const before = spec.read(from);
    const after = spec.read(to);
    if (before !== after) changes.push({ ...scope, field: spec.field, label: spec.label, from: before, to: after });
  }
  return changes;
}

function unionKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
}

function onOff(on: boolean): string {
  return on ? 'on' : 'off';
}

function size(value: number | undefined): string | null {
  return value === undefined ? null : formatBytes(value);
}

function num(value: number | undefined): string | null {
  return value === undefined ? null : String(value);
}

function percent(value: number | undefined): string | null {
  return value === undefined ? null : `${value}%`;
}

function list(values: string[] | undefined): string | null {
  return values === undefined || values.length === 0 ? null : [...values].sort().join(', ');
}

/** `5 MB`, `10%`, `5 MB or 10%`, with ` uncompressed` when that metric is limited. */
export function describeDeltaLimit(limit: DeltaLimit): string {
  const parts: string[] = [];
  if (limit.bytes !== undefined) parts.push(formatBytes(limit.bytes));
  if (limit.percent !== undefined) parts.push(`${limit.percent}%`);
  const text = parts.length > 0 ? parts.join(' or ') : 'no limit';
  return limit.metric === 'uncompressed' ? `${text} uncompressed` : text;
}

function deltaLimit(limit: DeltaLimit | undefined): string | null {
  return limit === undefined ? null : describeDeltaLimit(limit);
}
