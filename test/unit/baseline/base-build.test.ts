import { describe, expect, test } from 'vitest';
import { baseBuildOptions, baseSourcePaths } from '../../../src/baseline/measure-baseline.js';
import type { ImageConfig } from '../../../src/config/types.js';
import { createMemoryLogger } from '../../../src/logger.js';
import type { CacheEnvironment } from '../../../src/plan/cache.js';
import { planBuild } from '../../../src/plan/plan-builds.js';

const githubContainer: CacheEnvironment = { buildxVersion: '0.25.0', driver: 'docker-container', cacheExport: true, ghaCredentials: true };

const image: ImageConfig = {
  name: 'api',
  context: '/base/services/api',
  dockerfile: '/base/services/api/Dockerfile',
  targets: ['runtime'],
  platforms: [],
  buildArgs: {},
  labels: {},
  cache: { mode: 'auto', from: [], to: [] },
  budget: {},
  targetBudgets: {},
  platformBudgets: {},
  location: { file: 'budget.yml', line: 3, column: 3 },
};

function flags(argv: string[], flag: string): string[] {
  return argv.flatMap((arg, i) => (arg === flag ? [argv[i + 1] ?? ''] : []));
}

describe('the baseline build', () => {
  const build = { workDir: '/w/base', parallel: 2, logger: createMemoryLogger(), cache: githubContainer };

  test('imports the head’s gha cache scope but never exports to it (head and base would race for it)', () => {
    const base = planBuild(image, 'runtime', baseBuildOptions(build, '/base')).argv;
    expect(flags(base, '--cache-from')).toEqual(['type=gha,scope=image-budget-api-runtime']);
    expect(flags(base, '--cache-to')).toEqual([]);
    // The head, planned from the same options, exports.
    expect(flags(planBuild(image, 'runtime', build).argv, '--cache-to')).toEqual(['type=gha,scope=image-budget-api-runtime,mode=max']);
  });

  test('cache specs from the inputs: the base reads them and writes none', () => {
    const extra = { ...build, extraCacheFrom: ['type=registry,ref=r/c'], extraCacheTo: ['type=registry,ref=r/c,mode=max'] };
    const base = planBuild(image, 'runtime', baseBuildOptions(extra, '/base')).argv;
    expect(flags(base, '--cache-from')).toEqual(['type=registry,ref=r/c']);
    expect(flags(base, '--cache-to')).toEqual([]);
    expect(flags(planBuild(image, 'runtime', extra).argv, '--cache-to')).toEqual(['type=registry,ref=r/c,mode=max']);
  });
});

describe('baseSourcePaths: what a remembered base is keyed on', () => {
  test('context, Dockerfile, its .dockerignore and every .gitattributes above them, repository-relative', () => {
    const other: ImageConfig = { ...image, name: 'web', context: '/base', dockerfile: '/base/docker/web.Dockerfile' };
    expect(baseSourcePaths('/base', [image, other])).toEqual([
      '',
      '.gitattributes',
      'docker/.gitattributes',
      'docker/web.Dockerfile',
      'docker/web.Dockerfile.dockerignore',
      'services/.gitattributes',
      'services/api',
      'services/api/.gitattributes',
      'services/api/Dockerfile',
      'services/api/Dockerfile.dockerignore',
    ]);
  });
});

test('baseSourcePaths: a path outside the checkout is refused, naming it (the base is then built and not kept)', () => {
  expect(() => baseSourcePaths('/base/services', [image, { ...image, context: '/elsewhere/app' }])).toThrow(
    '/elsewhere/app is outside the checkout /base/services',
  );
});
