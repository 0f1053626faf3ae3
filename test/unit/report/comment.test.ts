import { describe, expect, test } from 'vitest';
import { commentLength, commentMarker, hasCommentMarker, renderComment, verdictLine } from '../../../src/report/comment.js';
import { isNewerRun, readRunStamp, withRunStamp } from '../../../src/report/comment-marker.js';
import type { ReportEntry } from '../../../src/types.js';
import { INJECTION_CORPUS, MB, compared, entry, layer, report } from './report-fixtures.js';
import {
  AUTOLINK,
  decodeNumericEntities,
  ISSUE_REF,
  MENTION,
  outsideCodeSpans,
  outsideFences,
  strayInvisibles,
  unescapedPipes,
} from './markdown-checks.js';

const OPTS = { key: 'default', configPath: 'image-budget.yml', summaryUrl: 'https://github.com/o/r/actions/runs/1' };
/** Number cells are written with non-breaking spaces: `nb('9 MB')`. */
const nb = (text: string) => text.replace(/ /g, '\u00A0');

/** Every markdown table in `body`: runs of lines starting with `|`. */
function tables(body: string): string[][] {
  const out: string[][] = [];
  let current: string[] | null = null;
  for (const line of body.split('\n')) {
    if (line.startsWith('|')) (current ??= []).push(line);
    else if (current) {
      out.push(current);
      current = null;
    }
  }
  if (current) out.push(current);
  return out;
}

/** Every row of every table has as many cells as its header. */
function expectWellFormedTables(body: string): void {
  for (const table of tables(body)) {
    const columns = unescapedPipes(table[0] ?? '');
    for (const line of table) expect(unescapedPipes(line), line).toBe(columns);
  }
}

const growthLayers = {
  base: [
    layer(1, 3 * MB, 'ADD rootfs.tar.gz / # buildkit'),
    layer(2, 5 * MB, 'RUN apt-get install -y curl'),
    layer(3, 1 * MB, 'COPY old.txt /'),
  ],
  head: [
    layer(1, 3 * MB, 'ADD rootfs.tar.gz / # buildkit'),
    layer(4, 12 * MB, 'RUN apt-get install -y curl'),
    layer(5, 6 * MB, 'COPY dist/ /app'),
  ],
};

function grownOver(): ReportEntry {
  const e = compared('api', 9 * MB, 21 * MB + 400_000, {
    status: 'over',
    findings: [{ status: 'over', rule: 'max.compressed', message: 'compressed 21.4 MB > max 20 MB' }],
    budget: { max: { compressed: 20 * MB }, warn: null, maxLayers: null },
    layers: growthLayers.head,
    analysis: {
      wastedBytes: 4 * MB,
      efficiency: 0.81,
      hints: [
        {
          id: 'apt-lists',
          path: '/var/lib/apt/lists',
          bytes: 3 * MB,
          dockerfile: { path: 'Dockerfile', line: 3 },
          message: 'apt lists left in the image.',
          fix: 'add `rm -rf /var/lib/apt/lists/*` to the same RUN',
        },
      ],
    },
  });
  if (e.baseline) e.baseline.layers = growthLayers.base;
  return e;
}

describe('verdictLine', () => {
  test.each([
    ['all ok', [entry({ name: 'a' }), entry({ name: 'b' })], '✅ 2 images: 2 within budget'],
    [
      // Each entry counted once: the over one is not also one that grew.
      'one over, growth',
      [grownOver(), compared('web', 5 * MB, 6 * MB), compared('db', 5 * MB, 5 * MB)],
      '❌ 3 images: 1 over budget · 1 grew · 1 unchanged',
    ],
    ['warn', [entry({ name: 'a', status: 'warn' })], '⚠️ 1 image: 1 near budget'],
    ['error', [entry({ name: 'a', status: 'error', compressedBytes: null, error: 'build failed' })], '❌ 1 image: 1 failed'],
    [
      'new and removed',
      [
        entry({ name: 'n', baseline: null }),
        entry({ name: 'r', compressedBytes: null, baseline: { commit: 'abc', compressedBytes: 1, uncompressedBytes: 2 } }),
      ],
      '✅ 2 images: 1 new · 1 removed',
    ],
    ['nothing', [], '➖ No images measured'],
  ] as const)('%s', (_name, images, expected) => {
    expect(verdictLine(report([...images]))).toBe(expected);
  });
});

