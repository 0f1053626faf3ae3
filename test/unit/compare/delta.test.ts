import { describe, expect, test } from 'vitest';
import { computeDeltas, evaluateDeltaBudget, toSizedEntry } from '../../../src/compare/delta.js';
import type { DeltaLimit } from '../../../src/config/types.js';
import type { SizedEntry } from '../../../src/types.js';

const MB = 1_000_000;
const COMMIT = 'f'.repeat(40);
const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

function entry(
  name: string,
  platform: string,
  compressed: number,
  layers: [number, number, string][] = [],
  target: string | null = null,
): SizedEntry {
  return {
    name,
    target,
    platform,
    compressedBytes: compressed,
    uncompressedBytes: compressed * 3,
    layers: layers.map(([n, size, createdBy], i) => ({
      digest: digest(n),
      compressedBytes: size,
      uncompressedBytes: size * 3,
      createdBy,
      dockerfile: { path: 'Dockerfile', line: i + 1 },
    })),
  };
}

describe('computeDeltas', () => {
  const base = [
    entry('api', 'linux/amd64', 10 * MB, [[1, 10 * MB, 'COPY a /a # buildkit']]),
    entry('api', 'linux/arm64', 9 * MB, [[2, 9 * MB, 'COPY a /a # buildkit']]),
    entry('old', 'linux/amd64', 1 * MB),
    entry('web', 'linux/amd64', 4 * MB, [], 'prod'),
  ];
  const head = [
    entry('api', 'linux/amd64', 16 * MB, [
      [1, 10 * MB, 'COPY a /a # buildkit'],
      [3, 6 * MB, 'RUN /bin/sh -c dd # buildkit'],
    ]),
    entry('api', 'linux/arm64', 9 * MB, [[2, 9 * MB, 'COPY a /a # buildkit']]),
    entry('new', 'linux/amd64', 2 * MB),
    entry('web', 'linux/amd64', 4 * MB, [], 'dev'),
  ];
  const deltas = computeDeltas(head, base, { baseCommit: COMMIT });

  test.each([
    [1, 'api', null, 'linux/amd64', 'changed', { compressedBytes: 6 * MB, uncompressedBytes: 18 * MB }],
    [2, 'api', null, 'linux/arm64', 'unchanged', { compressedBytes: 0, uncompressedBytes: 0 }],
    [3, 'new', null, 'linux/amd64', 'new', null],
    [4, 'web', 'dev', 'linux/amd64', 'new', null],
    [5, 'old', null, 'linux/amd64', 'removed', null],
    [6, 'web', 'prod', 'linux/amd64', 'removed', null],
  ])('%i: %s target %s %s → %s', (_n, name, target, platform, state, delta) => {
    const found = deltas.find((d) => d.name === name && d.target === target && d.platform === platform);
    expect(found).toMatchObject({ state, delta });
  });

  test('head order first, then removed entries; baseline carries the commit', () => {
    expect(deltas.map((d) => `${d.name}:${d.target ?? '-'}:${d.platform}:${d.state}`)).toEqual([
      'api:-:linux/amd64:changed',
      'api:-:linux/arm64:unchanged',
      'new:-:linux/amd64:new',
      'web:dev:linux/amd64:new',
      'old:-:linux/amd64:removed',
      'web:prod:linux/amd64:removed',
    ]);
    expect(deltas[0]!.baseline).toEqual({ commit: COMMIT, compressedBytes: 10 * MB, uncompressedBytes: 30 * MB });
    expect(deltas[2]!.baseline).toBeNull();
  });

  test('why it grew: the added RUN layer', () => {
    expect(deltas[0]!.contributors).toMatchObject([{ location: 'Dockerfile:2', instruction: 'RUN', deltaBytes: 6 * MB, state: 'added' }]);
    expect(computeDeltas(head, base, { baseCommit: null, topContributors: 0 })[0]!.contributors).toEqual([]);
  });

  test('same total but different layers is changed, not unchanged', () => {
    const a = entry('x', 'linux/amd64', 5, [[1, 5, 'COPY a /a # buildkit']]);
    const b = entry('x', 'linux/amd64', 5, [[2, 5, 'COPY a /a # buildkit']]);
    expect(computeDeltas([b], [a], { baseCommit: null })[0]!.state).toBe('changed');
  });

  test('toSizedEntry takes a PlatformMeasure as is', () => {
    const measure = {
      platform: 'linux/amd64',
      compressedBytes: 3,
      uncompressedBytes: 9,
      layers: [],
      manifestDigest: 'x',
      configDigest: 'y',
      layerCount: 0,
    };
    expect(toSizedEntry('api', 'prod', measure)).toEqual({
      name: 'api',
      target: 'prod',
      platform: 'linux/amd64',
      compressedBytes: 3,
      uncompressedBytes: 9,
      layers: [],
    });
  });
});

