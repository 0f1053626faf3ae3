import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { parseBudgetFile } from '../../../src/config/parse-budget-file.js';

const opts = { path: '.github/image-budget.yml', workdir: '/repo' };

/** The formatted error lines, or a failure when the text parses. */
function errorsOf(text: string): string[] {
  try {
    parseBudgetFile(text, opts);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message.split('\n');
  }
  throw new Error('expected a ConfigError');
}

describe('a valid file', () => {
  const text = `# yaml-language-server: $schema=https://example.com/schema.json
version: 1
defaults:
  platforms: [linux/amd64]
  build-args: { REGISTRY: ghcr.io, DEBUG: false }
  labels: { team: platform }
  cache: { mode: auto, from: type=gha }
  budget: { max-layers: 30, warn: 20MB }
images:
  api:
    context: services/api
    dockerfile: docker/Dockerfile.prod
    target: runtime
    platforms: [linux/amd64, linux/arm64]
    build-args: { GO_VERSION: 1.20, DEBUG: true, PORT: 8080 }
    labels: { team: payments }
    cache: { to: [type=gha, "type=local,dest=/tmp/c"] }
    budget:
      max: 25MB
      max-increase: 2MB
      warn-increase: "5%"
      min-efficiency: 0.95
      max-wasted: 5MB
      max-wasted-percent: 10
      waste-figures: dive
      forbid: [toolchain-in-final-image]
      ignore-hints: [runs-as-root]
      targets:
        runtime: { max: { compressed: 24MB, uncompressed: 80MB } }
      platforms:
        linux/arm64: { max: 30MB, max-increase: { uncompressed: "5%" } }
  worker:
    targets: [builder, final]
    budget:
      max: 1.5GiB
  tiny:
`;
  const file = parseBudgetFile(text, opts);
  const [api, worker, tiny] = file.images;

  test('resolves the file path and every image path', () => {
    expect(file.version).toBe(1);
    expect(file.path).toBe('/repo/.github/image-budget.yml');
    expect(file.images.map((i) => i.name)).toEqual(['api', 'worker', 'tiny']);
    expect(api?.context).toBe('/repo/services/api');
    expect(api?.dockerfile).toBe('/repo/services/api/docker/Dockerfile.prod');
    expect(tiny?.context).toBe('/repo');
    expect(tiny?.dockerfile).toBe('/repo/Dockerfile');
  });

  test('targets: one, several, or the last stage', () => {
    expect(api?.targets).toEqual(['runtime']);
    expect(worker?.targets).toEqual(['builder', 'final']);
    expect(tiny?.targets).toEqual([undefined]);
  });

  test('defaults merge under images; image values win', () => {
    expect(api?.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    expect(worker?.platforms).toEqual(['linux/amd64']);
    expect(api?.buildArgs).toEqual({ REGISTRY: 'ghcr.io', DEBUG: 'true', GO_VERSION: '1.20', PORT: '8080' });
    expect(worker?.buildArgs).toEqual({ REGISTRY: 'ghcr.io', DEBUG: 'false' });
    expect(api?.labels).toEqual({ team: 'payments' });
    expect(tiny?.labels).toEqual({ team: 'platform' });
    expect(api?.cache).toEqual({
      mode: 'auto',
      from: ['type=gha'],
      to: ['type=gha', 'type=local,dest=/tmp/c'],
    });
    expect(tiny?.cache).toEqual({ mode: 'auto', from: ['type=gha'], to: [] });
  });

  test('budgets merge per key and sizes become bytes', () => {
    expect(api?.budget).toEqual({
      max: { compressed: 25_000_000 },
      warn: { compressed: 20_000_000 },
      maxLayers: 30,
      maxIncrease: { metric: 'compressed', bytes: 2_000_000 },
      warnIncrease: { metric: 'compressed', percent: 5 },
      minEfficiency: 0.95,
      maxWasted: 5_000_000,
      maxWastedPercent: 10,
      wasteFigures: 'dive',
      forbid: ['toolchain-in-final-image'],
      ignoreHints: ['runs-as-root'],
    });
    expect(worker?.budget).toEqual({
      max: { compressed: 1_610_612_736 },
      warn: { compressed: 20_000_000 },
      maxLayers: 30,
    });
    expect(tiny?.budget).toEqual({ warn: { compressed: 20_000_000 }, maxLayers: 30 });
    expect(api?.targetBudgets).toEqual({
      runtime: { max: { compressed: 24_000_000, uncompressed: 80_000_000 } },
    });
    expect(api?.platformBudgets).toEqual({
      'linux/arm64': { max: { compressed: 30_000_000 }, maxIncrease: { metric: 'uncompressed', percent: 5 } },
    });
  });

  test('location is the image key', () => {
    expect(api?.location).toEqual({ file: '.github/image-budget.yml', line: 10, column: 3 });
    expect(tiny?.location).toEqual({ file: '.github/image-budget.yml', line: 36, column: 3 });
  });
});

test('defaults target and platform overrides merge with the image ones per key', () => {
  const file = parseBudgetFile(
    `version: 1
defaults:
  budget:
    targets: { builder: { max: 1GB, max-layers: 50 } }
    platforms: { linux/arm64: { warn: 40MB } }
images:
  app:
    targets: [builder, runtime]
    budget:
      targets: { builder: { max: 2GB } }
`,
    opts,
  );
  expect(file.images[0]?.targetBudgets).toEqual({
    builder: { max: { compressed: 2_000_000_000 }, maxLayers: 50 },
  });
  expect(file.images[0]?.platformBudgets).toEqual({ 'linux/arm64': { warn: { compressed: 40_000_000 } } });
});

describe('errors: file:line:column field.path: message', () => {
  test.each([
    [
      1,
      'malformed YAML (unclosed flow sequence)',
      'version: 1\nimages:\n  api:\n    platforms: [linux/amd64\n    budget: {}\n',
      ['.github/image-budget.yml:5:5: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    ],
    [
      2,
      'duplicate key',
      'version: 1\nimages:\n  api: {}\n  api: {}\n',
      ['.github/image-budget.yml:4:3 images.api: duplicate key "api", also at line 3, column 3'],
    ],
    [
      3,
      'unknown field with a suggestion, pointing at the key',
      'version: 1\nimages:\n  api:\n    budget:\n      max_layers: 12\n',
      ['.github/image-budget.yml:5:7 images.api.budget.max_layers: unknown field `max_layers`; did you mean `max-layers`?'],
    ],
    [
      4,
      'a budget key one level too high',
      'version: 1\nimages:\n  api:\n    max: 25MB\n',
      ['.github/image-budget.yml:4:5 images.api.max: unknown field `max`; did you mean `budget.max`?'],
    ],
    [
      5,
      'unknown field without a close match lists the valid ones',
      'version: 1\nimages:\n  api:\n    cache: { color: blue }\n',
      ['.github/image-budget.yml:4:14 images.api.cache.color: unknown field `color`; expected one of `mode`, `from`, `to`'],
    ],
    [
      6,
      'a size that is not a size',
      'version: 1\nimages:\n  api:\n    budget:\n      max: 12 parsecs\n',
      ['.github/image-budget.yml:5:12 images.api.budget.max: expected a size like "120MB" or "1.5GiB", got "12 parsecs"'],
    ],
    [
      7,
      'a negative size inside the per-metric form',
      'version: 1\nimages:\n  api:\n    budget:\n      warn: { uncompressed: -1MB }\n',
      ['.github/image-budget.yml:5:29 images.api.budget.warn.uncompressed: expected a size like "120MB" or "1.5GiB", got "-1MB"'],
    ],
    [
      8,
      'wrong types',
      'version: 1\nimages:\n  api:\n    platforms: linux/amd64\n    budget:\n      max-layers: many\n      forbid: runs-as-root\n',
      [
        '.github/image-budget.yml:4:16 images.api.platforms: expected a list, got "linux/amd64"',
        '.github/image-budget.yml:6:19 images.api.budget.max-layers: expected a whole number, got "many"',
        '.github/image-budget.yml:7:15 images.api.budget.forbid: expected a list, got "runs-as-root"',
      ],
    ],
    [
      9,
      'bad version',
      'version: 2\nimages:\n  api: {}\n',
      ['.github/image-budget.yml:1:10 version: unsupported version 2; this image-budget reads version 1'],
    ],
    [
      10,
      'missing images points at the parent',
      '# budgets\nversion: 1\n',
      ['.github/image-budget.yml:2:1 images: missing required field `images`'],
    ],
    [11, 'missing version', 'images:\n  api: {}\n', ['.github/image-budget.yml:1:1 version: missing required field `version`']],
    [12, 'empty images', 'version: 1\nimages: {}\n', ['.github/image-budget.yml:2:9 images: list at least one image']],
    [
      13,
      'invalid image name, at the key',
      'version: 1\nimages:\n  My_API: {}\n',
      [
        '.github/image-budget.yml:3:3 images.My_API: invalid image name "My_API": use lowercase letters, digits, ".", "_" and "-", starting with a letter or digit',
      ],
    ],
    [
      14,
      'target and targets together',
      'version: 1\nimages:\n  api:\n    target: a\n    targets: [a, b]\n',
      ['.github/image-budget.yml:5:14 images.api.targets: use either `target` or `targets`, not both'],
    ],
    [
      15,
      'build-args must be scalars',
      'version: 1\nimages:\n  api:\n    build-args:\n      A: [1, 2]\n      B: { c: d }\n',
      [
        '.github/image-budget.yml:5:10 images.api.build-args.A: expected a string, number or boolean, got a list',
        '.github/image-budget.yml:6:10 images.api.build-args.B: expected a string, number or boolean, got a mapping',
      ],
    ],
    [
      16,
      'a delta with two metrics',
      'version: 1\nimages:\n  api:\n    budget:\n      max-increase: { compressed: 1MB, uncompressed: 5% }\n',
      ['.github/image-budget.yml:5:21 images.api.budget.max-increase: give exactly one metric: `compressed` or `uncompressed`'],
    ],
    [
      17,
      'out-of-range numbers',
      'version: 1\nimages:\n  api:\n    budget:\n      min-efficiency: 1.5\n      max-wasted-percent: 120\n',
      [
        '.github/image-budget.yml:5:23 images.api.budget.min-efficiency: expected at most 1, got 1.5',
        '.github/image-budget.yml:6:27 images.api.budget.max-wasted-percent: expected at most 100, got 120',
      ],
    ],
    [
      17.5,
      'waste-figures other than exact or dive',
      'version: 1\nimages:\n  api:\n    budget:\n      waste-figures: dive-ci\n',
      ['.github/image-budget.yml:5:22 images.api.budget.waste-figures: expected "exact" or "dive", got "dive-ci"'],
    ],
    [
      18,
      'an override for a target the image does not build',
      'version: 1\nimages:\n  api:\n    targets: [builder, runtime]\n    budget:\n      targets:\n        runtme: { max: 1MB }\n',
      [
        '.github/image-budget.yml:7:9 images.api.budget.targets.runtme: override for target `runtme`, which image `api` does not build (targets: builder, runtime); did you mean `runtime`?',
      ],
    ],
    [
      19,
      'an empty file',
      '# nothing yet\n',
      ['.github/image-budget.yml:1:1: the budget file is empty; expected `version: 1` and `images:`'],
    ],
    [
      20,
      'cache mode',
      'version: 1\nimages:\n  api:\n    cache: { mode: always }\n',
      ['.github/image-budget.yml:4:20 images.api.cache.mode: expected "auto" or "off", got "always"'],
    ],
  ])('%i: %s', (_n, _what, text, expected) => {
    expect(errorsOf(text)).toEqual(expected);
  });

  test('every problem at once, sorted by position, with structured issues', () => {
    const text = `version: 1
images:
  web:
    budget:
      warn: lots
  api:
    contxt: services/api
    budget:
      max: 12 parsecs
      max_layers: 3
`;
    let error: ConfigError | undefined;
    try {
      parseBudgetFile(text, opts);
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(error?.issues).toEqual([
      {
        file: '.github/image-budget.yml',
        line: 5,
        column: 13,
        path: 'images.web.budget.warn',
        message: 'expected a size like "120MB" or "1.5GiB", got "lots"',
      },
      {
        file: '.github/image-budget.yml',
        line: 7,
        column: 5,
        path: 'images.api.contxt',
        message: 'unknown field `contxt`; did you mean `context`?',
      },
      {
        file: '.github/image-budget.yml',
        line: 9,
        column: 12,
        path: 'images.api.budget.max',
        message: 'expected a size like "120MB" or "1.5GiB", got "12 parsecs"',
      },
      {
        file: '.github/image-budget.yml',
        line: 10,
        column: 7,
        path: 'images.api.budget.max_layers',
        message: 'unknown field `max_layers`; did you mean `max-layers`?',
      },
    ]);
    expect(error?.message.split('\n')).toHaveLength(4);
    expect(error?.message.split('\n')[0]).toBe(
      '.github/image-budget.yml:5:13 images.web.budget.warn: expected a size like "120MB" or "1.5GiB", got "lots"',
    );
  });
});

test('anchors and merge keys work', () => {
  const file = parseBudgetFile(
    `version: 1
images:
  api: &api
    platforms: [linux/arm64]
    budget: { max: 10MB }
  web:
    <<: *api
    context: web
`,
    opts,
  );
  expect(file.images[1]?.platforms).toEqual(['linux/arm64']);
  expect(file.images[1]?.budget.max).toEqual({ compressed: 10_000_000 });
  expect(file.images[1]?.context).toBe('/repo/web');
});