describe('renderComment snapshots', () => {
  test('all ok', async () => {
    const body = renderComment(
      report([
        compared('api', 9 * MB, 9 * MB),
        compared('web', 20 * MB, 20 * MB, { target: 'prod', platform: 'linux/arm64' }),
        compared('worker', 3 * MB, 3 * MB),
      ]),
      OPTS,
    );
    expect(body.split('\n')[0]).toBe('<!-- image-budget:comment key=default -->');
    expect(body).toContain('✅ **All 3 images are within budget**\\\n3 images: 3 unchanged');
    expectWellFormedTables(body);
    await expect(body).toMatchFileSnapshot('__outputs__/all-ok.md');
  });

  test('one over budget with growth', async () => {
    const body = renderComment(
      report([compared('db', 5 * MB, 5 * MB), compared('web', 5 * MB, 5_600_000, { target: 'prod' }), grownOver()]),
      {
        ...OPTS,
        overrideLabel: { name: 'image-budget:accept', applied: false },
        budgetChanges: [
          { image: 'web', target: 'prod', platform: null, field: 'max.compressed', label: 'max', from: '25 MB', to: '40 MB' },
        ],
      },
    );
    // The verdict names the culprit, its limit and its movement, then where it grew most.
    expect(body).toContain('❌ **api** is over budget: compressed 21.4 MB \\> max 20 MB (+12.4 MB, +138%)\\\n');
    expect(body).toContain('↳ grew most at `Dockerfile:5` `RUN apt-get install -y curl`: +7 MB (54% of the growth)\\\n');
    expect(body).toContain('3 images: 1 over budget · 1 grew · 1 unchanged');
    // Changed rows first, the over one at the top; the unchanged one is folded.
    const main = tables(body).find((t) => t[0]?.startsWith('| Image | Target |')) ?? [];
    expect(main[0]).toBe('| Image | Target | Size (Δ) | Budget used | Status |');
    expect(main[2]).toBe(`| **api** | — | ${nb('21.4 MB (+12.4 MB, +138%)')} | ${nb('107% of 20 MB')} | ${nb('❌ over')} |`);
    expect(main[3]).toContain('**web**');
    expect(main.at(-1)).toContain('**Total** of 3 images');
    expect(body).toMatch(/<summary>1 unchanged image<\/summary>[\s\S]*\*\*db\*\*/);
    // Budget changes after the results, each with what the PR's budget would decide.
    expect(body.indexOf('**Budgets changed in this PR**')).toBeGreaterThan(body.indexOf('<summary><b>api</b>'));
    expect(body).toContain(
      "- **web · prod** max 25 MB → 40 MB: ✅ 5.6 MB ≤ 40 MB under this PR's budget — applies once merged, or now with the label `image-budget:accept`.",
    );
    expect(body).toContain('**Why it grew**');
    // Both metrics against the base, in the image's details.
    expect(body).toContain('compressed 9 MB → 21.4 MB (+12.4 MB, +138%) · on disk 22.5 MB → 53.5 MB (+31 MB, +138%)');
    expect(body).toContain('1. `Dockerfile:5` +7 MB (54% of the growth)\n\n   ```dockerfile\n   RUN apt-get install -y curl\n   ```');
    // No digest column in the comment.
    expect(body).not.toContain('0004abababab');
    expect(body).toContain('`/var/lib/apt/lists`');
    // The fix text's code renders as code.
    expect(body).toContain('**Fix:** add `rm -rf /var/lib/apt/lists/*` to the same RUN.');
    expect(body).toContain('[full report in the job summary](https://github.com/o/r/actions/runs/1)</sub>');
    expectWellFormedTables(body);
    await expect(body).toMatchFileSnapshot('__outputs__/over-budget.md');
  });

  test('new and removed images', async () => {
    const body = renderComment(
      report([
        entry({ name: 'fresh', baseline: null, layers: [layer(1, 2 * MB, 'COPY . /'), layer(2, 7 * MB, 'RUN make')] }),
        entry({
          name: 'gone',
          compressedBytes: null,
          baseline: { commit: '0123456789abcdef', compressedBytes: 4 * MB, uncompressedBytes: 9 * MB },
        }),
        compared('same', 1 * MB, 1 * MB),
      ]),
      OPTS,
    );
    expect(body).toContain(nb('🆕 new'));
    expect(body).toContain(nb('10 MB (new)'));
    expect(body).toContain(nb('🗑️ removed'));
    expect(body).toContain('**Largest layers**');
    expectWellFormedTables(body);
    await expect(body).toMatchFileSnapshot('__outputs__/new-removed.md');
  });

  test('error entry', async () => {
    const body = renderComment(
      report([
        entry({
          name: 'broken',
          status: 'error',
          compressedBytes: null,
          layerCount: null,
          error: 'buildx failed: Dockerfile:7 RUN false | exit code 1',
        }),
        entry({ name: 'fine' }),
      ]),
      OPTS,
    );
    expect(body).toContain('💥 **broken** failed: buildx failed: Dockerfile:7 RUN false \\| exit code 1\\\n');
    expect(body).toContain('**Build error**\n\n```text\nbuildx failed: Dockerfile:7 RUN false | exit code 1\n```');
    expect(body).toContain('No baseline: delta budgets skipped.');
    expectWellFormedTables(body);
    await expect(body).toMatchFileSnapshot('__outputs__/error.md');
  });

  test('override label applied', async () => {
    const body = renderComment(report([grownOver()]), {
      ...OPTS,
      overrideLabel: { name: 'size-ok', applied: true },
      baselineNote: 'Compared with main at 0123456.',
    });
    expect(body).toContain('🏷️ Label `size-ok` is applied');
    await expect(body).toMatchFileSnapshot('__outputs__/override-applied.md');
  });

  test('a huge report is trimmed under the limit, keeping the verdict and the table header', async () => {
    const images: ReportEntry[] = [];
    for (let i = 0; i < 400; i++) {
      const e = compared(`service-${i}`, 10 * MB, 10 * MB + i * 1000 + 1, {
        layers: Array.from({ length: 40 }, (_, j) => layer(i * 100 + j, MB + j, `RUN step ${j} ${'y'.repeat(150)}`)),
      });
      if (e.baseline)
        e.baseline.layers = Array.from({ length: 40 }, (_, j) => layer(i * 100 + j + 50, MB, `RUN step ${j} ${'y'.repeat(150)}`));
      images.push(e);
    }
    for (let i = 0; i < 300; i++) images.push(compared(`steady-${i}`, 5 * MB, 5 * MB));
    const body = renderComment(report(images), OPTS);
    expect(commentLength(body)).toBeLessThanOrEqual(65_536);
    expect(body).toContain('<!-- image-budget:comment key=default -->');
    expect(body).toContain(verdictLine(report(images)).slice(2));
    expect(body).toContain('| Image | Target | Size (Δ) | Budget used | Status |');
    expect(body).toContain('[job summary](https://github.com/o/r/actions/runs/1)');
    expect(body).toContain('**Total**');
    expectWellFormedTables(body);
    // Every <details> that was opened is closed: nothing cut mid-section.
    expect(body.match(/<details>/g)?.length ?? 0).toBe(body.match(/<\/details>/g)?.length ?? 0);

    // A smaller limit drops more, still whole rows only.
    const small = renderComment(report(images), { ...OPTS, maxLength: 8000 });
    expect(commentLength(small)).toBeLessThanOrEqual(8000);
    expect(small).toContain('more rows in the job summary');
    expectWellFormedTables(small);
    await expect(small).toMatchFileSnapshot('__outputs__/trimmed.md');
  });

  test('the run stamp is part of the body the limit is measured on', () => {
    const images = Array.from({ length: 700 }, (_, i) => compared(`service-${i}-${'n'.repeat(60)}`, 10 * MB, 10 * MB + i * 1000 + 1));
    const run = { id: 9_876_543_210, attempt: 12, sha: 'f'.repeat(40) };
    const body = renderComment(report(images), { ...OPTS, run });
    expect(body.split('\n')[1]).toBe(`<!-- image-budget:run id=9876543210 attempt=12 sha=${'f'.repeat(40)} -->`);
    expect(commentLength(body)).toBeLessThanOrEqual(65_536);
    expect(commentLength(body)).toBeGreaterThan(65_000);
    // Publishing stamps the same line again: it replaces it, the body does not grow.
    expect(withRunStamp(body, run)).toBe(body);
  });

  test("uses the compare stage's layerDiff and notes when the report has them", () => {
    const head = layer(9, 8 * MB, 'RUN make <all>');
    const base = layer(8, 2 * MB, 'RUN make <all>');
    const e = compared('svc', 2 * MB, 8 * MB, {
      layers: [head],
      layerDiff: [
        {
          state: 'changed',
          match: 'dockerfile',
          base,
          head,
          delta: { compressedBytes: 6 * MB, uncompressedBytes: 15 * MB },
          instruction: 'RUN',
          dockerfile: head.dockerfile,
        },
      ],
      notes: ['max-increase skipped: no baseline for @someone'],
    });
    const body = renderComment(report([e]), OPTS);
    expect(body).toContain(`| ✏️ | \`RUN make <all>\` | \`Dockerfile:10\` | ${nb('2 MB')} | ${nb('8 MB')} | ${nb('+6 MB')} |`);
    expect(body).toContain('1. `Dockerfile:10` +6 MB\n\n   ```dockerfile\n   RUN make <all>\n   ```');
    expect(body).toContain('- ℹ️ max\\-increase skipped: no baseline for `@someone`');
    expectWellFormedTables(body);
  });

  test('a report that fits is not trimmed', () => {
    const body = renderComment(report([grownOver()]), OPTS);
    expect(body).not.toContain('shortened');
  });

  test('the injection corpus in every field stays inert', async () => {
    const images = INJECTION_CORPUS.map((evil, i) => {
      const e = compared(evil, 5 * MB, 6 * MB + i, {
        target: evil,
        platform: evil,
        status: i % 3 === 0 ? 'over' : 'ok',
        error: null,
        findings: [{ status: 'over', rule: 'max.compressed', message: evil }],
        layers: [{ ...layer(i, 2 * MB, evil), dockerfile: { path: evil, line: 3 } }],
        analysis: {
          wastedBytes: 1,
          efficiency: 0.5,
          hints: [{ id: 'x', path: evil, bytes: 9, dockerfile: { path: evil, line: 1 }, message: evil, fix: evil }],
        },
        configChanges: [
          { field: 'label', kind: 'added', key: evil },
          { field: 'env', kind: 'changed', key: evil },
          { field: 'entrypoint', kind: 'changed', from: evil, to: JSON.stringify([evil]) },
        ],
      });
      if (e.baseline) e.baseline.layers = [{ ...layer(i + 100, MB, evil), dockerfile: { path: evil, line: 3 } }];
      return e;
    });
    images.push(entry({ name: '<script>x</script>', status: 'error', compressedBytes: null, error: INJECTION_CORPUS.join(' ') }));
    const body = renderComment(report(images), {
      ...OPTS,
      key: 'k --> <script>',
      overrideLabel: { name: '@octocat [x](http://evil)', applied: true },
      budgetChanges: INJECTION_CORPUS.slice(0, 10).map((evil) => ({
        image: evil,
        target: evil,
        platform: null,
        field: evil,
        label: evil,
        from: evil,
        to: evil,
      })),
      baselineNote: 'note @octocat #1 <script>',
    });
    // Author text is kept as written, inside code spans: nothing of it acts outside them.
    const outside = outsideFences(body)
      .split('\n')
      .map((line) => outsideCodeSpans(line.replace(/<code>[\s\S]*?<\/code>/g, ' ')))
      .join('\n');
    expect(outside.split('\n').filter((l) => /(?<!\\)<(script|img)/i.test(l))).toEqual([]);
    expect(
      outside
        .replace('](https://github.com/o/r/actions/runs/1)', '')
        .split('\n')
        .filter((l) => /(?<!\\)\]\((http|javascript)/.test(l)),
    ).toEqual([]);
    expect(body).not.toContain('\u202E');
    // No invisible character hides text or fakes a mention, and none was inserted.
    expect(strayInvisibles(body)).toEqual([]);
    expect(body).toContain('`@\\u200Boctocat`');
    // Only our marker, on the first line, is a marker.
    expect(hasCommentMarker(body, 'k --> <script>')).toBe(true);
    expect(hasCommentMarker(body, 'default')).toBe(false);
    expectWellFormedTables(body);
    // Only tags we wrote ourselves.
    const tags = new Set(outside.match(/(?<!\\)<\/?[a-z]+/gi));
    const ours = ['</b', '</code', '</details', '</sub', '</summary', '<b', '<code', '<details', '<sub', '<summary'];
    expect([...tags].filter((tag) => !ours.includes(tag))).toEqual([]);
    for (const line of outside.split('\n').slice(1)) {
      const visible = decodeNumericEntities(line).replace(/\]\(https:\/\/github\.com\/o\/r\/actions\/runs\/1\)/, '');
      expect(visible, line).not.toMatch(MENTION);
      expect(visible, line).not.toMatch(ISSUE_REF);
      expect(visible, line).not.toMatch(AUTOLINK);
    }
    await expect(body).toMatchFileSnapshot('__outputs__/injection.md');
  });
});

