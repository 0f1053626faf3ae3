/**
 * The given-image source: every `image:` entry of a budget file measured with no build, in
 * parallel up to `parallel`, sharing one layer store (each layer fetched once) and the run's
 * size memo.
 */
import path from 'node:path';
import pLimit from 'p-limit';
import { openLayerCache } from '../../analysis/layer-cache.js';
import { tryGit } from '../../baseline/git.js';
import { ConfigError } from '../../config/config-error.js';
import { FROM_INPUT, type PlaceholderValues } from '../../config/image-reference.js';
import type { BudgetFile, ImageConfig } from '../../config/types.js';
import type { Logger } from '../../logger.js';
import type { CountedSizes } from '../../measure/counted-sizes.js';
import type { UncompressedSize } from '../../measure/types.js';
import type { MeasuredImage } from '../source.js';
import { LayerStore } from './layer-store.js';
import { measureGivenImage, type GivenImageEntry, type GivenImageMeasurement } from './measure-given-image.js';

export function isGivenImage(image: ImageConfig): boolean {
  return image.source.kind === 'image';
}

/** What measureGivenImage needs of an `image:` entry. */
export function givenEntry(image: ImageConfig): GivenImageEntry {
  if (image.source.kind !== 'image') throw new Error(`${image.name} is not an image: entry`);
  return {
    name: image.name,
    image: image.source.ref,
    platforms: image.platforms,
    ...(image.source.dockerfile ? { dockerfile: image.source.dockerfile } : {}),
    ...(image.targets[0] ? { target: image.targets[0] } : {}),
    context: image.context,
    ...(image.analyze !== undefined ? { analyze: image.analyze } : {}),
  };
}

/**
 * `image: from-input` and the action's image inputs must go together, and name one entry:
 * checked before anything is built or fetched, as a config problem.
 */
export function checkFromInput(file: BudgetFile, configPath: string, fromInput: string | null | undefined): void {
  const takers = file.images.filter((image) => image.source.kind === 'image' && image.source.ref.trim() === FROM_INPUT);
  const issue = (image: ImageConfig | undefined, message: string) => ({
    file: configPath,
    line: image?.location.line ?? 0,
    column: image?.location.column ?? 0,
    path: image ? `images.${image.name}.image` : '',
    message,
  });
  const [first, ...others] = takers;
  if (first !== undefined && others.length > 0) {
    throw new ConfigError(others.map((image) => issue(image, `only one entry can take the image inputs; ${first.name} already does`)));
  }
  const [taker] = takers;
  if (taker !== undefined && !fromInput) {
    throw new ConfigError([
      issue(taker, "from-input, but no image was given (the action's image, digest or metadata input; the CLI's --image)"),
    ]);
  }
  if (taker === undefined && fromInput) {
    throw new ConfigError([
      issue(undefined, `the image inputs (the CLI's --image) name ${fromInput}, but no entry says \`image: ${FROM_INPUT}\` to take it`),
    ]);
  }
}

export interface GivenImagesOptions {
  workdir: string;
  /** Scratch directory of this run: layouts and fetched layers go under it. */
  workDir: string;
  parallel: number;
  logger: Logger;
  label?: string;
  placeholders: PlaceholderValues;
  fromInput?: string | null;
  registryToken?: string | null;
  /** Where DOCKER_CONFIG (credentials) is read from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Layer cache directory (absolute, or relative to `workdir`); no analysis when absent. */
  analysis?: { cacheDir: string };
  sizeMemo?: Map<string, Promise<UncompressedSize>>;
  countedSizes?: CountedSizes;
}

export async function measureGivenImages(images: readonly ImageConfig[], options: GivenImagesOptions): Promise<GivenImageMeasurement[]> {
  if (images.length === 0) return [];
  const placeholders = await withCheckoutCommit(images, options.placeholders, options.workdir);
  const layers = new LayerStore(path.join(options.workDir, 'given', 'blobs'));
  const analysis = options.analysis
    ? { cache: openLayerCache(path.resolve(options.workdir, options.analysis.cacheDir)), scanned: new Set<string>() }
    : undefined;
  const limit = pLimit(Math.max(1, options.parallel));
  return Promise.all(
    images.map((image, index) =>
      limit(() =>
        measureGivenImage(givenEntry(image), {
          workdir: options.workdir,
          scratchDir: path.join(options.workDir, 'given', String(index)),
          layers,
          placeholders,
          logger: options.logger,
          ...(options.label ? { label: options.label } : {}),
          ...(options.fromInput ? { fromInput: options.fromInput } : {}),
          ...(options.registryToken ? { registryToken: options.registryToken } : {}),
          ...(options.env ? { env: options.env } : {}),
          ...(analysis ? { analysis } : {}),
          ...(options.sizeMemo ? { sizeMemo: options.sizeMemo } : {}),
          ...(options.countedSizes ? { countedSizes: options.countedSizes } : {}),
        }),
      ),
    ),
  );
}

/** A given image's measurement as every source reports one. */
export function toMeasuredImage(image: ImageConfig, m: GivenImageMeasurement): MeasuredImage {
  return {
    image,
    target: undefined,
    requestedPlatforms: image.platforms,
    platforms: m.platforms,
    error: m.error,
    ...(m.analyses ? { analyses: m.analyses } : {}),
    imageDigest: m.imageDigest,
  };
}

/**
 * `{sha}` without a commit from the run (the CLI): the checkout's HEAD, as the commit measured.
 * Asked of git only when a reference needs it.
 */
async function withCheckoutCommit(images: readonly ImageConfig[], values: PlaceholderValues, workdir: string): Promise<PlaceholderValues> {
  if (values.sha) return values;
  const needed = images.some((image) => image.source.kind === 'image' && /\{(?:sha|short-sha)\}/.test(image.source.ref));
  if (!needed) return values;
  const head = await tryGit(workdir, ['rev-parse', 'HEAD']).catch(() => null);
  const sha = head?.exitCode === 0 ? head.stdout.trim() : '';
  return /^[0-9a-f]{40}$/.test(sha) ? { ...values, sha } : values;
}
