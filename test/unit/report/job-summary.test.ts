import { describe, expect, test } from 'vitest';
import { markNoBaseline } from '../../../src/compare/apply-baseline.js';
import { renderComment } from '../../../src/report/comment.js';
import { renderJobSummary } from '../../../src/report/job-summary.js';
import { reportTextOptions } from '../../../src/report/report-head.js';
import type { ReportEntry } from '../../../src/types.js';
import { malformedTableRows } from './markdown-checks.js';
import { compared, entry, layer, MB, report } from './report-fixtures.js';

const OPTS = { configPath: 'image-budget.yml' };
const SIZES_HEADER = '| Image | Target | Platform | Compressed | Uncompressed | Layers | Budget | Status |';
/** The summary's table against the base: both metrics. */
const DELTA_HEADER = '| Image | Target | Platform | Compressed: base → PR | Δ | Δ% | Uncompressed: base → PR | Δ | Δ% | Status |';
/** The comment's compact one. */
const COMPACT_HEADER = /^\| Image \| Target \| Platform \| Base \| PR \| Δ/m;

/** The rows of the table whose header line is `header`, without the header and delimiter. */
function tableAfter(markdown: string, header: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.indexOf(header);
  if (start < 0) return [];
  const rows: string[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line);
  }
  return rows;
}

const layers = [
  layer(1, 3 * MB, 'ADD rootfs.tar.gz / # buildkit', null),
  layer(2, 5 * MB, 'RUN apt-get install -y curl'),
  layer(3, 2 * MB, 'COPY dist/ /app'),
];

function firstRun(): ReportEntry[] {
  // What the pipeline writes without a baseline (first run, `baseline: none`, unavailable).
  return markNoBaseline(
    [
      entry({
        name: 'api',
        target: 'runtime',
        layers,
        layerCount: 3,
        budget: {
          max: { compressed: 25 * MB, uncompressed: 40 * MB },
          warn: { compressed: 20 * MB },
          maxLayers: 12,
          maxIncrease: { metric: 'compressed', bytes: 5 * MB },
        },
      }),
      entry({
        name: 'worker',
        platform: 'linux/arm64',
        compressedBytes: 30 * MB,
        status: 'over',
        findings: [{ status: 'over', rule: 'max.compressed', message: 'compressed 30 MB > max 25 MB' }],
      }),
      entry({ name: 'tools', budget: { max: null, warn: null, maxLayers: null } }),
      entry({ name: 'broken', status: 'error', compressedBytes: null, layerCount: null, error: 'buildx failed: Dockerfile:7 RUN false' }),
    ],
    () => ({}),
  );
}

describe('job summary without a baseline', () => {
  test('a sizes table with the issue-2 columns for every entry, and no delta table', async () => {
    const md = renderJobSummary(report(firstRun()), { ...OPTS, baselineNote: 'No baseline (baseline: none): delta budgets skipped.' });
    const rows = tableAfter(md, SIZES_HEADER);
    expect(rows).toEqual([
      '| **api** | runtime | linux/amd64 | 10 MB | 25 MB | 3 | max 25 MB, max 40 MB on disk, warn 20 MB, ≤ 12 layers, max-increase 5 MB (63% used) | ✅ ok |',
      '| **worker** | — | linux/arm64 | 30 MB | 75 MB | 2 | max 25 MB (120% used) | ❌ over |',
      '| **tools** | — | linux/amd64 | 10 MB | 25 MB | 2 | — | ✅ ok |',
      '| **broken** | — | linux/amd64 | — | — | — | max 25 MB | 💥 error: buildx failed: Dockerfile:7 RUN false |',
    ]);
    // Nothing to compare with: no column of dashes pretending to be a comparison.
    expect(md).not.toContain(DELTA_HEADER);
    expect(md).not.toMatch(COMPACT_HEADER);
    expect(md).not.toContain('Against the base');
    // The largest layers of each image, collapsible.
    expect(md).toContain('### Largest layers');
    expect(md).toContain('<details><summary>api · runtime · linux/amd64: largest of 3 layers</summary>');
    expect(md).toContain('| 5 MB | 12.5 MB | `Dockerfile:3` | `RUN apt-get install -y curl` |');
    expect(malformedTableRows(md)).toEqual([]);
    await expect(md).toMatchFileSnapshot('__outputs__/summary-no-baseline.md');
  });

  test('the same with no comparison asked for at all (CLI without --base)', () => {
    const md = renderJobSummary(report([entry({ name: 'api' })]), OPTS);
    expect(tableAfter(md, SIZES_HEADER)).toEqual(['| **api** | — | linux/amd64 | 10 MB | 25 MB | 2 | max 25 MB (40% used) | ✅ ok |']);
    expect(md).not.toContain(DELTA_HEADER);
  });
});

