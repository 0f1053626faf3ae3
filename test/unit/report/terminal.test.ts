import { describe, expect, test } from 'vitest';
import { describeDelta, renderTerminalReport } from '../../../src/report/terminal.js';
import { entry, report } from './report-fixtures.js';

const grown = entry({
  name: 'api',
  compressedBytes: 5_300_000,
  uncompressedBytes: 5_600_000,
  baseline: { commit: 'c'.repeat(40), compressedBytes: 301_000, uncompressedBytes: 600_000 },
  delta: { compressedBytes: 4_999_000, uncompressedBytes: 5_000_000 },
  change: 'changed',
});

describe('terminal table against a baseline', () => {
  test('base and delta for compressed and uncompressed bytes', () => {
    const lines = renderTerminalReport(report([grown])).split('\n');
    const header = lines.find((l) => l.startsWith('IMAGE')) ?? '';
    expect(header.split(/ {2,}/)).toEqual([
      'IMAGE',
      'TARGET',
      'PLATFORM',
      'COMPRESSED',
      'UNCOMPRESSED',
      'LAYERS',
      'BASE',
      'DELTA',
      'BASE UNCOMPRESSED',
      'DELTA UNCOMPRESSED',
      'BUDGET',
      'STATUS',
    ]);
    const row = lines.find((l) => l.startsWith('api')) ?? '';
    expect(row.split(/ {2,}/)).toEqual([
      'api',
      '-',
      'linux/amd64',
      '5.3 MB',
      '5.6 MB',
      '2',
      '301 kB',
      '+5 MB (+1661%)',
      '600 kB',
      '+5 MB (+833%)',
      'max 25 MB (21%)',
      'ok',
    ]);
  });

  test('describeDelta per metric; new and removed say so', () => {
    expect(describeDelta(grown, 'uncompressed')).toBe('+5 MB (+833%)');
    expect(describeDelta(grown)).toBe('+5 MB (+1661%)');
    expect(describeDelta(entry({ name: 'n', baseline: null, delta: null, change: 'new' }), 'uncompressed')).toBe('new');
  });

  test('without a comparison, no base columns', () => {
    expect(renderTerminalReport(report([entry({ name: 'a' })]))).not.toContain('BASE');
    // The shape the pipeline gives when nothing was compared (markNoBaseline).
    expect(renderTerminalReport(report([entry({ name: 'a', baseline: null, delta: null, change: null })]))).not.toContain('BASE');
  });
});
