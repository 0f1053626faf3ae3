import { describe, expect, test } from 'vitest';
import {
  chooseLayerConcurrency,
  HEAVY_LAYER_BYTES,
  LAYER_CONCURRENCY_ENV,
  layerConcurrencyFor,
  parseLayerConcurrency,
} from '../../../src/measure/layer-concurrency.js';

const MB = 1024 * 1024;
const GB = 1024 * MB;
const tiny = 200 * 1024;
const big = HEAVY_LAYER_BYTES;

describe('chooseLayerConcurrency', () => {
  test.each([
    // what, layers (bytes each), cores, busy (this run's builds, other images), override → layers at once
    ['no layer to read', [], 2, 0, null, 1],
    ['one big layer', [3 * GB], 16, 0, null, 1],
    ['two big layers, 2 cores of their own: one per core', [270 * MB, 270 * MB], 2, 0, null, 2],
    ['two big layers, 2 cores, one build still running', [270 * MB, 270 * MB], 2, 1, null, 1],
    ['big and tiny layers, 2 cores, builds running', [tiny, 5 * GB, tiny, 3 * GB], 2, 2, null, 1],
    ['just heavy: at the line', [big, big], 2, 1, null, 1],
    ['just light: one byte under the line, whatever runs', [big - 1, big - 1], 2, 5, null, 2],
    ['three cores, one build running', [GB, GB, GB], 3, 1, null, 2],
    ['four cores, two builds still running', [GB, GB, GB], 4, 2, null, 2],
    ['four cores, three other images measured', [GB, GB, GB], 4, 3, null, 1],
    ['eight cores, one build running', [GB, GB, GB, GB, GB], 8, 1, null, 4],
    ['never more than four', [GB, GB, GB, GB, GB, GB], 64, 0, null, 4],
    ['never more than the layers', [GB, GB], 64, 0, null, 2],
    ['more busy than cores: one', [GB, GB], 4, 9, null, 1],
    ['tiny layers only, 2 cores: their I/O overlaps', [tiny, tiny, tiny, tiny], 2, 0, null, 2],
    ['tiny layers only, while builds run', [tiny, tiny, tiny], 2, 3, null, 2],
    ['tiny layers only, 16 cores: four', [tiny, tiny, tiny, tiny, tiny, tiny], 16, 0, null, 4],
    ['one tiny layer', [tiny], 16, 0, null, 1],
    ['the override wins: forced sequential', [GB, GB, GB], 16, 0, 1, 1],
    ['the override wins: forced two while builds run', [GB, GB], 2, 2, 2, 2],
  ] as const)('%s', (_what, layerBytes, cores, busy, override, want) => {
    expect(chooseLayerConcurrency({ layerBytes, cores, busy, override })).toBe(want);
  });
});

describe('parseLayerConcurrency', () => {
  test.each([
    [undefined, null],
    ['', null],
    ['  ', null],
    ['1', 1],
    [' 2 ', 2],
    ['12', 12],
  ] as const)('%j → %j', (value, want) => {
    expect(parseLayerConcurrency(value)).toBe(want);
  });

  test.each(['0', '-1', '1.5', 'two', '2x', '1e3', '99999999999999999999'])('%j is an error naming the variable', (value) => {
    expect(() => parseLayerConcurrency(value)).toThrow(
      `${LAYER_CONCURRENCY_ENV} must be a whole number of layers at once (1 or more), got "${value}"`,
    );
  });

  test('layerConcurrencyFor takes the override from the environment it is given', () => {
    expect(layerConcurrencyFor([GB, GB, GB], 0, { [LAYER_CONCURRENCY_ENV]: '3' })).toBe(3);
    expect(layerConcurrencyFor([GB, GB, GB], 99, {})).toBe(1);
    expect(() => layerConcurrencyFor([GB], 0, { [LAYER_CONCURRENCY_ENV]: 'many' })).toThrow(LAYER_CONCURRENCY_ENV);
  });
});