describe('evaluateDeltaBudget', () => {
  const sizes = (compressed: number, uncompressed = compressed) => ({ compressedBytes: compressed, uncompressedBytes: uncompressed });
  test.each<[number, DeltaLimit, ReturnType<typeof sizes>, ReturnType<typeof sizes>, boolean, string]>([
    [
      1,
      { metric: 'compressed', bytes: 5 * MB },
      sizes(25_730_290),
      sizes(31_930_290),
      true,
      'compressed +6.2 MB (+24.1%) > max-increase 5 MB',
    ],
    [2, { metric: 'compressed', bytes: 5 * MB }, sizes(25 * MB), sizes(29 * MB), false, 'compressed +4 MB (+16%) within max-increase 5 MB'],
    [3, { metric: 'compressed', bytes: 5 * MB }, sizes(25 * MB), sizes(30 * MB), false, 'compressed +5 MB (+20%) within max-increase 5 MB'],
    [4, { metric: 'compressed', percent: 10 }, sizes(100 * MB), sizes(111 * MB), true, 'compressed +11 MB (+11%) > max-increase 10%'],
    [5, { metric: 'compressed', percent: 10 }, sizes(100 * MB), sizes(90 * MB), false, 'compressed -10 MB (-10%) within max-increase 10%'],
    [
      6,
      { metric: 'compressed', bytes: 50 * MB, percent: 10 },
      sizes(100 * MB),
      sizes(120 * MB),
      true,
      'compressed +20 MB (+20%) > max-increase 10%',
    ],
    [
      7,
      { metric: 'compressed', bytes: 5 * MB, percent: 10 },
      sizes(100 * MB),
      sizes(120 * MB),
      true,
      'compressed +20 MB (+20%) > max-increase 5 MB and 10%',
    ],
    [
      8,
      { metric: 'uncompressed', bytes: 1 * MB },
      sizes(10, 10 * MB),
      sizes(10, 12 * MB),
      true,
      'uncompressed +2 MB (+20%) > max-increase 1 MB',
    ],
    [9, { metric: 'compressed', percent: 1000 }, sizes(0), sizes(1), true, 'compressed +1 B (+∞%) > max-increase 1000%'],
    [10, { metric: 'compressed', percent: 0 }, sizes(0), sizes(0), false, 'compressed 0 B (0%) within max-increase 0%'],
    [11, { metric: 'compressed', bytes: 0 }, sizes(0), sizes(1), true, 'compressed +1 B (+∞%) > max-increase 0 B'],
  ])('%i: %j', (_n, limit, base, head, exceeded, message) => {
    const verdict = evaluateDeltaBudget(limit, base, head);
    expect(verdict.exceeded).toBe(exceeded);
    expect(verdict.skipped).toBe(false);
    expect(verdict.message).toBe(message);
  });

  test('no baseline: skipped with a note', () => {
    expect(evaluateDeltaBudget({ metric: 'compressed', bytes: 1 }, null, sizes(5), 'warn-increase')).toEqual({
      exceeded: false,
      skipped: true,
      increaseBytes: null,
      increasePercent: null,
      message: 'warn-increase skipped: no baseline to compare with',
    });
  });

  test('numbers are exposed for the report', () => {
    const verdict = evaluateDeltaBudget({ metric: 'compressed', bytes: 1 }, sizes(200), sizes(250));
    expect(verdict.increaseBytes).toBe(50);
    expect(verdict.increasePercent).toBe(25);
  });
});
