import { describe, expect, test } from 'vitest';
import { applyBaseline } from '../../../src/compare/apply-baseline.js';
import type { Budget } from '../../../src/config/types.js';
import type { ReportEntry, SizedEntry } from '../../../src/types.js';
import { entry, layer, MB } from '../report/report-fixtures.js';

const COMMIT = 'a'.repeat(40);

function sized(e: ReportEntry): SizedEntry {
  return {
    name: e.name,
    target: e.target,
    platform: e.platform,
    compressedBytes: e.compressedBytes ?? 0,
    uncompressedBytes: e.uncompressedBytes ?? 0,
    layers: e.layers,
  };
}

const growing: Budget = { max: { compressed: 100 * MB }, maxIncrease: { metric: 'compressed', bytes: 1 } };

describe('applyBaseline: a base that could not be measured', () => {
  const head = [
    entry({ name: 'api', layers: [layer(1, 4 * MB, 'RUN a', 2), layer(2, 6 * MB, 'COPY b', 3)] }),
    entry({
      name: 'web',
      compressedBytes: 20 * MB,
      findings: [{ status: 'over', rule: 'max.compressed', message: 'compressed 20 MB > max 10 MB' }],
      status: 'over',
    }),
    entry({ name: 'fresh' }),
  ];
  const result = applyBaseline({
    entries: head,
    baseline: [],
    baseCommit: COMMIT,
    budgetFor: () => growing,
    missing: [
      { name: 'api', target: null, platform: null, reason: 'base build failed (exit code: 3)' },
      { name: 'web', target: null, platform: 'linux/amd64', reason: 'base image r/web could not be read (HTTP 500)' },
    ],
  });

  test('is "baseline unavailable" with the reason, not "new", and blames no layer', () => {
    const api = result.find((e) => e.name === 'api');
    expect(api).toMatchObject({ change: null, baseline: null, delta: null, status: 'ok' });
    expect(api?.contributors ?? []).toEqual([]);
    expect(api?.layerDiff ?? []).toEqual([]);
    expect(api?.notes).toEqual([
      'baseline unavailable: base build failed (exit code: 3)',
      'max-increase skipped: no baseline to compare with',
    ]);
  });

  test('never fails the PR on its own; absolute budgets still apply', () => {
    const web = result.find((e) => e.name === 'web');
    expect(web?.change).toBeNull();
    expect(web?.status).toBe('over');
    expect(web?.findings.map((f) => f.rule)).toEqual(['max.compressed']);
    expect(web?.notes?.[0]).toBe('baseline unavailable: base image r/web could not be read (HTTP 500)');
  });

  test('an image the base never had is still new', () => {
    expect(result.find((e) => e.name === 'fresh')?.change).toBe('new');
    expect(result).toHaveLength(3);
  });

  test('a failure on another platform leaves this platform compared', () => {
    const base = entry({ name: 'api', platform: 'linux/amd64', compressedBytes: 9 * MB });
    const [compared] = applyBaseline({
      entries: [entry({ name: 'api', platform: 'linux/amd64' })],
      baseline: [sized(base)],
      baseCommit: COMMIT,
      budgetFor: () => ({}),
      missing: [{ name: 'api', target: null, platform: 'linux/arm64', reason: 'base build failed (x)' }],
    });
    expect(compared?.change).toBe('changed');
    expect(compared?.delta?.compressedBytes).toBe(1 * MB);
  });
});

describe('applyBaseline: a head build that failed', () => {
  test('is an error, not an error plus a "removed" row', () => {
    const base = entry({ name: 'api', platform: 'linux/amd64' });
    const failed = entry({ name: 'api', platform: 'default', compressedBytes: null, status: 'error', error: 'build failed: exit code: 1' });
    const gone = entry({ name: 'old', platform: 'linux/amd64' });
    const result = applyBaseline({ entries: [failed], baseline: [sized(base), sized(gone)], baseCommit: COMMIT, budgetFor: () => ({}) });
    expect(result.map((e) => [e.name, e.status, e.change])).toEqual([
      ['api', 'error', null],
      ['old', 'ok', 'removed'],
    ]);
  });
});

describe('applyBaseline: the image config', () => {
  const layers = [layer(1, 4 * MB, 'RUN a', 2)];
  const config = (revision: string, valuesKey = 'run') => ({
    labels: [['org.opencontainers.image.revision', revision]] as [string, string][],
    valuesKey,
    cmd: ['serve'],
  });
  const compare = (base: ReportEntry, head: ReportEntry) =>
    applyBaseline({
      entries: [head],
      baseline: [{ ...sized(base), ...(base.imageConfig ? { imageConfig: base.imageConfig } : {}) }],
      baseCommit: COMMIT,
      budgetFor: () => ({}),
    })[0];

  test.each<[string, ReportEntry, ReportEntry, string, string[] | undefined, string[]]>([
    // [case, base, head, change, config changes (field:kind:key), notes]
    [
      'a label of the same length changed: a change, with what changed',
      entry({ name: 'app', layers, compressedBytes: 4 * MB + 300, imageConfig: config('f1') }),
      entry({ name: 'app', layers, compressedBytes: 4 * MB + 300, imageConfig: config('f2') }),
      'changed',
      ['label:changed:org.opencontainers.image.revision'],
      [],
    ],
    [
      'the same config: unchanged, no changes recorded',
      entry({ name: 'app', layers, compressedBytes: 4 * MB + 300, imageConfig: config('f1') }),
      entry({ name: 'app', layers, compressedBytes: 4 * MB + 300, imageConfig: config('f1') }),
      'unchanged',
      undefined,
      [],
    ],
    [
      'a base from an earlier version (no imageConfig): nothing said',
      entry({ name: 'app', layers, compressedBytes: 4 * MB + 300 }),
      entry({ name: 'app', layers, compressedBytes: 4 * MB + 311, imageConfig: config('f1') }),
      'changed',
      undefined,
      [],
    ],
    [
      'a base of another run: values not compared, and said so when only the config moved',
      entry({ name: 'app', layers, compressedBytes: 4 * MB + 300, imageConfig: config('f1', 'old-run') }),
      entry({ name: 'app', layers, compressedBytes: 4 * MB + 311, imageConfig: config('f2') }),
      'changed',
      undefined,
      ['label and env values not compared: the base was measured by another run (only added and removed names are known)'],
    ],
  ])('%s', (_case, base, head, change, changes, notes) => {
    const out = compare(base, head);
    expect(out?.change).toBe(change);
    expect(out?.configChanges?.map((c) => [c.field, c.kind, c.key].join(':'))).toEqual(changes);
    expect(out?.notes ?? []).toEqual(notes);
  });
});
