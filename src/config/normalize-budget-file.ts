/**
 * A validated raw file → `BudgetFile`: sizes to bytes, defaults merged, paths made absolute,
 * plus the checks that need more than one field (override names against the image's targets).
 */
import path from 'node:path';
import { isScalar, type Document, type LineCounter } from 'yaml';
import type { ConfigIssue } from './config-error.js';
import { NO_BUILD_OPTIONS, toBuildOptions, type OptionProblem } from './build-options.js';
import { findNode, formatPath, positionOf, positionOfKey, type FieldPath } from './locate-node.js';
import { mergeBudgetMaps, mergeBudgets } from './merge-budget.js';
import type { RawBudgetFile, RawBudgetOverride, RawCache, RawDefaults, RawImage } from './schema.js';
import { isPercent, parsePercent, parseSize } from './size.js';
import { suggestName } from './suggest-name.js';
import type { Budget, BudgetFile, CacheConfig, DeltaLimit, ImageConfig, ImageSource, SizeLimit, SizeMetric } from './types.js';

export interface NormalizeContext {
  /** The path as the caller gave it, for messages. */
  file: string;
  /** Absolute path of the budget file. */
  absolutePath: string;
  workdir: string;
  /** Where secret files and ssh keys resolve (the head's checkout also for a base build). */
  secretsWorkdir?: string;
  doc: Document;
  lines: LineCounter;
  /** Set once the defaults' option problems are reported. */
  reportedDefaults?: boolean;
}

type RawSizeLimit = RawBudgetOverride['max'];
type RawDelta = RawBudgetOverride['max-increase'];

function toSizeLimit(raw: RawSizeLimit): SizeLimit | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw === 'number' || typeof raw === 'string') return { compressed: parseSize(raw) };
  const limit: SizeLimit = {};
  if (raw.compressed !== undefined) limit.compressed = parseSize(raw.compressed);
  if (raw.uncompressed !== undefined) limit.uncompressed = parseSize(raw.uncompressed);
  return limit;
}

function toDelta(metric: SizeMetric, value: string | number): DeltaLimit {
  if (typeof value === 'string' && isPercent(value)) return { metric, percent: parsePercent(value) };
  return { metric, bytes: parseSize(value) };
}

function toDeltaLimit(raw: RawDelta): DeltaLimit | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw === 'number' || typeof raw === 'string') return toDelta('compressed', raw);
  const metric: SizeMetric = raw.uncompressed !== undefined ? 'uncompressed' : 'compressed';
  const value = raw[metric];
  return value === undefined ? undefined : toDelta(metric, value);
}

function toBudget(raw: RawBudgetOverride | undefined): Budget {
  if (!raw) return {};
  const budget: Budget = {
    max: toSizeLimit(raw.max),
    warn: toSizeLimit(raw.warn),
    maxLayers: raw['max-layers'],
    maxIncrease: toDeltaLimit(raw['max-increase']),
    warnIncrease: toDeltaLimit(raw['warn-increase']),
    minEfficiency: raw['min-efficiency'],
    maxWasted: raw['max-wasted'] === undefined ? undefined : parseSize(raw['max-wasted']),
    maxWastedPercent: raw['max-wasted-percent'],
    wasteFigures: raw['waste-figures'],
    forbid: raw.forbid,
    ignoreHints: raw['ignore-hints'],
  };
  // Drop unset keys so merging and deep equality see only what the file says.
  return mergeBudgets(budget);
}

function toBudgetMap(raw: Record<string, RawBudgetOverride> | undefined): Record<string, Budget> {
  const map: Record<string, Budget> = {};
  for (const [name, override] of Object.entries(raw ?? {})) map[name] = toBudget(override);
  return map;
}

/** Build-arg and label values as written: `1.20` stays "1.20", not the number 1.2. */
function toStringMap(
  raw: Record<string, string | number | boolean> | undefined,
  at: FieldPath,
  ctx: NormalizeContext,
): Record<string, string> {
  const map: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw ?? {})) {
    const node = findNode(ctx.doc, [...at, key]).value;
    const source = isScalar(node) && typeof node.source === 'string' && typeof value !== 'string' ? node.source : undefined;
    map[key] = source ?? String(value);
  }
  return map;
}

