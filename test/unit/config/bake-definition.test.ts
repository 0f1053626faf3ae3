/**
 * The converter on real `docker buildx bake --print` output, captured from buildx 0.29.1 and
 * 0.13.1 (test/fixtures/bake/: docker-bake.hcl and compose.yaml, printed with `bake --print` and
 * `bake -f compose.yaml --print` in the compose file's directory).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { BakeDefinitionError, bakeToImages, parseDockerSize } from '../../../src/config/bake-definition.js';
import { parseBudgetFile } from '../../../src/config/parse-budget-file.js';
import type { BuildDefinition, ImageConfig } from '../../../src/config/types.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(`test/fixtures/bake/${name}`, 'utf8')) as unknown;

function entryFor(source: string): ImageConfig {
  const [entry] = parseBudgetFile(`version: 1\nimages:\n  svc:\n${source}    budget: { max: 10MB }\n    analyze: false\n`, {
    path: 'b.yml',
    workdir: '/repo',
  }).images;
  return entry!;
}

const bakeEntry = (target: string) => entryFor(`    bake: { file: docker-bake.hcl, target: ${target} }\n`);
const convert = (entry: ImageConfig, printed: unknown, dir = '/repo') =>
  bakeToImages({ entry, definition: entry.source as BuildDefinition, printed, dir, root: '/repo' });

/** What both buildx versions print for target `web`, and (as far as 0.13 prints it) for `api`. */
const API_COMMON = {
  context: '/repo/api',
  dockerfile: '/repo/api/Dockerfile',
  targets: ['runtime'],
  platforms: ['linux/amd64'],
  buildArgs: { GO_VERSION: '1.22' },
  labels: { 'org.opencontainers.image.source': 'https://x' },
  cache: { mode: 'auto', from: ['type=gha'], to: [] },
  stages: 'none',
  analyze: false,
  budget: { max: { compressed: 10_000_000 } },
};

describe.each([
  ['0.29', 'print-0.29.json'],
  ['0.13', 'print-0.13.json'],
])('buildx %s bake --print', (version, file) => {
  const images = convert(bakeEntry('default'), fixture(file));
  const [api, web] = images;

  test('the default group stands for one image per target, named <entry>/<target>', () => {
    expect(images.map((i) => i.name)).toEqual(['svc/api', 'svc/web']);
    expect(api?.source).toEqual({
      kind: 'build',
      definedBy: { kind: 'bake', files: ['/repo/docker-bake.hcl'], target: 'api', entry: 'svc' },
    });
  });

  test('inheritance and variables as bake resolved them; the entry adds its budgets', () => {
    expect(api).toMatchObject(API_COMMON);
    expect(web).toMatchObject({
      context: '/repo/web',
      dockerfile: '/repo/web/Dockerfile.web',
      targets: [undefined],
      buildArgs: { EXTRA: '1', GO_VERSION: '1.22' },
      budget: { max: { compressed: 10_000_000 } },
      options: { secrets: [], ssh: [], buildContexts: {}, noCache: false },
    });
  });

  test('contexts, secrets, ssh, attestations and the other options become build options', () => {
    expect(api?.options).toMatchObject({
      secrets: [
        { id: 'npmrc', src: '/repo/api/Dockerfile' },
        { id: 'tok', env: 'HOME' },
      ],
      ssh: [{ id: 'default', paths: [] }],
      buildContexts: { shared: '/repo/shared' },
      pull: true,
      noCache: true,
      shmSize: 128 * 1024 * 1024,
      ulimits: ['nofile=1024:1024'],
      annotations: ['index:foo=bar'],
      provenance: 'mode=max',
    });
    // network, extra-hosts and entitlements: 0.13 does not print them.
    if (version === '0.29') expect(api?.options).toMatchObject({ network: 'none', addHosts: ['db=10.0.0.1'], allow: ['network.host'] });
    else expect(api?.options).toMatchObject({ addHosts: [], allow: [] });
  });

  test('one target: the entry keeps its own name', () => {
    const [only] = convert(bakeEntry('web'), fixture(file));
    expect(only?.name).toBe('svc');
    expect(only?.dockerfile).toBe('/repo/web/Dockerfile.web');
  });

  test('a target that is not there names the file, the target and the targets there are', () => {
    expect(() => convert(bakeEntry('wbe'), fixture(file))).toThrow(
      new BakeDefinitionError('bake file docker-bake.hcl, target `wbe` not found (targets: api, web)'),
    );
  });
});

describe.each([
  ['0.29', 'compose-0.29.json'],
  ['0.13', 'compose-0.13.json'],
])('buildx %s bake -f compose.yaml --print', (_version, file) => {
  const entry = entryFor('    compose: { file: deploy/compose.yaml, service: api }\n');
  // Printed in the compose file's directory: its paths are relative to it.
  const [api] = convert(entry, fixture(file), '/repo/deploy');

  test('the service builds as its build: section says, paths relative to the compose file', () => {
    expect(api).toMatchObject({
      name: 'svc',
      context: '/repo/api',
      dockerfile: '/repo/api/Dockerfile',
      targets: ['runtime'],
      buildArgs: { GO_VERSION: '1.22' },
      labels: { team: 'payments' },
      source: { kind: 'build', definedBy: { kind: 'compose', files: ['/repo/deploy/compose.yaml'], service: 'api', entry: 'svc' } },
    });
    expect(api?.options).toMatchObject({
      secrets: [{ id: 'npmrc', src: '/repo/api/Dockerfile' }],
      buildContexts: { shared: '/repo/shared' },
      shmSize: 128 * 1024 * 1024,
    });
  });

  test('a service without a build: section is not found', () => {
    const db = entryFor('    compose: { file: deploy/compose.yaml, service: db }\n');
    expect(() => convert(db, fixture(file), '/repo/deploy')).toThrow(
      'compose file deploy/compose.yaml, service `db` not found (services: api, worker)',
    );
  });
});

describe('what image-budget cannot build from a bake file is an error naming it', () => {
  const printed = (target: Record<string, unknown>) => ({ target: { api: target } });
  test.each([
    [
      1,
      { 'dockerfile-inline': 'FROM scratch' },
      'bake file docker-bake.hcl, target `api`: dockerfile-inline is not supported; put the Dockerfile in a file and name it in `dockerfile`',
    ],
    [
      2,
      { context: 'https://github.com/acme/api.git' },
      'bake file docker-bake.hcl, target `api`: context https://github.com/acme/api.git is not a local directory; image-budget builds local contexts only',
    ],
    [
      3,
      { contexts: { base: 'target:base' } },
      'bake file docker-bake.hcl, target `api`: context `base` = target:base links another bake target, which image-budget does not build',
    ],
    [4, { secret: ['id=x'] }, 'bake file docker-bake.hcl, target `api`: secret `x`: give its source, src=FILE or env=VAR'],
    [5, { 'shm-size': 'lots' }, 'bake file docker-bake.hcl, target `api`: shm-size lots is not a size'],
  ])('%i', (_n, target, message) => {
    expect(() => convert(bakeEntry('api'), printed(target))).toThrow(message);
  });

  test('output that is not bake JSON', () => {
    expect(() => convert(bakeEntry('api'), { target: { api: { context: 3 } } })).toThrow(
      'bake file docker-bake.hcl, target `api`: `docker buildx bake --print` gave output image-budget does not read',
    );
  });
});

test.each([
  ['128m', 134217728],
  ['128MiB', 134217728],
  ['1g', 1073741824],
  ['512', 512],
  ['64kb', 65536],
  ['big', undefined],
])('docker size %s', (text, bytes) => {
  expect(parseDockerSize(text)).toBe(bytes);
});
