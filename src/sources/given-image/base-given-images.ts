/**
 * The base side of given images (`baseline: build`): the base branch's `image:` entries, each
 * measured as the image its reference names at the base commit (`{sha}`, `{short-sha}`), or
 * missing with why when its reference cannot name the base's image.
 */
import type { ImageConfig } from '../../config/types.js';
import type { MissingBaseline } from '../../types.js';
import type { MeasuredImage } from '../source.js';
import { baseReference } from './base-reference.js';
import { measureGivenImages, toMeasuredImage, type GivenImagesOptions } from './given-image-source.js';

export interface BaseGivenImages {
  measured: MeasuredImage[];
  missing: MissingBaseline[];
}

export async function measureBaseGivenImages(
  images: readonly ImageConfig[],
  commit: string,
  options: Omit<GivenImagesOptions, 'placeholders' | 'fromInput' | 'analysis'>,
): Promise<BaseGivenImages> {
  const missing: MissingBaseline[] = [];
  const resolved: ImageConfig[] = [];
  for (const image of images) {
    if (image.source.kind !== 'image') continue;
    const base = baseReference(image.source.ref, commit);
    if ('reason' in base) missing.push({ name: image.name, target: null, platform: null, reason: `no base image: ${base.reason}` });
    else resolved.push({ ...image, source: { ...image.source, ref: base.ref } });
  }
  // The base is measured for sizes only, like a base build.
  const given = await measureGivenImages(resolved, { ...options, placeholders: { sha: commit }, label: options.label ?? 'base' });
  const measured = given.map((m, index) => {
    const image = resolved[index];
    if (image === undefined) throw new Error(`base given image ${index} was measured but not asked for`);
    return toMeasuredImage(image, m);
  });
  for (const m of measured) {
    if (m.error === null) continue;
    missing.push({
      name: m.image.name,
      target: null,
      platform: null,
      reason: `base image could not be read (${m.error.replace(/^measurement failed: /, '')})`,
    });
  }
  return { measured: measured.filter((m) => m.error === null), missing };
}
