import { describe, expect, test } from 'vitest';
import { NO_BUILD_OPTIONS } from '../../../src/config/build-options.js';
import { baseBuildNote, baseBuildOptions } from '../../../src/sources/base-build-source.js';
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

describe('baseBuildNote', () => {
  const common = { short: '1a2b3c4', detail: 'first parent of the PR merge commit', failed: [] };
  test.each([
    ['built', {}, 'baseline: commit 1a2b3c4 built, first parent of the PR merge commit'],
    [
      'built, one image failed',
      { failed: ['api'] },
      'baseline: commit 1a2b3c4 built, first parent of the PR merge commit; unavailable for api (base build failed)',
    ],
  ])('%s', (_, b, expected) => {
    expect(baseBuildNote({ ...common, ...b })).toBe(expected);
  });
});
