import { describe, expect, test } from 'vitest';
import { NO_BUILD_OPTIONS } from '../../../src/config/build-options.js';
import type { ImageConfig } from '../../../src/config/types.js';
import { chooseCache, type CacheEnvironment } from '../../../src/plan/cache.js';
import { jobId, planBuild, planBuilds } from '../../../src/plan/plan-builds.js';

function image(overrides: Partial<ImageConfig> = {}): ImageConfig {
  return {
    name: 'api',
    source: { kind: 'build' },
    context: '/repo/services/api',
    dockerfile: '/repo/services/api/Dockerfile',
    targets: [undefined],
    platforms: [],
    buildArgs: {},
    labels: {},
    cache: { mode: 'auto', from: [], to: [] },
    options: NO_BUILD_OPTIONS,
    budget: {},
    targetBudgets: {},
    platformBudgets: {},
    location: { file: 'budget.yml', line: 3, column: 3 },
    ...overrides,
  };
}

const localDocker: CacheEnvironment = { buildxVersion: '0.13.1', driver: 'docker', cacheExport: true, ghaCredentials: false };
const githubContainer: CacheEnvironment = { buildxVersion: '0.25.0', driver: 'docker-container', cacheExport: true, ghaCredentials: true };

describe('planBuild argv', () => {
  test.each([
    [
      1,
      'defaults: last stage, builder default platform',
      image(),
      undefined,
      {},
      [
        'buildx',
        'build',
        '--progress=plain',
        '--file',
        '/repo/services/api/Dockerfile',
        '--output',
        'type=oci,dest=/w/api/oci,tar=false',
        '--metadata-file',
        '/w/api/metadata.json',
        '/repo/services/api',
      ],
    ],
    [
      2,
      'target, platforms, build args, labels',
      image({ platforms: ['linux/amd64', 'linux/arm64'], buildArgs: { GO: '1.22' }, labels: { team: 'pay' } }),
      'runtime',
      {},
      [
        'buildx',
        'build',
        '--progress=plain',
        '--file',
        '/repo/services/api/Dockerfile',
        '--target',
        'runtime',
        '--platform',
        'linux/amd64,linux/arm64',
        '--build-arg',
        'GO=1.22',
        '--label',
        'team=pay',
        '--output',
        'type=oci,dest=/w/api_runtime/oci,tar=false',
        '--metadata-file',
        '/w/api_runtime/metadata.json',
        '/repo/services/api',
      ],
    ],
    [
      3,
      'named builder and extra flags',
      image(),
      undefined,
      { builder: 'ci', extraArgs: ['--provenance=false'] },
      [
        'buildx',
        'build',
        '--progress=plain',
        '--builder',
        'ci',
        '--file',
        '/repo/services/api/Dockerfile',
        '--output',
        'type=oci,dest=/w/api/oci,tar=false',
        '--metadata-file',
        '/w/api/metadata.json',
        '--provenance=false',
        '/repo/services/api',
      ],
    ],
    [
      4,
      'user cache specs pass through',
      image({ cache: { mode: 'auto', from: ['type=registry,ref=r/c'], to: ['type=registry,ref=r/c,mode=max'] } }),
      undefined,
      {},
      [
        'buildx',
        'build',
        '--progress=plain',
        '--file',
        '/repo/services/api/Dockerfile',
        '--cache-from',
        'type=registry,ref=r/c',
        '--cache-to',
        'type=registry,ref=r/c,mode=max',
        '--output',
        'type=oci,dest=/w/api/oci,tar=false',
        '--metadata-file',
        '/w/api/metadata.json',
        '/repo/services/api',
      ],
    ],
  ])('%i. %s', (_n, _name, img, target, extra, expected) => {
    const job = planBuild(img, target, { workDir: '/w', cache: localDocker, ...extra });
    expect(job.argv).toEqual(expected);
  });

  test('one job per image and target, ids unique', () => {
    const jobs = planBuilds(
      { version: 1, path: '/repo/b.yml', images: [image({ targets: ['builder', 'runtime'] }), image({ name: 'web' })] },
      { workDir: '/w', cache: localDocker },
    );
    expect(jobs.map((j) => j.id)).toEqual(['api:builder', 'api:runtime', 'web']);
    expect(new Set(jobs.map((j) => j.layoutDir)).size).toBe(3);
    expect(jobId('api', undefined)).toBe('api');
  });

  test('buildx runs without the default provenance attestation and its git lookups', () => {
    const job = planBuild(image(), undefined, { workDir: '/w', cache: localDocker });
    expect(job.env).toEqual({ BUILDX_NO_DEFAULT_ATTESTATIONS: '1', BUILDX_GIT_INFO: 'false' });
    // An attestation asked for on purpose still reaches buildx.
    expect(planBuild(image(), undefined, { workDir: '/w', cache: localDocker, extraArgs: ['--provenance=mode=max'] }).argv).toContain(
      '--provenance=mode=max',
    );
  });
});

