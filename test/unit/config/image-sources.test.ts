import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { loadBudgetFile } from '../../../src/config/load-budget-file.js';
import { parseBudgetFile } from '../../../src/config/parse-budget-file.js';

const opts = { path: 'image-budget.yml', workdir: '/repo' };

function errorsOf(text: string): string[] {
  try {
    parseBudgetFile(text, opts);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message.split('\n');
  }
  throw new Error('expected a ConfigError');
}

describe('entries that are not built from their own build fields', () => {
  const file = parseBudgetFile(
    `version: 1
defaults:
  platforms: [linux/amd64]
  build-args: { A: b }
  analyze: false
  budget: { max-layers: 30 }
images:
  api:
    image: ghcr.io/acme/api:pr-{pr}
    dockerfile: services/api/Dockerfile
    platforms: [linux/arm64]
    budget: { max: 25MB, platforms: { linux/arm64: { max: 30MB } } }
  local:
    image: oci-layout://out/api.tar
  web:
    bake: { file: docker-bake.hcl, target: web }
    analyze: true
  all:
    bake: { file: [docker-bake.hcl, docker-bake.override.hcl] }
  worker:
    compose: { file: deploy/compose.yaml, service: worker }
  plain:
    context: services/plain
`,
    opts,
  );
  const byName = Object.fromEntries(file.images.map((image) => [image.name, image]));

  test.each([
    [1, 'api', { kind: 'image', ref: 'ghcr.io/acme/api:pr-{pr}', dockerfile: '/repo/services/api/Dockerfile' }],
    [2, 'local', { kind: 'image', ref: 'oci-layout://out/api.tar' }],
    [3, 'web', { kind: 'bake', files: ['/repo/docker-bake.hcl'], target: 'web' }],
    [4, 'all', { kind: 'bake', files: ['/repo/docker-bake.hcl', '/repo/docker-bake.override.hcl'], target: 'default' }],
    [5, 'worker', { kind: 'compose', files: ['/repo/deploy/compose.yaml'], service: 'worker' }],
    [6, 'plain', { kind: 'build' }],
  ])('%i: %s', (_n, name, source) => {
    expect(byName[name]?.source).toEqual(source);
  });

  test('budgets and analyze come from defaults as for builds; build defaults do not apply', () => {
    expect(byName.api?.budget).toEqual({ maxLayers: 30, max: { compressed: 25_000_000 } });
    expect(byName.api?.platformBudgets).toEqual({ 'linux/arm64': { max: { compressed: 30_000_000 } } });
    expect(byName.api?.platforms).toEqual(['linux/arm64']);
    expect(byName.local?.platforms).toEqual([]);
    expect(byName.api?.buildArgs).toEqual({});
    expect(byName.web?.analyze).toBe(true);
    expect(byName.worker?.analyze).toBe(false);
    expect(byName.plain?.buildArgs).toEqual({ A: 'b' });
    expect(byName.plain?.platforms).toEqual(['linux/amd64']);
  });

  test('an image entry without a Dockerfile has none in its source', () => {
    expect(byName.local?.dockerfile).toBe('/repo/Dockerfile');
    expect(byName.local?.source).not.toHaveProperty('dockerfile');
  });
});

describe('a source excludes the build fields and the other sources', () => {
  test.each([
    [
      1,
      'image with context',
      'version: 1\nimages:\n  api:\n    image: ghcr.io/a/b:1\n    context: .\n',
      [
        'image-budget.yml:5:14 images.api.context: `context` cannot be used with `image`: the entry measures an already-built image (allowed beside it: `budget`, `analyze`, `dockerfile`, `platforms`)',
      ],
    ],
    [
      2,
      'bake with build-args and target',
      'version: 1\nimages:\n  api:\n    bake: { file: docker-bake.hcl, target: api }\n    target: runtime\n    build-args: { A: b }\n',
      [
        'image-budget.yml:5:13 images.api.target: `target` cannot be used with `bake`: the bake file defines the build (allowed beside it: `budget`, `analyze`)',
        'image-budget.yml:6:17 images.api.build-args: `build-args` cannot be used with `bake`: the bake file defines the build (allowed beside it: `budget`, `analyze`)',
      ],
    ],
    [
      3,
      'compose with platforms',
      'version: 1\nimages:\n  api:\n    compose: { file: compose.yaml, service: api }\n    platforms: [linux/amd64]\n',
      [
        'image-budget.yml:5:16 images.api.platforms: `platforms` cannot be used with `compose`: the compose file defines the build (allowed beside it: `budget`, `analyze`)',
      ],
    ],
    [
      4,
      'two sources',
      'version: 1\nimages:\n  api:\n    image: ghcr.io/a/b:1\n    bake: { file: docker-bake.hcl }\n',
      ['image-budget.yml:5:11 images.api.bake: use only one of `image`, `bake` and `compose` in an entry (this one already has `image`)'],
    ],
    [
      5,
      'compose without a service',
      'version: 1\nimages:\n  api:\n    compose: { file: compose.yaml }\n',
      ['image-budget.yml:4:14 images.api.compose.service: missing required field `service`'],
    ],
    [
      6,
      'an image reference with a space',
      'version: 1\nimages:\n  api:\n    image: "ghcr.io/a/b :1"\n',
      ['image-budget.yml:4:12 images.api.image: an image reference has no spaces, got "ghcr.io/a/b :1"'],
    ],
    [
      7,
      'a stage override on an image entry',
      'version: 1\nimages:\n  api:\n    image: ghcr.io/a/b:1\n    budget: { targets: { runtime: { max: 1MB } } }\n',
      [
        'image-budget.yml:5:26 images.api.budget.targets.runtime: override for target `runtime`, but an entry with `image` builds no Dockerfile stages of its own; give the target its own entry',
      ],
    ],
    [
      8,
      'bake file not a path',
      'version: 1\nimages:\n  api:\n    bake: { file: 3 }\n',
      ['image-budget.yml:4:19 images.api.bake.file: expected a file path or a list of file paths, got 3'],
    ],
  ])('%i: %s', (_n, _what, text, expected) => {
    expect(errorsOf(text)).toEqual(expected);
  });
});

describe('loading an image entry', () => {
  let repo: string;
  beforeEach(async () => {
    repo = await mkdtemp(path.join(os.tmpdir(), 'ib-image-source-'));
  });
  afterEach(async () => {
    await rm(repo, { recursive: true, force: true });
  });

  test('needs no context or Dockerfile; a given Dockerfile must exist', async () => {
    await writeFile(path.join(repo, 'ok.yml'), 'version: 1\nimages:\n  api:\n    image: localhost:5000/api:1\n');
    const file = await loadBudgetFile('ok.yml', { workdir: repo });
    expect(file.images[0]?.source).toEqual({ kind: 'image', ref: 'localhost:5000/api:1' });

    await writeFile(
      path.join(repo, 'bad.yml'),
      'version: 1\nimages:\n  api:\n    image: localhost:5000/api:1\n    dockerfile: app/Dockerfile\n',
    );
    const error = await loadBudgetFile('bad.yml', { workdir: repo }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe('bad.yml:5:17 images.api.dockerfile: dockerfile app/Dockerfile is not a file');
  });
});
