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
    // what, layers (bytes each), cores, busy (this run's builds, other images), load average, override → layers at once
    ['no layer to read', [], 2, 0, 0, null, 1],
    ['one big layer', [3 * GB], 16, 0, 0, null, 1],
    ['two big layers, 2 idle cores: one per core', [270 * MB, 270 * MB], 2, 0, 0.4, null, 2],
    ['two big layers, 2 cores, one build still running', [270 * MB, 270 * MB], 2, 1, 0.4, null, 1],
    ['two big layers, 2 cores loaded by others (load 8)', [270 * MB, 270 * MB], 2, 0, 8, null, 1],
    ['two big layers, 2 cores, a core of load left by the builds just done', [270 * MB, 270 * MB], 2, 0, 1.3, null, 1],
    ['big and tiny layers, 2 loaded cores', [tiny, 5 * GB, tiny, 3 * GB], 2, 0, 2.3, null, 1],
    ['just heavy: at the line', [big, big], 2, 0, 1, null, 1],
    ['just light: one byte under the line, whatever the load', [big - 1, big - 1], 2, 0, 8, null, 2],
    ['four cores, load 1.9: three free', [GB, GB, GB], 4, 0, 1.9, null, 3],
    ['four cores, two builds still running', [GB, GB, GB], 4, 2, 0, null, 2],
    ['four cores, builds and load: the larger counts', [GB, GB, GB], 4, 1, 3.2, null, 1],
    ['eight cores, one build running', [GB, GB, GB, GB, GB], 8, 1, 0.5, null, 4],
    ['never more than four', [GB, GB, GB, GB, GB, GB], 64, 0, 0, null, 4],
    ['never more than the layers', [GB, GB], 64, 0, 0, null, 2],
    ['more busy than cores: one', [GB, GB], 4, 9, 0, null, 1],
    ['tiny layers only, 2 cores: their I/O overlaps', [tiny, tiny, tiny, tiny], 2, 0, 0, null, 2],
    ['tiny layers only, while builds run', [tiny, tiny, tiny], 2, 3, 5, null, 2],
    ['tiny layers only, 16 cores: four', [tiny, tiny, tiny, tiny, tiny, tiny], 16, 0, 0, null, 4],
    ['one tiny layer', [tiny], 16, 0, 0, null, 1],
    ['the override wins: forced sequential', [tiny, tiny, tiny], 16, 0, 0, 1, 1],
    ['the override wins: forced two on a loaded machine', [GB, GB], 2, 0, 8, 2, 2],
  ] as const)('%s', (_what, layerBytes, cores, busy, load, override, want) => {
    expect(chooseLayerConcurrency({ layerBytes, cores, busy, load, override })).toBe(want);
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