describe('job summary with a baseline', () => {
  function comparedReport() {
    const grown = compared('api', 9 * MB, 21 * MB, {
      status: 'over',
      findings: [{ status: 'over', rule: 'max.compressed', message: 'compressed 21 MB > max 20 MB' }],
      budget: { max: { compressed: 20 * MB }, warn: null, maxLayers: null },
      layers: [layer(1, 3 * MB, 'ADD rootfs.tar.gz / # buildkit'), layer(4, 18 * MB, 'RUN apt-get install -y curl')],
    });
    if (grown.baseline)
      grown.baseline.layers = [layer(1, 3 * MB, 'ADD rootfs.tar.gz / # buildkit'), layer(2, 6 * MB, 'RUN apt-get install -y curl')];
    return report([
      compared('db', 5 * MB, 5 * MB),
      grown,
      entry({ name: 'fresh', baseline: null, delta: null, change: 'new' }),
      entry({
        name: 'gone',
        compressedBytes: null,
        layerCount: null,
        budget: { max: null, warn: null, maxLayers: null },
        baseline: { commit: '0123456789abcdef', compressedBytes: 4 * MB, uncompressedBytes: 9 * MB },
        delta: null,
        change: 'removed',
      }),
    ]);
  }

  test('the sizes table, then the delta table with every row (none folded) and the totals', async () => {
    const r = comparedReport();
    const md = renderJobSummary(r, OPTS);
    expect(tableAfter(md, SIZES_HEADER)).toEqual([
      '| **db** | — | linux/amd64 | 5 MB | 12.5 MB | 2 | max 25 MB (20% used) | ✅ ok |',
      '| **api** | — | linux/amd64 | 21 MB | 52.5 MB | 2 | max 20 MB (105% used) | ❌ over |',
      '| **fresh** | — | linux/amd64 | 10 MB | 25 MB | 2 | max 25 MB (40% used) | 🆕 new · ✅ ok |',
      '| **gone** | — | linux/amd64 | — | — | — | — | 🗑️ removed |',
    ]);
    // Both metrics: base → PR, Δ and Δ%. Changed first, the over one at the top; the unchanged
    // one is there too, not folded.
    expect(tableAfter(md, DELTA_HEADER)).toEqual([
      '| **api** | — | linux/amd64 | 9 MB → 21 MB | +12 MB | +133% | 22.5 MB → 52.5 MB | +30 MB | +133% | ❌ over |',
      '| **fresh** | — | linux/amd64 | new → 10 MB | +10 MB | — | new → 25 MB | +25 MB | — | 🆕 new · ✅ ok |',
      '| **gone** | — | linux/amd64 | 4 MB → removed | -4 MB | -100% | 9 MB → removed | -9 MB | -100% | 🗑️ removed |',
      '| **db** | — | linux/amd64 | 5 MB → 5 MB | 0 B | 0% | 12.5 MB → 12.5 MB | 0 B | 0% | ✅ ok |',
      '| **Total** |  |  | 18 MB → **36 MB** | +18 MB | +100% | 44 MB → **90 MB** | +46 MB | +105% |  |',
    ]);
    expect(md).not.toContain('unchanged image</summary>');
    // The details the comment shows are in the summary as well.
    expect(md).toContain('**Why it grew**');
    expect(md.indexOf(SIZES_HEADER)).toBeLessThan(md.indexOf('#### Against the base'));
    expect(malformedTableRows(md)).toEqual([]);
    await expect(md).toMatchFileSnapshot('__outputs__/summary-with-baseline.md');
  });

  test('the PR comment keeps its compact delta table and no sizes table', () => {
    const body = renderComment(comparedReport(), { ...OPTS, key: 'default' });
    expect(body).toMatch(COMPACT_HEADER);
    expect(body).not.toContain(DELTA_HEADER);
    expect(body).not.toContain(SIZES_HEADER);
  });

  test('a huge report keeps its details within their byte budget and says how many were left out', () => {
    const images = Array.from({ length: 300 }, (_, i) => {
      const e = compared(`service-${i}`, 10 * MB, 11 * MB + i, {
        layers: Array.from({ length: 40 }, (_, j) => layer(i * 100 + j, MB + j, `RUN step ${j} ${'y'.repeat(150)}`)),
      });
      if (e.baseline)
        e.baseline.layers = Array.from({ length: 40 }, (_, j) => layer(i * 100 + j + 50, MB, `RUN step ${j} ${'y'.repeat(150)}`));
      return e;
    });
    const md = renderJobSummary(report(images), OPTS);
    expect(md).toMatch(/\n\d+ more image details not shown: see the JSON report\.\n/);
    expect(tableAfter(md, SIZES_HEADER)).toHaveLength(300);
    expect(Buffer.byteLength(md)).toBeLessThan(1024 * 1024);
  });
});

test("the summary shows dive's figures next to ours where it shows the analysis", () => {
  const analysed = entry({
    name: 'api',
    analysis: { wastedBytes: 4_000_000, efficiency: 0.8123, hints: [], dive: { wastedBytes: 4_200_000, efficiency: 0.8049 } },
  });
  const md = renderJobSummary(report([analysed]), OPTS);
  expect(md).toContain('**Layer analysis:** 4 MB wasted, efficiency 81.2% (dive: 4.2 MB wasted, efficiency 80.5%)');
  // …and in its "what to slim" block.
  expect(md).toContain('4 MB wasted across layers, efficiency 81.2% (dive: 4.2 MB, 80.5%).');
});

test('the CLI and the action read the head from the report: budget changes and the baseline note', () => {
  const r = {
    ...report([entry({ name: 'api' })]),
    baseline: { mode: 'build', commit: 'a'.repeat(40), note: 'baseline: main at aaaaaaa', unavailable: null },
    budgetChanges: [{ image: 'api', target: null, platform: 'linux/arm64', field: 'max.compressed', label: 'max', from: '3 MB', to: null }],
  };
  const md = renderJobSummary(r, reportTextOptions(r));
  expect(md).toContain('baseline: main at aaaaaaa');
  expect(md).toContain('| **api** \\(linux/arm64\\) | max | 3 MB | none |');
  expect(md).toContain('· config `image-budget.yml`');
});