describe('commentMarker', () => {
  test('keys are encoded so they cannot close the comment or collide', () => {
    expect(commentMarker('default')).toBe('<!-- image-budget:comment key=default -->');
    expect(commentMarker('a-->b')).toBe('<!-- image-budget:comment key=a%2D%2D%3Eb -->');
    expect(commentMarker('a b')).not.toBe(commentMarker('a_b'));
  });

  test('the run stamp: second line, read back, replaced, ordered by id then attempt', () => {
    const run = { id: 4242, attempt: 2, sha: 'ab'.repeat(20) };
    const body = withRunStamp(`${commentMarker('k')}\nbody`, run);
    expect(body).toBe(`${commentMarker('k')}\n<!-- image-budget:run id=4242 attempt=2 sha=${'ab'.repeat(20)} -->\nbody`);
    expect(readRunStamp(body)).toEqual(run);
    expect(readRunStamp(body.replace(/\n/g, '\r\n'))).toEqual(run);
    expect(withRunStamp(body, { id: 5000, attempt: 1, sha: null })).toBe(
      `${commentMarker('k')}\n<!-- image-budget:run id=5000 attempt=1 -->\nbody`,
    );
    expect(hasCommentMarker(body, 'k')).toBe(true);
    expect(readRunStamp(`${commentMarker('k')}\nbody`)).toBeNull();
    expect(readRunStamp(`${commentMarker('k')}\n<!-- image-budget:run id=1 attempt=1 --> trailing`)).toBeNull();
    expect(isNewerRun({ id: 2, attempt: 1, sha: null }, { id: 1, attempt: 9, sha: null })).toBe(true);
    expect(isNewerRun({ id: 1, attempt: 2, sha: null }, { id: 1, attempt: 1, sha: null })).toBe(true);
    expect(isNewerRun({ id: 1, attempt: 1, sha: null }, { id: 1, attempt: 1, sha: null })).toBe(false);
  });

  test('only a marker on the first line counts', () => {
    expect(hasCommentMarker(`${commentMarker('k')}\nbody`, 'k')).toBe(true);
    expect(hasCommentMarker(`quote:\n${commentMarker('k')}\nbody`, 'k')).toBe(false);
    expect(hasCommentMarker(`${commentMarker('k2')}\nbody`, 'k')).toBe(false);
  });
});

