import { describe, expect, test } from 'vitest';
import { formatSize, formatSizeRoundedUp, parsePercent, parseSize } from '../../../src/config/size.js';

describe('parseSize', () => {
  test.each([
    [1, 0, 0],
    [2, 1024, 1024],
    [3, '512', 512],
    [4, '512B', 512],
    [5, '25MB', 25_000_000],
    [6, '25 MB', 25_000_000],
    [7, '1.5GB', 1_500_000_000],
    [8, '812kB', 812_000],
    [9, '812KB', 812_000],
    [10, '2TB', 2_000_000_000_000],
    [11, '1KiB', 1024],
    [12, '1.5GiB', 1_610_612_736],
    [13, '3 MiB', 3_145_728],
    [14, '1TiB', 1_099_511_627_776],
    [15, '.5MB', 500_000],
    [16, '0.3KiB', 307], // 307.2 bytes rounds to a whole byte
    [17, ' 7MB ', 7_000_000],
  ])('%i: %j → %i bytes', (_n, input, bytes) => {
    expect(parseSize(input)).toBe(bytes);
  });

  test.each([
    [1, '12 parsecs', 'expected a size like "120MB" or "1.5GiB", got "12 parsecs"'],
    [2, '-1MB', 'expected a size like "120MB" or "1.5GiB", got "-1MB"'],
    [3, '25mb', 'expected a size like "120MB" or "1.5GiB", got "25mb"'],
    [4, '25  MB', 'expected a size like "120MB" or "1.5GiB", got "25  MB"'],
    [5, 'MB', 'expected a size like "120MB" or "1.5GiB", got "MB"'],
    [6, '1.5', 'expected a size like "120MB" or "1.5GiB", got "1.5"'],
    [7, -1, 'expected a size like "120MB" or "1.5GiB", got -1'],
    [8, 1.5, 'expected a size like "120MB" or "1.5GiB", got 1.5'],
    [9, '1e6', 'expected a size like "120MB" or "1.5GiB", got "1e6"'],
  ])('%i: %j is rejected', (_n, input, message) => {
    expect(() => parseSize(input)).toThrow(message);
  });
});

describe('formatSize (docker-like, SI)', () => {
  test.each([
    [1, 0, '0 B'],
    [2, 512, '512 B'],
    [3, 999, '999 B'],
    [4, 1000, '1 kB'],
    [5, 812_345, '812 kB'],
    [6, 25_300_000, '25.3 MB'],
    [7, 25_000_000, '25 MB'],
    [8, 25_349_999, '25.3 MB'],
    [9, 999_999, '1 MB'], // not "1e+3 kB"
    [10, 1_500_000_000, '1.5 GB'],
    [11, 123_456_789_012, '123 GB'],
    [12, -2_000_000, '-2 MB'],
    [13, 7_340_032, '7.34 MB'],
  ])('%i: %i → %s', (_n, bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });
});

describe('formatSizeRoundedUp (budgets from measurements)', () => {
  test.each([
    [1, 6_930_000, '7MB'],
    [2, 6_300_000, '6.3MB'],
    [3, 6_300_001, '6.4MB'],
    [4, 123_400_000, '130MB'],
    [5, 995_000, '1MB'],
    [6, 999_999_999, '1GB'],
    [7, 1_234_567_890, '1.3GB'],
    [8, 512, '520B'],
    [9, 42, '42B'],
    [10, 10_000_000, '10MB'],
    [11, 10_000_001, '11MB'],
    [12, 6_900_000, '6.9MB'], // exact: no floating-point bump to 7MB
  ])('%i: %i → %s', (_n, bytes, text) => {
    expect(formatSizeRoundedUp(bytes)).toBe(text);
    // Never below the measurement, and it parses back.
    expect(parseSize(text)).toBeGreaterThanOrEqual(bytes);
  });
});

test('parsePercent', () => {
  expect(parsePercent('5%')).toBe(5);
  expect(parsePercent('2.5 %')).toBe(2.5);
  expect(() => parsePercent('5')).toThrow('expected a percentage like "5%", got "5"');
});