const toList = (value: string | string[] | undefined): string[] | undefined =>
  value === undefined ? undefined : Array.isArray(value) ? value : [value];

function toCache(defaults: RawCache | undefined, image: RawCache | undefined): CacheConfig {
  return {
    mode: image?.mode ?? defaults?.mode ?? 'auto',
    from: toList(image?.from) ?? toList(defaults?.from) ?? [],
    to: toList(image?.to) ?? toList(defaults?.to) ?? [],
  };
}

function checkOverrideNames(
  name: string,
  image: RawImage,
  defaults: RawDefaults | undefined,
  platforms: string[],
  ctx: NormalizeContext,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const targets = image.targets ?? (image.target !== undefined ? [image.target] : []);
  const source = sourceField(image);
  const report = (at: FieldPath, message: string): void => {
    issues.push({
      file: ctx.file,
      ...positionOfKey(ctx.doc, ctx.lines, at),
      path: formatPath(at),
      message,
    });
  };
  // With `stages: all` any named stage gets an entry: the loader checks the keys against the Dockerfile.
  const stagesAll = (image.stages ?? defaults?.stages) === 'all';
  for (const key of Object.keys(image.budget?.targets ?? {})) {
    if (source === undefined && (targets.includes(key) || stagesAll)) continue;
    const at = ['images', name, 'budget', 'targets', key];
    if (source !== undefined) {
      report(
        at,
        `override for target \`${key}\`, but an entry with \`${source}\` builds no Dockerfile stages of its own; give the target its own entry`,
      );
    } else if (targets.length === 0) {
      report(at, `override for target \`${key}\`, but image \`${name}\` builds only its last stage; set \`target\` or \`targets\``);
    } else {
      const guess = suggestName(key, targets);
      const hint = guess ? `; did you mean \`${guess}\`?` : '';
      report(at, `override for target \`${key}\`, which image \`${name}\` does not build (targets: ${targets.join(', ')})${hint}`);
    }
  }
  if (platforms.length > 0) {
    for (const key of Object.keys(image.budget?.platforms ?? {})) {
      if (platforms.includes(key)) continue;
      const at = ['images', name, 'budget', 'platforms', key];
      const guess = suggestName(key, platforms);
      const hint = guess ? `; did you mean \`${guess}\`?` : '';
      report(at, `override for platform \`${key}\`, which image \`${name}\` does not build (platforms: ${platforms.join(', ')})${hint}`);
    }
  }
  return issues;
}

/** The field that takes the entry's image from elsewhere, if any (the schema allows one). */
function sourceField(raw: RawImage): 'image' | 'bake' | 'compose' | undefined {
  if (raw.image !== undefined) return 'image';
  if (raw.bake !== undefined) return 'bake';
  if (raw.compose !== undefined) return 'compose';
  return undefined;
}

function toSource(raw: RawImage, ctx: NormalizeContext): ImageSource {
  const files = (value: string | string[]): string[] =>
    (Array.isArray(value) ? value : [value]).map((file) => path.resolve(ctx.workdir, file));
  if (raw.image !== undefined) {
    const dockerfile = raw.dockerfile === undefined ? undefined : path.resolve(ctx.workdir, raw.dockerfile);
    return { kind: 'image', ref: raw.image, ...(dockerfile ? { dockerfile } : {}) };
  }
  if (raw.bake !== undefined) return { kind: 'bake', files: files(raw.bake.file), target: raw.bake.target ?? 'default' };
  if (raw.compose !== undefined) return { kind: 'compose', files: files(raw.compose.file), service: raw.compose.service };
  return { kind: 'build' };
}

