/** A change of the image config only, as the comment, the summary and the terminal tell it. */
import { describe, expect, test } from 'vitest';
import { parseReportBaseline } from '../../../src/baseline/report-baseline.js';
import { renderComment } from '../../../src/report/comment.js';
import { parseReport } from '../../../src/report/parse-report.js';
import { renderJobSummary } from '../../../src/report/job-summary.js';
import { verdictLine } from '../../../src/report/report-head.js';
import { renderTerminalReport } from '../../../src/report/terminal.js';
import type { ConfigChange, ReportEntry } from '../../../src/types.js';
import { compared, layer, MB, report } from './report-fixtures.js';

const OPTS = { key: 'default', configPath: 'image-budget.yml' };
const LAYERS = [layer(1, 4 * MB, 'RUN a', 2)];
const CHANGES: ConfigChange[] = [
  { field: 'label', kind: 'changed', key: 'org.opencontainers.image.revision' },
  { field: 'env', kind: 'added', key: 'NODE_ENV' },
  { field: 'entrypoint', kind: 'changed', from: '["/app"]', to: '["/app","--serve"]' },
];

/** Same layers on both sides, `delta` bytes of config, the given changes. */
function configOnly(name: string, delta: number, more: Partial<ReportEntry> = {}): ReportEntry {
  const base = 4 * MB + 1200;
  const e = compared(name, base, base + delta, { layers: LAYERS, change: 'changed', configChanges: CHANGES, ...more });
  e.delta = { compressedBytes: delta, uncompressedBytes: 0 };
  if (e.baseline) {
    e.baseline.uncompressedBytes = e.uncompressedBytes ?? 0;
    e.baseline.layers = LAYERS;
  }
  return e;
}

describe('a config-only change', () => {
  test.each<[string, ReportEntry, string]>([
    ['+311 B of config', configOnly('web', 311), '1 config changed'],
    ['-20 B of config', configOnly('web', -20), '1 config changed'],
    ['a value of the same length: ±0', configOnly('web', 0), '1 config changed'],
  ])('counts as "config changed", not growth: %s', (_case, entry, count) => {
    const verdict = verdictLine(report([entry]));
    expect(verdict).toContain(count);
    expect(verdict).not.toMatch(/grew|shrank|unchanged/);
  });

  test('the comment says what changed, and a ±0 change is not folded away as unchanged', () => {
    const body = renderComment(report([configOnly('web', 0)]), OPTS);
    expect(body).toContain(
      '**Only the image config changed** (±0, every layer is the same as on the base): label `org.opencontainers.image.revision` changed, env `NODE_ENV` added, entrypoint `["/app"]` → `["/app","--serve"]`.',
    );
    expect(body).not.toContain('unchanged image');
    // Number cells never wrap: their spaces are non-breaking.
    expect(body).toContain('(±0,\u00A0config\u00A0only)');
  });

  test('an over-budget entry whose growth is its config: the verdict says so outside the details', () => {
    const over = configOnly('api', 311, {
      status: 'over',
      findings: [{ status: 'over', rule: 'max-increase', message: 'compressed +311 B (+0%) > max-increase 100 B' }],
    });
    const body = renderComment(report([over]), OPTS);
    const head = body.slice(0, body.indexOf('<details>'));
    expect(head).toContain('↳ image config changed: label `org.opencontainers.image.revision` changed, env `NODE_ENV` added, entrypoint');
  });

  test('job summary and terminal say the same', () => {
    const r = report([configOnly('web', 311)]);
    expect(renderJobSummary(r, OPTS)).toContain('label `org.opencontainers.image.revision` changed, env `NODE_ENV` added');
    expect(renderTerminalReport(r)).toContain(
      '  config web: image config changed: label org.opencontainers.image.revision changed, env NODE_ENV added, entrypoint ["/app"] → ["/app","--serve"]',
    );
  });
});

describe('imageConfig and configChanges in the JSON report', () => {
  const imageConfig = {
    labels: [['org.opencontainers.image.revision', '0123456789abcdef']] as [string, string][],
    env: [['NODE_ENV', 'fedcba9876543210']] as [string, string][],
    valuesKey: 'run1',
    entrypoint: ['/app'],
    exposedPorts: ['8080/tcp'],
  };

  test('written, read back unchanged by both readers; a report without them still parses', () => {
    const r = report([configOnly('web', 311, { imageConfig })]);
    const json = JSON.stringify(r);
    const [read] = parseReport(json, 'r.json').images;
    expect(read?.imageConfig).toEqual(imageConfig);
    expect(read?.configChanges).toEqual(CHANGES);
    expect(parseReportBaseline(json, 'r.json').entries[0]?.imageConfig).toEqual(imageConfig);
    const old = report([compared('web', MB, MB)]);
    expect(parseReport(JSON.stringify(old), 'old.json').images[0]?.imageConfig).toBeUndefined();
    expect(parseReportBaseline(JSON.stringify(old), 'old.json').entries[0]?.imageConfig).toBeUndefined();
  });

  test.each<[string, unknown, RegExp]>([
    ['an env entry that is not a pair', { env: [['A']] }, /images\[0\]\.imageConfig\.env\[0\]/],
    ['a change of an unknown field', undefined, /images\[0\]\.configChanges\[0\]\.field/],
  ])('a bad field is named by its JSON path: %s', (_case, bad, path) => {
    const e = configOnly('web', 311, bad === undefined ? {} : { imageConfig: bad as ReportEntry['imageConfig'] });
    if (bad === undefined) e.configChanges = [{ field: 'secret' as ConfigChange['field'], kind: 'added', key: 'x' }];
    expect(() => parseReport(JSON.stringify(report([e])), 'r.json')).toThrow(path);
  });
});
