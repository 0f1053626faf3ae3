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

describe('terminal colour and hints', () => {
  const over = entry({
    name: 'api',
    status: 'over',
    findings: [{ status: 'over', rule: 'max.compressed', message: 'compressed 30 MB > max 25 MB' }],
  });

  test('statuses and the verdict in colour only when asked; the columns stay aligned', () => {
    const plain = renderTerminalReport(report([over, entry({ name: 'web' })]));
    expect(plain).not.toContain('\u001b[');
    const coloured = renderTerminalReport(report([over, entry({ name: 'web' })]), { color: true });
    expect(coloured).toContain('\u001b[31mOVER');
    expect(coloured).toContain('\u001b[32mok');
    expect(coloured).toContain('\u001b[31m2 images: 1 over budget · 1 within budget\u001b[0m');
    // eslint-disable-next-line no-control-regex -- stripping the colour shows the plain text
    expect(coloured.replace(/\u001b\[\d+m/g, '')).toBe(plain);
  });

  test('a hint found on several platforms is shown once, with its platforms', () => {
    const hint = { id: 'runs-as-root', path: '(no USER)', bytes: 0, dockerfile: { path: 'Dockerfile', line: 3 }, fix: 'USER 65532' };
    const analysis = { wastedBytes: 0, efficiency: 1, hints: [hint] };
    const text = renderTerminalReport(
      report([entry({ name: 'api', analysis }), entry({ name: 'api', platform: 'linux/arm64', analysis })]),
    );
    expect(text.match(/runs-as-root/g)).toHaveLength(1);
    expect(text).toContain('    runs-as-root Dockerfile:3 (no USER) (linux/amd64, linux/arm64)');
  });
});
