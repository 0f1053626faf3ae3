import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadReportBaseline, parseReportBaseline, ReportBaselineError } from '../../../src/baseline/report-baseline.js';
import { formatJsonPath } from '../../../src/report-schema.js';
import type { Report } from '../../../src/types.js';

const COMMIT = '1234567890abcdef1234567890abcdef12345678';
const LAYER = `sha256:${'a'.repeat(64)}`;
const FILE = 'base-report.json';

function validReport(): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'image-budget', version: '0.1.0' },
    createdAt: '2024-05-01T10:00:00.000Z',
    commit: COMMIT,
    config: 'image-budget.yml',
    overBudget: false,
    images: [
      {
        name: 'api',
        target: null,
        platform: 'linux/amd64',
        compressedBytes: 2_000_000,
        uncompressedBytes: 5_000_000,
        layerCount: 1,
        status: 'ok',
        findings: [],
        budget: { max: { compressed: 25_000_000 }, warn: null, maxLayers: null },
        layers: [
          {
            digest: LAYER,
            compressedBytes: 2_000_000,
            uncompressedBytes: 5_000_000,
            createdBy: 'COPY . /app # buildkit',
            dockerfile: { path: 'Dockerfile', line: 3 },
          },
        ],
        manifestDigest: `sha256:${'b'.repeat(64)}`,
        error: null,
      },
      {
        name: 'api',
        target: null,
        platform: 'linux/arm64',
        compressedBytes: null,
        uncompressedBytes: null,
        layerCount: null,
        status: 'error',
        findings: [],
        budget: { max: null, warn: null, maxLayers: null },
        layers: [],
        manifestDigest: null,
        error: 'build failed',
      },
    ],
  };
}

function parse(value: unknown) {
  return parseReportBaseline(typeof value === 'string' ? value : JSON.stringify(value), FILE);
}

describe('parseReportBaseline', () => {
  test('a valid report gives its commit and measured entries; failed entries are left out', () => {
    const baseline = parse(validReport());
    expect(baseline.commit).toBe(COMMIT);
    expect(baseline.createdAt).toBe('2024-05-01T10:00:00.000Z');
    expect(baseline.entries).toEqual([
      {
        name: 'api',
        target: null,
        platform: 'linux/amd64',
        compressedBytes: 2_000_000,
        uncompressedBytes: 5_000_000,
        layers: [
          {
            digest: LAYER,
            compressedBytes: 2_000_000,
            uncompressedBytes: 5_000_000,
            createdBy: 'COPY . /app # buildkit',
            dockerfile: { path: 'Dockerfile', line: 3 },
          },
        ],
      },
    ]);
  });

  test('unknown extra fields are dropped, not trusted', () => {
    const report = { ...validReport(), __proto__: { polluted: true }, extra: 'x' } as unknown as Report;
    (report.images[0] as unknown as Record<string, unknown>).evil = '<script>';
    const baseline = parse(report);
    expect(baseline.entries[0]).not.toHaveProperty('evil');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  const mutate = (fn: (r: Report) => void): Report => {
    const r = validReport();
    fn(r);
    return r;
  };
  /** validReport() with the value at `path` replaced by one its type does not allow. */
  const withValue = (path: readonly (string | number)[], value: unknown): Report => {
    const r = validReport();
    let node: unknown = r;
    for (const key of path.slice(0, -1)) node = (node as Record<string | number, unknown>)[key];
    (node as Record<string | number, unknown>)[path[path.length - 1]!] = value;
    return r;
  };

  test.each([
    [1, 'not JSON', '{"schemaVersion": 1,', /base-report\.json: not valid JSON/],
    [2, 'empty file', '', /base-report\.json: not valid JSON/],
    [3, 'a JSON string', '"hello"', /base-report\.json: \(top level\): /],
    [4, 'null', 'null', /base-report\.json: \(top level\)/],
    [5, 'other schema version', withValue(['schemaVersion'], 2), /schemaVersion: expected schemaVersion 1/],
    [
      6,
      'negative size',
      withValue(['images', 0, 'compressedBytes'], -5),
      /images\[0\]\.compressedBytes: expected a size to be non-negative/,
    ],
    [
      7,
      'fractional size',
      withValue(['images', 0, 'layers', 0, 'uncompressedBytes'], 1.5),
      /images\[0\]\.layers\[0\]\.uncompressedBytes: expected a size as a whole number/,
    ],
    [
      8,
      'size as a string',
      withValue(['images', 0, 'uncompressedBytes'], '5MB'),
      /images\[0\]\.uncompressedBytes: expected a size as a number/,
    ],
    [9, 'huge size', withValue(['images', 0, 'compressedBytes'], 1e300), /images\[0\]\.compressedBytes: /],
    [10, 'name too long', withValue(['images', 0, 'name'], 'x'.repeat(10_000)), /images\[0\]\.name: longer than 256 characters/],
    [
      11,
      'bad digest',
      withValue(['images', 0, 'layers', 0, 'digest'], '../../etc/passwd'),
      /images\[0\]\.layers\[0\]\.digest: expected a digest/,
    ],
    [
      12,
      'too many layers',
      mutate((r) => {
        r.images[0]!.layers = Array.from({ length: 1001 }, () => r.images[0]!.layers[0]!);
      }),
      /images\[0\]\.layers: more than 1000 layers/,
    ],
    [13, 'images not a list', withValue(['images'], { api: 1 }), /images: /],
    [14, 'commit not a sha', withValue(['commit'], 'main; rm -rf /'), /commit: expected a full commit sha/],
    [15, 'unknown status', withValue(['images', 0, 'status'], 'pwned'), /images\[0\]\.status: /],
    [
      16,
      'duplicate entry',
      mutate((r) => {
        r.images.push(r.images[0]!);
      }),
      /images\[2\] repeats images\[0\] \(api, target default, linux\/amd64\)/,
    ],
    [17, 'deep nesting', '['.repeat(100_000) + ']'.repeat(100_000), /base-report\.json: /],
  ])('%i: %s gives a clear error', (_n, _title, input, message) => {
    let caught: unknown;
    try {
      parse(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ReportBaselineError);
    expect((caught as Error).message).toMatch(message);
  });

  test('many problems: the first five are named, the rest counted', () => {
    const report = mutate((r) => {
      r.images = Array.from({ length: 8 }, (_, i) => ({ ...r.images[0]!, platform: `linux/${i}`, compressedBytes: -1 }));
    });
    expect(() => parse(report)).toThrow(/images\[4\]\.compressedBytes: .*\(and 3 more\)$/);
  });
});

test('formatJsonPath', () => {
  expect(formatJsonPath(['images', 3, 'layers', 0, 'digest'])).toBe('images[3].layers[0].digest');
  expect(formatJsonPath([])).toBe('(top level)');
});

test('loadReportBaseline names a missing file', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'ib-baseline-report-'));
  try {
    await expect(loadReportBaseline(path.join(dir, 'nope.json'))).rejects.toThrow(
      /baseline report .*nope\.json: cannot read it \(ENOENT\)/,
    );
    const file = path.join(dir, 'report.json');
    await writeFile(file, JSON.stringify(validReport()));
    expect((await loadReportBaseline(file)).commit).toBe(COMMIT);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
