import { describe, expect, test } from 'vitest';
import { NO_BUILD_OPTIONS } from '../../../src/config/build-options.js';
import type { BuildOptions, ImageConfig } from '../../../src/config/types.js';
import type { CacheEnvironment } from '../../../src/plan/cache.js';
import { bakeArgv, bakeLiteral, bakeTarget, bakeTargetName, planBake, soloReason } from '../../../src/plan/plan-bake.js';
import { planBuild, type PlanOptions } from '../../../src/plan/plan-builds.js';

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

const withOptions = (options: Partial<BuildOptions>): Partial<ImageConfig> => ({ options: { ...NO_BUILD_OPTIONS, ...options } });
const cache: CacheEnvironment = { buildxVersion: '0.29.1', driver: 'docker-container', cacheExport: true, ghaCredentials: false };
const plan = (overrides: Partial<ImageConfig> = {}, target?: string, extra: Partial<PlanOptions> = {}) =>
  planBuild(image(overrides), target, { workDir: '/w', cache, ...extra });
const output = (dir: string) => [`type=oci,dest=/w/${dir}/oci,tar=false`];

describe('bakeTarget: what the build argv says, as bake attributes', () => {
  test.each([
    [1, 'the basics', plan(), { context: '/repo/services/api', dockerfile: '/repo/services/api/Dockerfile', output: output('api') }],
    [
      2,
      'target, platforms, build args, labels',
      plan({ platforms: ['linux/amd64', 'linux/arm64'], buildArgs: { GO: '1.22' }, labels: { team: 'pay' } }, 'runtime'),
      {
        context: '/repo/services/api',
        dockerfile: '/repo/services/api/Dockerfile',
        target: 'runtime',
        platforms: ['linux/amd64', 'linux/arm64'],
        args: { GO: '1.22' },
        labels: { team: 'pay' },
        output: output('api_runtime'),
      },
    ],
    [
      3,
      'secrets and ssh as references, never values',
      plan(
        withOptions({
          secrets: [
            { id: 'npmrc', src: '/home/u/.npmrc' },
            { id: 'token', env: 'GH_TOKEN' },
          ],
          ssh: [
            { id: 'default', paths: [] },
            { id: 'deploy', paths: ['/k/a', '/k/b'] },
          ],
        }),
      ),
      {
        context: '/repo/services/api',
        dockerfile: '/repo/services/api/Dockerfile',
        secret: ['id=npmrc,src=/home/u/.npmrc', 'id=token,env=GH_TOKEN'],
        ssh: ['default', 'deploy=/k/a,/k/b'],
        output: output('api'),
      },
    ],
    [
      4,
      'contexts, shm size, ulimits, no-cache, pull, annotations',
      plan(
        withOptions({
          buildContexts: { shared: '/repo/shared', base: 'docker-image://alpine:3' },
          shmSize: 134217728,
          ulimits: ['nofile=1024:2048'],
          noCache: true,
          pull: true,
          annotations: ['index:org.opencontainers.image.title=api'],
        }),
      ),
      {
        context: '/repo/services/api',
        dockerfile: '/repo/services/api/Dockerfile',
        contexts: { shared: '/repo/shared', base: 'docker-image://alpine:3' },
        'shm-size': '134217728',
        ulimits: ['nofile=1024:2048'],
        'no-cache': true,
        pull: true,
        annotations: ['index:org.opencontainers.image.title=api'],
        output: output('api'),
      },
    ],
    [
      5,
      'cache import and export',
      plan({ cache: { mode: 'auto', from: ['type=registry,ref=r/c'], to: ['type=local,dest=/c'] } }),
      {
        context: '/repo/services/api',
        dockerfile: '/repo/services/api/Dockerfile',
        'cache-from': ['type=registry,ref=r/c'],
        'cache-to': ['type=local,dest=/c'],
        output: output('api'),
      },
    ],
    [
      6,
      'template syntax stays literal',
      plan({ buildArgs: { MSG: 'a ${HOME} b %{ if x }' }, context: '/repo/$${odd}' }),
      {
        context: '/repo/$$${odd}',
        dockerfile: '/repo/services/api/Dockerfile',
        args: { MSG: 'a $${HOME} b %%{ if x }' },
        output: output('api'),
      },
    ],
  ])('%i: %s', (_n, _name, job, expected) => {
    expect(bakeTarget(job)).toEqual(expected);
  });
});

describe('soloReason: what one bake definition cannot give a build', () => {
  test.each([
    [1, 'the basics', plan(), null],
    [2, 'secrets, ssh, contexts', plan(withOptions({ secrets: [{ id: 't', env: 'T' }], ssh: [{ id: 'default', paths: [] }] })), null],
    [3, 'extra build flags', plan({}, undefined, { extraArgs: ['--provenance=false'] }), 'extra build flags'],
    [4, 'network', plan(withOptions({ network: 'none' })), 'network'],
    [5, 'add-hosts', plan(withOptions({ addHosts: ['db:10.0.0.1'] })), 'add-hosts'],
    [6, 'allow', plan(withOptions({ allow: ['network.host'] })), 'allow'],
    [7, 'provenance', plan(withOptions({ provenance: 'mode=max' })), 'provenance'],
    [8, 'sbom', plan(withOptions({ sbom: 'true' })), 'sbom'],
    [9, 'a template in a name', plan({ labels: { 'a${b}': 'x' } }), 'a name with `${` or `%{`'],
  ])('%i: %s', (_n, _name, job, expected) => {
    expect(soloReason(job)).toBe(expected);
  });
});

describe('bake target names', () => {
  test.each([
    ['api', [], 'api'],
    ['api:runtime', [], 'api_runtime'],
    ['web/front:build', [], 'web_front_build'],
    ['a:b', ['a_b'], 'a_b-2'],
    ['a:b', ['a_b', 'a_b-2'], 'a_b-3'],
  ])('%s (taken %j) → %s', (id, taken, expected) => {
    expect(bakeTargetName(id, new Set(taken))).toBe(expected);
  });

  test('jobs whose ids sanitize alike still get one target each, in job order', () => {
    const jobs = [plan({ name: 'a.b' }), plan({ name: 'a_b' }), plan({ name: 'c' }, 'runtime')];
    const { definition, names } = planBake(jobs);
    expect(names).toEqual(['a_b', 'a_b-2', 'c_runtime']);
    expect(Object.keys(definition.target)).toEqual(names);
    expect(definition.target['a_b-2']?.output).toEqual(output('a_b'));
  });

  test('the argv names every target, the definition and one metadata file', () => {
    const built = planBake([plan(), plan({ name: 'web' })]);
    expect(bakeArgv(built, { definition: '/t/bake.json', metadata: '/t/m.json' }, 'ib')).toEqual([
      'buildx',
      'bake',
      '--progress=plain',
      '--builder',
      'ib',
      '--metadata-file',
      '/t/m.json',
      '-f',
      '/t/bake.json',
      'api',
      'web',
    ]);
  });
});

test('bakeLiteral escapes template openers only', () => {
  expect(bakeLiteral('$HOME $$ % ${x} %{y} $${z}')).toBe('$HOME $$ % $${x} %%{y} $$${z}');
});
