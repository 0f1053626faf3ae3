/**
 * What the budget file asks of the builder, checked before anything is built: a build that
 * cannot work should fail once, clearly, not once per image after minutes of building. Pure.
 */
import type { ImageConfig } from '../config/types.js';
import type { BuildxInfo } from '../docker/buildx-info.js';

/** Why the builder cannot build the images that list several platforms, or null when it can. */
export function multiPlatformProblem(
  images: readonly ImageConfig[],
  buildx: Pick<BuildxInfo, 'builder' | 'driver' | 'features'>,
): string | null {
  if (buildx.features.multiPlatform) return null;
  const wanting = images.filter((image) => image.platforms.length > 1);
  if (wanting.length === 0) return null;
  const list = wanting
    .map((image) => `${image.name} (${image.location.file}:${image.location.line}:${image.location.column}: ${image.platforms.join(', ')})`)
    .join('; ');
  return (
    `builder "${buildx.builder}" (driver ${buildx.driver}) cannot build several platforms in one build, ` +
    `which ${wanting.length === 1 ? 'this image asks' : 'these images ask'} for: ${list}. ` +
    'Use a builder that can (docker/setup-buildx-action on GitHub, `docker buildx create --use` locally, ' +
    'or the containerd image store with the `docker` driver), or list one platform.'
  );
}
