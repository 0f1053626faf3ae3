import { describe, expect, test } from 'vitest';
import { NO_BUILD_OPTIONS } from '../../../src/config/build-options.js';
import { baseBuildNote, baseBuildOptions } from '../../../src/sources/base-build-source.js';
import { baseSourcePaths } from '../../../src/sources/reuse-base.js';
import type { ImageConfig } from '../../../src/config/types.js';
import { createMemoryLogger } from '../../../src/logger.js';
import type { CacheEnvironment } from '../../../src/plan/cache.js';
import { planBuild } from '../../../src/plan/plan-builds.js';

const githubContainer: CacheEnvironment = { buildxVersion: '0.25.0', driver: 'docker-container', cacheExport: true, ghaCredentials: true };

const image: ImageConfig = {
  name: 'api',
  source: { kind: 'build' },
  context: '/base/services/api',
  dockerfile: '/base/services/api/Dockerfile',
  targets: ['runtime'],
  platforms: [],
  buildArgs: {},
  labels: {},
  cache: { mode: 'auto', from: [], to: [] },
  options: NO_BUILD_OPTIONS,
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
    expect(flags(planBuild(image, 'runtime', build).argv, '--cache-to')).toEqual([
      'type=gha,scope=image-budget-api-runtime,mode=max,ignore-error=true',
    ]);
  });

  test('cache specs from the inputs: the base reads them and writes none', () => {
    const extra = { ...build, extraCacheFrom: ['type=registry,ref=r/c'], extraCacheTo: ['type=registry,ref=r/c,mode=max'] };
    const base = planBuild(image, 'runtime', baseBuildOptions(extra, '/base')).argv;
    expect(flags(base, '--cache-from')).toEqual(['type=registry,ref=r/c']);
    expect(flags(base, '--cache-to')).toEqual([]);
    expect(flags(planBuild(image, 'runtime', extra).argv, '--cache-to')).toEqual(['type=registry,ref=r/c,mode=max']);
  });
});

describe('baseSourcePaths: what a remembered base image is keyed on', () => {
  test('context, Dockerfile, its .dockerignore and every .gitattributes above them, checkout-relative', () => {
    expect(baseSourcePaths('/base', image)).toEqual([
      '.gitattributes',
      'services/.gitattributes',
      'services/api',
      'services/api/.gitattributes',
      'services/api/Dockerfile',
      'services/api/Dockerfile.dockerignore',
    ]);
    const other: ImageConfig = { ...image, name: 'web', context: '/base', dockerfile: '/base/docker/web.Dockerfile' };
    expect(baseSourcePaths('/base', other)).toEqual([
      '',
      '.gitattributes',
      'docker/.gitattributes',
      'docker/web.Dockerfile',
      'docker/web.Dockerfile.dockerignore',
    ]);
  });

  test('a path outside the checkout is refused, naming it (the base is then built and not kept)', () => {
    expect(() => baseSourcePaths('/base/services', { ...image, context: '/elsewhere/app' })).toThrow(
      '/elsewhere/app is outside the checkout /base/services',
    );
  });
});

describe('baseBuildNote', () => {
  const common = { short: '1a2b3c4', commit: '1a2b3c4'.padEnd(40, '0'), detail: 'first parent of the PR merge commit', failed: [] };
  const at = (commit: string) => ({ commit: commit.padEnd(40, '0') });
  test.each([
    ['built', { built: true, reused: [] }, 'baseline: commit 1a2b3c4 built, first parent of the PR merge commit'],
    [
      'built, one image failed',
      { built: true, reused: [], failed: ['api'] },
      'baseline: commit 1a2b3c4 built, first parent of the PR merge commit; unavailable for api (base build failed)',
    ],
    [
      'all kept, measured at this commit',
      { built: false, reused: [{ name: 'api', base: at('1a2b3c4') }] },
      'baseline: commit 1a2b3c4 as an earlier run measured it (the same build, kept in cache-dir), first parent of the PR merge commit',
    ],
    [
      'all kept, measured at other commits with the same sources',
      {
        built: false,
        reused: [
          { name: 'api', base: at('9f8e7d6') },
          { name: 'web', base: at('1a2b3c4') },
        ],
      },
      'baseline: commit 1a2b3c4 as an earlier run measured it (the same build of the same sources, at 9f8e7d6, kept in cache-dir), first parent of the PR merge commit',
    ],
    [
      'some built, some kept',
      { built: true, reused: [{ name: 'web', base: at('9f8e7d6') }] },
      'baseline: commit 1a2b3c4 built, first parent of the PR merge commit; web as an earlier run measured it (the same build of the same sources, at 9f8e7d6, kept in cache-dir)',
    ],
  ])('%s', (_, b, expected) => {
    expect(baseBuildNote({ ...common, ...b })).toBe(expected);
  });
});
