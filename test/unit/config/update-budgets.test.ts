import { describe, expect, test } from 'vitest';
import { updateBudgets } from '../../../src/config/init.js';
import { parseBudgetFile } from '../../../src/config/parse-budget-file.js';

type Sizes = Map<string, Map<string | null, { compressedBytes: number; uncompressedBytes: number }>>;
const size = (compressedBytes: number, uncompressedBytes: number) => ({ compressedBytes, uncompressedBytes });
/** Sizes of one image, by target (null = the only/last stage). */
const byTarget = (...entries: [string | null, ReturnType<typeof size>][]) => new Map(entries);

/** Every comment, from its `#` to the end of its line, in order. */
function commentLines(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.includes('#'))
    .map((line) => line.slice(line.indexOf('#')));
}

const SINGLE = `# yaml-language-server: $schema=./schema.json
# Budgets for the payments team.   (odd   spacing kept)

version: 1   # the only version
images:
  # The public API.
  api:
    context: services/api   # moved in 2024
    budget:
      max: 25MB        # raised for the TLS bundle
      warn: "20 MB"
      max-layers: 12
  web:
    target: runtime
    budget: { max: { compressed: 10MB, uncompressed: 40MB }, max-layers: 9 }

  # no max/warn here: left alone
  cli:
    budget:
      max-layers: 3
`;

describe('updateBudgets on single-target images', () => {
  const sizes: Sizes = new Map([
    ['api', byTarget([null, size(30_100_000, 90_000_000)])],
    ['web', byTarget(['runtime', size(5_000_000, 12_000_000)])],
    ['cli', byTarget([null, size(1_000_000, 2_000_000)])],
  ]);
  const { text, changes } = updateBudgets(SINGLE, sizes, 10);

  test('rewrites only the max/warn scalars, raising and lowering them', () => {
    expect(text).toBe(`# yaml-language-server: $schema=./schema.json
# Budgets for the payments team.   (odd   spacing kept)

version: 1   # the only version
images:
  # The public API.
  api:
    context: services/api   # moved in 2024
    budget:
      max: 34MB        # raised for the TLS bundle
      warn: "31MB"
      max-layers: 12
  web:
    target: runtime
    budget: { max: { compressed: 5.5MB, uncompressed: 14MB }, max-layers: 9 }

  # no max/warn here: left alone
  cli:
    budget:
      max-layers: 3
`);
  });

  test('reports each change with the value as written before', () => {
    expect(changes).toEqual([
      { image: 'api', target: null, platform: null, field: 'max', label: 'max', from: '25MB', to: '34MB' },
      { image: 'api', target: null, platform: null, field: 'warn', label: 'warn', from: '"20 MB"', to: '31MB' },
      { image: 'web', target: 'runtime', platform: null, field: 'max.compressed', label: 'max', from: '10MB', to: '5.5MB' },
      { image: 'web', target: 'runtime', platform: null, field: 'max.uncompressed', label: 'max uncompressed', from: '40MB', to: '14MB' },
    ]);
  });

  test('comments survive byte for byte', () => {
    expect(commentLines(text)).toEqual(commentLines(SINGLE));
  });

  test('the same sizes again change nothing', () => {
    const again = updateBudgets(text, sizes, 10);
    expect(again.changes).toEqual([]);
    expect(again.text).toBe(text);
  });
});

const MULTI = `version: 1
images:
  app:
    targets: [builder, runtime]   # both budgeted
    budget:
      max: 200MB
      # builder is big: it carries the toolchain
      targets:
        runtime:
          max: 20MB   # keep small
  tool:
    targets: [build, final]
  flow:
    targets: [a, b]
    budget: { warn: 1GB }
# end of file
`;

