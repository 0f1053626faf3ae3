import { expect, test } from 'vitest';
import { parseBudgetFile } from '../../../src/config/parse-budget-file.js';
import { resolveBudget } from '../../../src/config/resolve-budget.js';

const file = parseBudgetFile(
  `version: 1
defaults:
  budget: { max-layers: 30 }
images:
  app:
    targets: [builder, runtime]
    platforms: [linux/amd64, linux/arm64]
    budget:
      max: 25MB
      warn: 20MB
      max-increase: 5%
      targets:
        builder: { max: { uncompressed: 1.5GB }, warn: 1GB }
      platforms:
        linux/arm64: { max: 30MB, max-layers: 40 }
`,
  { path: 'budget.yml', workdir: '/repo' },
);
const app = file.images[0]!;

test.each([
  [
    1,
    'runtime',
    'linux/amd64',
    {
      max: { compressed: 25e6 },
      warn: { compressed: 20e6 },
      maxLayers: 30,
      maxIncrease: { metric: 'compressed', percent: 5 },
    },
  ],
  [
    2,
    'builder',
    'linux/amd64',
    {
      max: { uncompressed: 1.5e9 },
      warn: { compressed: 1e9 },
      maxLayers: 30,
      maxIncrease: { metric: 'compressed', percent: 5 },
    },
  ],
  [
    3,
    'runtime',
    'linux/arm64',
    {
      max: { compressed: 30e6 },
      warn: { compressed: 20e6 },
      maxLayers: 40,
      maxIncrease: { metric: 'compressed', percent: 5 },
    },
  ],
  [
    4, // the platform override is the most specific: it wins over the target one, key by key
    'builder',
    'linux/arm64',
    {
      max: { compressed: 30e6 },
      warn: { compressed: 1e9 },
      maxLayers: 40,
      maxIncrease: { metric: 'compressed', percent: 5 },
    },
  ],
  [
    5,
    undefined,
    'linux/amd64',
    {
      max: { compressed: 25e6 },
      warn: { compressed: 20e6 },
      maxLayers: 30,
      maxIncrease: { metric: 'compressed', percent: 5 },
    },
  ],
])('%i: target %s on %s', (_n, target, platform, expected) => {
  expect(resolveBudget(app, target, platform)).toEqual(expected);
});

test('resolving does not change the image', () => {
  const before = structuredClone(app);
  resolveBudget(app, 'builder', 'linux/arm64');
  expect(app).toEqual(before);
});
