import { expect, test } from 'vitest';
import { formatSignedPercent } from '../../../src/compare/format-size.js';
import { formatBytes, formatDelta as formatSignedBytes } from '../../../src/format-size.js';

test.each([
  [1, 0, '0 B'],
  [2, 999, '999 B'],
  [3, 1000, '1 kB'],
  [4, 25_000_000, '25 MB'],
  [5, 6_200_000, '6.2 MB'],
  [6, 999_960, '1 MB'],
  [7, 1_500_000_000, '1.5 GB'],
  [8, -300_000, '-300 kB'],
])('%i: formatBytes(%d) = %s', (_n, bytes, expected) => {
  expect(formatBytes(bytes)).toBe(expected);
});

test('signed forms', () => {
  expect(formatSignedBytes(6_200_000)).toBe('+6.2 MB');
  expect(formatSignedBytes(-1000)).toBe('-1 kB');
  expect(formatSignedBytes(0)).toBe('0 B');
  expect(formatSignedPercent(24.06)).toBe('+24.1%');
  expect(formatSignedPercent(-3)).toBe('-3%');
  expect(formatSignedPercent(Infinity)).toBe('+∞%');
});