describe('updateBudgets on multi-target images', () => {
  const sizes: Sizes = new Map([
    [
      'app',
      new Map([
        ['builder', size(800_000_000, 2_000_000_000)],
        ['runtime', size(12_000_000, 30_000_000)],
      ]),
    ],
    [
      'tool',
      new Map([
        ['build', size(50_000_000, 100_000_000)],
        ['final', size(2_000_000, 4_000_000)],
      ]),
    ],
    [
      'flow',
      new Map([
        ['a', size(100_000_000, 1)],
        ['b', size(200_000_000, 1)],
      ]),
    ],
  ]);
  const { text, changes } = updateBudgets(MULTI, sizes, 20);

  test('edits existing target overrides and adds missing ones, keeping layout', () => {
    expect(text).toBe(`version: 1
images:
  app:
    targets: [builder, runtime]   # both budgeted
    budget:
      max: 200MB
      # builder is big: it carries the toolchain
      targets:
        runtime:
          max: 15MB   # keep small
        builder:
          max: 960MB
  tool:
    targets: [build, final]
    budget:
      targets:
        build:
          max: 60MB
        final:
          max: 2.4MB
  flow:
    targets: [a, b]
    budget: { warn: 1GB, targets: { a: { warn: 100MB }, b: { warn: 200MB } } }
# end of file
`);
  });

  test('reports added fields with from = null', () => {
    expect(changes).toEqual([
      { image: 'app', target: 'builder', platform: null, field: 'max', label: 'max', from: null, to: '960MB' },
      { image: 'app', target: 'runtime', platform: null, field: 'max', label: 'max', from: '20MB', to: '15MB' },
      { image: 'tool', target: 'build', platform: null, field: 'max', label: 'max', from: null, to: '60MB' },
      { image: 'tool', target: 'final', platform: null, field: 'max', label: 'max', from: null, to: '2.4MB' },
      { image: 'flow', target: 'a', platform: null, field: 'warn', label: 'warn', from: null, to: '100MB' },
      { image: 'flow', target: 'b', platform: null, field: 'warn', label: 'warn', from: null, to: '200MB' },
    ]);
  });

  test('the result is a valid budget file whose overrides hold the new budgets', () => {
    const file = parseBudgetFile(text, { path: 'b.yml', workdir: '/repo' });
    const [app, tool, flow] = file.images;
    expect(app?.budget.max).toEqual({ compressed: 200_000_000 });
    expect(app?.targetBudgets).toEqual({
      runtime: { max: { compressed: 15_000_000 } },
      builder: { max: { compressed: 960_000_000 } },
    });
    expect(tool?.targetBudgets.final).toEqual({ max: { compressed: 2_400_000 } });
    expect(flow?.targetBudgets.b).toEqual({ warn: { compressed: 200_000_000 } });
  });

  test('comments survive byte for byte', () => {
    expect(commentLines(text)).toEqual(commentLines(MULTI));
  });
});

test('an image that is not in the file, or not measured, is left alone', () => {
  const { text, changes } = updateBudgets(SINGLE, new Map([['ghost', byTarget([null, size(1, 1)])]]), 10);
  expect(text).toBe(SINGLE);
  expect(changes).toEqual([]);
});

test('an image with an empty value gets its budget block under its key', () => {
  const input = 'version: 1\nimages:\n  app:\n    targets: [a, b]\n    budget:\n  next: {}\n';
  const { text } = updateBudgets(input, new Map([['app', byTarget(['a', size(1_000_000, 1)])]]), 0);
  expect(text).toBe(
    'version: 1\nimages:\n  app:\n    targets: [a, b]\n    budget:\n      targets:\n        a:\n          max: 1MB\n  next: {}\n',
  );
});

test('refuses malformed YAML rather than guessing', () => {
  expect(() => updateBudgets('images: [a\n', new Map(), 10)).toThrow('cannot update an invalid budget file');
});

test('an empty flow budget gets the override inside its braces', () => {
  const input = 'version: 1\nimages:\n  app: { targets: [a, b], budget: {} }   # flow\n';
  const { text } = updateBudgets(input, new Map([['app', byTarget(['b', size(3_000_000, 1)])]]), 0);
  expect(text).toBe('version: 1\nimages:\n  app: { targets: [a, b], budget: { targets: { b: { max: 3MB } } } }   # flow\n');
});

test('outside the edited scalars, the file is unchanged byte for byte', () => {
  const { text } = updateBudgets(SINGLE, new Map([['api', byTarget([null, size(30_100_000, 1)])]]), 10);
  // Remove the two edited values from both texts: what is left must be identical.
  const strip = (value: string) => value.replace(/max: \S+/, 'max: _').replace(/warn: ("[^"]*"|\S+)/, 'warn: _');
  expect(strip(text)).toBe(strip(SINGLE));
  expect(text).not.toBe(SINGLE);
});