describe('layer analysis in the comment', () => {
  test('wasted bytes and efficiency whenever there is an analysis, hints or not; compact, without dive', () => {
    const clean = entry({
      name: 'clean',
      status: 'warn',
      analysis: { wastedBytes: 2 * MB, efficiency: 0.973, hints: [], dive: { wastedBytes: 3 * MB, efficiency: 0.95 } },
    });
    const body = renderComment(report([clean, grownOver()]), OPTS);
    expect(body).toMatch(/<summary><b>clean<\/b> · ⚠️ warn<\/summary>\n\n\*\*Layer analysis:\*\* 2 MB wasted, efficiency 97%\n/);
    expect(body).toContain('**Layer analysis:** 4 MB wasted, efficiency 81%\n\n**Hints**\n');
    expect(body).not.toContain('dive');
  });
});

describe('budgets changed in this PR', () => {
  const changes = [
    { image: 'api', target: null, platform: null, field: 'max.compressed', label: 'max', from: '25 MB', to: '40 MB' },
    { image: 'api', target: null, platform: 'linux/arm64', field: 'maxLayers', label: 'max-layers', from: null, to: '12' },
    { image: 'web|x', target: '@octocat', platform: null, field: 'warn.compressed', label: 'warn', from: '1 MB', to: '2 MB' },
  ];

  test('with the override label applied they apply now, and the comment says so', () => {
    const body = renderComment(report([grownOver()]), {
      ...OPTS,
      overrideLabel: { name: 'image-budget:accept', applied: true },
      budgetChanges: changes,
    });
    expect(body).toContain(
      "- **api** max 25 MB → 40 MB: ✅ 21.4 MB ≤ 40 MB under this PR's budget — applies now: the label `image-budget:accept` is on this PR.",
    );
    expect(body).not.toContain('once merged');
  });

  test('one row each, with the escaped image name and its scope', () => {
    const body = renderComment(report([grownOver()]), {
      ...OPTS,
      overrideLabel: { name: 'image-budget:accept', applied: false },
      budgetChanges: changes,
    });
    expect(body).toContain(
      '- **api · linux/arm64** max\\-layers none → 12: checked once it applies — applies once merged, or now with the label `image-budget:accept`.',
    );
    expect(body).toContain('- **web\\|x · `@octocat`** warn 1 MB → 2 MB:');
    expectWellFormedTables(body);
  });
});

