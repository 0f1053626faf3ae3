import { describe, expect, test } from 'vitest';
import { markNoBaseline } from '../../../src/compare/apply-baseline.js';
import { renderComment } from '../../../src/report/comment.js';
import { renderJobSummary } from '../../../src/report/job-summary.js';
import { reportTextOptions } from '../../../src/report/report-head.js';
import type { ReportEntry } from '../../../src/types.js';
import { malformedTableRows } from './markdown-checks.js';
import { compared, entry, layer, MB, report } from './report-fixtures.js';

const OPTS = { configPath: 'image-budget.yml' };
/** The summary's one table of entries: both metrics (against the base when there is one), layers, budget used. */
const IMAGES_HEADER = '| Image | Target | Size (Δ) | Budget used | Status |';
const IMAGES_HEADER_PLATFORMS = '| Image | Target | Platform | Size (Δ) | Budget used | Status |';
/** What the main table leaves out. */
const LIMITS_HEADER = '| Image | Target | On disk (Δ) | Layers | Limits |';
const LIMITS_HEADER_PLATFORMS = '| Image | Target | Platform | On disk (Δ) | Layers | Limits |';
/** The comment's compact one. */
const COMPACT_HEADER = /^\| Image \| Target \| Size \(Δ\) \| Budget used \| Status \|/m;
/** Cells are written with non-breaking spaces: `nb('9 MB')`. */
const nb = (text: string) => text.replace(/ /g, '\u00A0');

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
  test('one table of every entry with its sizes, layers and budget used; the limits in words; no delta', async () => {
    const md = renderJobSummary(report(firstRun()), { ...OPTS, baselineNote: 'No baseline (baseline: none): delta budgets skipped.' });
    expect(tableAfter(md, IMAGES_HEADER_PLATFORMS)).toEqual([
      `| **broken** | — | linux/amd64 | — | — | ${nb('💥 error')} |`,
      `| **worker** | — | linux/arm64 | ${nb('30 MB')} | ${nb('120% of 25 MB')} | ${nb('❌ over')} |`,
      // The tightest max decides: 25 MB of 40 MB on disk is more than 10 MB of 25 MB.
      `| **api** | runtime | linux/amd64 | ${nb('10 MB')} | ${nb('63% of 40 MB on disk')} | ${nb('✅ ok')} |`,
      `| **tools** | — | linux/amd64 | ${nb('10 MB')} | — | ${nb('✅ ok')} |`,
    ]);
    expect(tableAfter(md, LIMITS_HEADER_PLATFORMS)).toContainEqual(
      `| **api** | runtime | linux/amd64 | ${nb('25 MB')} | 3 | ${['max 25 MB', 'max 40 MB on disk', 'warn 20 MB', '≤ 12 layers', 'max-increase 5 MB'].map(nb).join(', ')} |`,
    );
    // Nothing to compare with: no Δ pretending to be a comparison.
    expect(md).not.toMatch(/\(\+|\(-/);
    expect(md).not.toMatch(COMPACT_HEADER);
    // The verdict first, headings nested under the title, the footer last.
    expect(md.slice(0, 80)).toBe(
      '## 📦 Image budget\n\n💥 **broken · linux/amd64** failed: buildx failed: Dockerfile:7 RUN false\\\n'.slice(0, 80),
    );
    expect([...md.matchAll(/^(#+) .*/gm)].filter((m) => m[1] !== '###' && m.index !== 0).map((m) => m[0])).toEqual([]);
    expect(md.trimEnd().split('\n').at(-1)).toMatch(/^<sub>image\\-budget /);
    // The largest layers of each image, collapsible, with their digests.
    expect(md).toContain('### Largest layers');
    expect(md).toContain('<details><summary>api · runtime · linux/amd64: largest of 3 layers</summary>');
    expect(md).toContain(`| ${nb('5 MB')} | ${nb('12.5 MB')} | \`Dockerfile:3\` | \`RUN apt-get install -y curl\` | \`0002abababab\` |`);
    expect(malformedTableRows(md)).toEqual([]);
    await expect(md).toMatchFileSnapshot('__outputs__/summary-no-baseline.md');
  });

  test('the same with no comparison asked for at all (CLI without --base)', () => {
    const md = renderJobSummary(report([entry({ name: 'api' })]), OPTS);
    expect(tableAfter(md, IMAGES_HEADER)).toEqual([`| **api** | — | ${nb('10 MB')} | ${nb('40% of 25 MB')} | ${nb('✅ ok')} |`]);
    expect(tableAfter(md, LIMITS_HEADER)).toEqual([`| **api** | — | ${nb('25 MB')} | 2 | ${nb('max 25 MB')} |`]);
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

  test('every row against the base (none folded), both metrics, and the total of what adds up', async () => {
    const r = comparedReport();
    const md = renderJobSummary(r, OPTS);
    // Changed first, the over one at the top; the unchanged one is there too, not folded.
    expect(tableAfter(md, IMAGES_HEADER)).toEqual([
      `| **api** | — | ${nb('21 MB (+12 MB, +133%)')} | ${nb('105% of 20 MB')} | ${nb('❌ over')} |`,
      `| **fresh** | — | ${nb('10 MB (new)')} | ${nb('40% of 25 MB')} | ${nb('🆕 new')} |`,
      `| **gone** | — | ${nb('removed (was 4 MB)')} | — | ${nb('🗑️ removed')} |`,
      `| **db** | — | ${nb('5 MB (±0)')} | ${nb('20% of 25 MB')} | ${nb('✅ ok')} |`,
      `| **Total** of 4 images |  | ${nb('36 MB (+18 MB, +100%)')} |  |  |`,
    ]);
    expect(tableAfter(md, LIMITS_HEADER)).toEqual([
      `| **api** | — | ${nb('52.5 MB (+30 MB)')} | 2 | ${nb('max 20 MB')} |`,
      `| **fresh** | — | ${nb('25 MB (new)')} | 2 | ${nb('max 25 MB')} |`,
      `| **gone** | — | ${nb('removed (was 9 MB)')} | — | — |`,
      `| **db** | — | ${nb('12.5 MB (±0)')} | 2 | ${nb('max 25 MB')} |`,
    ]);
    expect(md).not.toContain('unchanged image</summary>');
    // The details the comment shows are in the summary as well.
    expect(md).toContain('**Why it grew**');
    expect(md.indexOf(IMAGES_HEADER)).toBeLessThan(md.indexOf('### Details'));
    expect(malformedTableRows(md)).toEqual([]);
    await expect(md).toMatchFileSnapshot('__outputs__/summary-with-baseline.md');
  });

  test('the PR comment has the same table, unchanged rows folded, and not the limits table', () => {
    const body = renderComment(comparedReport(), { ...OPTS, key: 'default' });
    expect(body).toMatch(COMPACT_HEADER);
    expect(body).not.toContain(LIMITS_HEADER);
    expect(body).toContain('<summary>1 unchanged image</summary>');
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
    expect(tableAfter(md, IMAGES_HEADER)).toHaveLength(301);
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
  expect(md).toContain('baseline: main at `aaaaaaa`');
  expect(md).toContain('- **api · linux/arm64** max 3 MB → none: checked once it applies — applies once merged.');
  expect(md).toContain('· config `image-budget.yml`');
});
