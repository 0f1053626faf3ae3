import { describe, expect, test } from 'vitest';
import { NO_BUILD_OPTIONS } from '../../../src/config/build-options.js';
import type { ImageConfig } from '../../../src/config/types.js';
import { multiPlatformProblem } from '../../../src/plan/builder-requirements.js';

function image(name: string, platforms: string[], line: number): ImageConfig {
  return {
    name,
    source: { kind: 'build' },
    context: '/repo',
    dockerfile: '/repo/Dockerfile',
    targets: [undefined],
    platforms,
    buildArgs: {},
    labels: {},
    cache: { mode: 'auto', from: [], to: [] },
    options: NO_BUILD_OPTIONS,
    budget: {},
    targetBudgets: {},
    platformBudgets: {},
    location: { file: 'budget.yml', line, column: 3 },
  };
}

const classic = { builder: 'default', driver: 'docker', features: { ociExporter: false, cacheExport: false, multiPlatform: false } };

describe('multiPlatformProblem', () => {
  test('a builder without multi-platform support and an image with two platforms: names the image, its line and the way out', () => {
    const images = [image('api', ['linux/amd64'], 3), image('web', ['linux/amd64', 'linux/arm64'], 7)];
    expect(multiPlatformProblem(images, classic)).toBe(
      'builder "default" (driver docker) cannot build several platforms in one build, which this image asks for: ' +
        'web (budget.yml:7:3: linux/amd64, linux/arm64). Use a builder that can (docker/setup-buildx-action on GitHub, ' +
        '`docker buildx create --use` locally, or the containerd image store with the `docker` driver), or list one platform.',
    );
  });

  test.each([
    ['one platform each', classic, [image('api', ['linux/amd64'], 3), image('web', [], 5)]],
    [
      'a builder that can',
      { ...classic, features: { ...classic.features, multiPlatform: true } },
      [image('web', ['linux/amd64', 'linux/arm64'], 7)],
    ],
  ])('%s: no problem', (_name, buildx, images) => {
    expect(multiPlatformProblem(images, buildx)).toBeNull();
  });
});