describe('uncompressed sizes against the base', () => {
  const e = entry({
    name: 'api',
    compressedBytes: 5_300_000,
    uncompressedBytes: 5_600_000,
    baseline: { commit: 'c'.repeat(40), compressedBytes: 301_000, uncompressedBytes: 600_000 },
    delta: { compressedBytes: 4_999_000, uncompressedBytes: 5_000_000 },
    change: 'changed',
  });

  test('the details give base, head, Δ and Δ% for compressed and on-disk bytes', () => {
    const body = renderComment(report([e]), OPTS);
    expect(body).toContain('\ncompressed 301 kB → 5.3 MB (+5 MB, +1661%) · on disk 600 kB → 5.6 MB (+5 MB, +833%)\n');
  });

  test('an unchanged or new image has no such line', () => {
    const same = compared('same', MB, MB, { status: 'warn' });
    const fresh = entry({ name: 'fresh', baseline: null, delta: null, change: 'new', status: 'warn' });
    const body = renderComment(report([same, fresh]), OPTS);
    expect(body).not.toMatch(/on disk .* → /);
  });
});

describe('no baseline at all', () => {
  test('entries compared with nothing are not called new', () => {
    const body = renderComment(report([entry({ name: 'api', baseline: null, delta: null, change: null })]), {
      key: 'default',
      configPath: 'image-budget.yml',
      baselineNote: 'baseline unavailable: no base commit',
    });
    expect(verdictLine(report([entry({ name: 'api', baseline: null, change: null })]))).not.toMatch(/new/);
    expect(body).toContain(`| **api** | — | ${nb('10 MB')} |`);
    expect(body).not.toMatch(/🆕/);
  });

  test('an entry the baseline does not have is new', () => {
    expect(verdictLine(report([entry({ name: 'api', baseline: null, change: 'new' })]))).toMatch(/1 new/);
  });
});

test('a stage built only for the stage report is labelled as such', () => {
  const body = renderComment(report([entry({ name: 'api', target: 'builder', kind: 'stage', baseline: null, change: null })]), {
    key: 'k',
    configPath: 'c.yml',
  });
  expect(body).toMatch(/\| \*\*api\*\* \| builder _\(stage\)_ \|/);
});