describe('chooseCache', () => {
  const auto = { mode: 'auto' as const, from: [], to: [] };
  test.each([
    [
      1,
      'auto on GitHub with a container builder → gha per image and target',
      auto,
      githubContainer,
      ['type=gha,scope=image-budget-api-runtime'],
      ['type=gha,scope=image-budget-api-runtime,mode=max,ignore-error=true'],
      0,
    ],
    [2, 'auto on a developer machine → builder cache only', auto, localDocker, [], [], 0],
    [
      3,
      'auto with the docker driver on GitHub → no gha (driver cannot export it)',
      auto,
      { ...githubContainer, driver: 'docker' },
      [],
      [],
      0,
    ],
    [4, 'auto with an old buildx → no gha (cache service v1 is retired)', auto, { ...githubContainer, buildxVersion: '0.13.1' }, [], [], 0],
    [
      5,
      'mode off → nothing, even with user specs',
      { mode: 'off' as const, from: ['type=local,src=/c'], to: [] },
      githubContainer,
      [],
      [],
      0,
    ],
    [
      6,
      'user gha cache-to without credentials → dropped with a warning',
      { mode: 'auto' as const, from: ['type=gha'], to: ['type=gha,mode=max'] },
      localDocker,
      [],
      [],
      2,
    ],
    [
      7,
      'registry cache-to on a builder that cannot export → dropped with a warning',
      { mode: 'auto' as const, from: [], to: ['type=registry,ref=r/c'] },
      { ...localDocker, cacheExport: false },
      [],
      [],
      1,
    ],
    [
      8,
      'inline cache-to always allowed',
      { mode: 'auto' as const, from: [], to: ['type=inline'] },
      { ...localDocker, cacheExport: false },
      [],
      ['type=inline'],
      0,
    ],
    [
      9,
      'a bare ref is a registry cache',
      { mode: 'auto' as const, from: ['user/app:cache'], to: [] },
      localDocker,
      ['user/app:cache'],
      [],
      0,
    ],
  ])('%i. %s', (_n, _name, config, env, from, to, warnings) => {
    const flags = chooseCache(config, 'api', 'runtime', env);
    expect(flags.from).toEqual(from);
    expect(flags.to).toEqual(to);
    expect(flags.warnings).toHaveLength(warnings);
  });

  test.each([
    [1, 'auto gha: imported, not exported', { mode: 'auto' as const, from: [], to: [] }, ['type=gha,scope=image-budget-api-runtime'], []],
    [
      2,
      'user specs: cache-from kept, cache-to dropped',
      { mode: 'auto' as const, from: ['type=registry,ref=r/c'], to: ['type=registry,ref=r/c,mode=max'] },
      ['type=registry,ref=r/c'],
      [],
    ],
    [
      3,
      'only a user cache-to: nothing exported, and no gha cache added in its place',
      { mode: 'auto' as const, from: [], to: ['type=registry,ref=r/c'] },
      [],
      [],
    ],
  ])('export: false (the baseline build) %i. %s', (_n, _name, config, from, to) => {
    const flags = chooseCache(config, 'api', 'runtime', githubContainer, { export: false });
    expect(flags.from).toEqual(from);
    expect(flags.to).toEqual(to);
    expect(flags.warnings).toEqual([]);
  });

  test('the warning for a dropped gha cache says why and that buildx would drop it silently', () => {
    const flags = chooseCache({ mode: 'auto', from: [], to: ['type=gha'] }, 'api', undefined, localDocker);
    expect(flags.warnings[0]).toMatch(/api: cache-to "type=gha" skipped: .*ACTIONS_RUNTIME_TOKEN.*silently/);
  });
});