/** An entry that image-budget does not build itself: only budgets, `analyze` and (for `image`) its Dockerfile and platforms. */
function toOtherSourceImage(
  name: string,
  raw: RawImage,
  source: Exclude<ImageSource, { kind: 'build' }>,
  defaults: RawDefaults | undefined,
  ctx: NormalizeContext,
): ImageConfig {
  return {
    name,
    source,
    context: ctx.workdir,
    dockerfile: (source.kind === 'image' ? source.dockerfile : undefined) ?? path.join(ctx.workdir, 'Dockerfile'),
    targets: [undefined],
    platforms: raw.platforms ?? [],
    buildArgs: {},
    labels: {},
    cache: toCache(undefined, undefined),
    options: NO_BUILD_OPTIONS,
    stages: 'none',
    analyze: raw.analyze ?? defaults?.analyze ?? true,
    budget: mergeBudgets(toBudget(defaults?.budget), toBudget(raw.budget)),
    targetBudgets: {},
    platformBudgets: mergeBudgetMaps(toBudgetMap(defaults?.budget?.platforms), toBudgetMap(raw.budget?.platforms)),
    location: { file: ctx.file, ...positionOfKey(ctx.doc, ctx.lines, ['images', name]) },
  };
}

function toImage(
  name: string,
  raw: RawImage,
  defaults: RawDefaults | undefined,
  ctx: NormalizeContext,
  issues: ConfigIssue[],
): ImageConfig {
  const source = toSource(raw, ctx);
  if (source.kind !== 'build') return toOtherSourceImage(name, raw, source, defaults, ctx);
  const { options, defaultsProblems, imageProblems } = toBuildOptions(defaults, raw, ctx.workdir, ctx.secretsWorkdir ?? ctx.workdir);
  const report = (at: FieldPath, problem: OptionProblem): void => {
    const where = [...at, ...problem.at];
    issues.push({ file: ctx.file, ...positionOf(ctx.doc, ctx.lines, where), path: formatPath(where), message: problem.message });
  };
  // Each default is reported once, not once per image.
  if (!ctx.reportedDefaults) for (const problem of defaultsProblems) report(['defaults'], problem);
  ctx.reportedDefaults = true;
  for (const problem of imageProblems) report(['images', name], problem);
  const context = path.resolve(ctx.workdir, raw.context ?? '.');
  const targets: (string | undefined)[] = raw.targets ?? [raw.target];
  const keyPosition = positionOfKey(ctx.doc, ctx.lines, ['images', name]);
  return {
    name,
    source,
    context,
    dockerfile: path.resolve(context, raw.dockerfile ?? 'Dockerfile'),
    targets,
    platforms: raw.platforms ?? defaults?.platforms ?? [],
    buildArgs: {
      ...toStringMap(defaults?.['build-args'], ['defaults', 'build-args'], ctx),
      ...toStringMap(raw['build-args'], ['images', name, 'build-args'], ctx),
    },
    labels: {
      ...toStringMap(defaults?.labels, ['defaults', 'labels'], ctx),
      ...toStringMap(raw.labels, ['images', name, 'labels'], ctx),
    },
    cache: toCache(defaults?.cache, raw.cache),
    options,
    stages: raw.stages ?? defaults?.stages ?? 'none',
    analyze: raw.analyze ?? defaults?.analyze ?? true,
    budget: mergeBudgets(toBudget(defaults?.budget), toBudget(raw.budget)),
    targetBudgets: mergeBudgetMaps(toBudgetMap(defaults?.budget?.targets), toBudgetMap(raw.budget?.targets)),
    platformBudgets: mergeBudgetMaps(toBudgetMap(defaults?.budget?.platforms), toBudgetMap(raw.budget?.platforms)),
    location: { file: ctx.file, ...keyPosition },
  };
}

export function normalizeBudgetFile(raw: RawBudgetFile, ctx: NormalizeContext): { budgetFile: BudgetFile; issues: ConfigIssue[] } {
  const images: ImageConfig[] = [];
  const issues: ConfigIssue[] = [];
  for (const [name, rawImage] of Object.entries(raw.images)) {
    const image = toImage(name, rawImage ?? {}, raw.defaults, ctx, issues);
    issues.push(...checkOverrideNames(name, rawImage ?? {}, raw.defaults, image.platforms, ctx));
    images.push(image);
  }
  return { budgetFile: { version: 1, path: ctx.absolutePath, images }, issues };
}
