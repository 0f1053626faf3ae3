import { describe, expect, test } from 'vitest';
import { NO_BUILD_OPTIONS } from '../../../src/config/build-options.js';
import type { PlatformAnalysis } from '../../../src/analysis/analyze-layout.js';
import { REPORT_MAX_HINTS, toReportAnalysis } from '../../../src/analysis/report-analysis.js';
import type { AnalysisHint, ImageAnalysis } from '../../../src/analysis/types.js';
import { extraStages, type JobMeasurement } from '../../../src/sources/build-and-measure.js';
import type { Budget, ImageConfig } from '../../../src/config/types.js';
import type { PlatformMeasure } from '../../../src/measure/types.js';
import type { BuildJob } from '../../../src/plan/plan-builds.js';
import { stageBudget, type BudgetResolver } from '../../../src/compare/compare-with-base.js';
import { assembleEntries } from '../../../src/report/assemble.js';
import { parseReport } from '../../../src/report/parse-report.js';
import { entry, report } from './report-fixtures.js';
import { analyzeImage } from '../../../src/analysis/analyze-image.js';
import { dir, file, layersOf, whiteout } from '../analysis/helpers.js';

const MiB = 1 << 20;

function image(over: Partial<ImageConfig> = {}): ImageConfig {
  return {
    name: 'app',
    source: { kind: 'build' },
    context: '/repo',
    dockerfile: '/repo/Dockerfile',
    targets: ['runtime'],
    platforms: ['linux/amd64'],
    buildArgs: {},
    labels: {},
    cache: { mode: 'off', from: [], to: [] },
    options: NO_BUILD_OPTIONS,
    budget: {},
    targetBudgets: {},
    platformBudgets: {},
    location: { file: 'b.yml', line: 1, column: 1 },
    ...over,
  };
}

function platform(bytes: number): PlatformMeasure {
  return {
    platform: 'linux/amd64',
    manifestDigest: `sha256:${'1'.repeat(64)}`,
    configDigest: `sha256:${'2'.repeat(64)}`,
    compressedBytes: bytes,
    uncompressedBytes: bytes * 2,
    layerCount: 1,
    layers: [
      {
        digest: `sha256:${'3'.repeat(64)}`,
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        compressedBytes: bytes,
        uncompressedBytes: bytes * 2,
        uncompressedSource: 'gzip-trailer',
        createdBy: 'RUN x',
        dockerfile: { path: 'Dockerfile', line: 3 },
      },
    ],
  };
}

const h = (id: AnalysisHint['id'], path: string, bytes: number): AnalysisHint => ({
  id,
  path,
  bytes,
  dockerfile: { path: 'Dockerfile', line: 3 },
  message: 'm',
  fix: 'f',
});

function imageAnalysis(hints: AnalysisHint[], wastedBytes = 0, dockerfileStages: number | null = 2, builderTarget = false): ImageAnalysis {
  return {
    wastedBytes,
    efficiency: wastedBytes === 0 ? 1 : 0.5,
    hints,
    dive: { efficiency: 1, wastedBytes, userFileBytes: 2 * wastedBytes },
    totalFileBytes: 2 * wastedBytes,
    finalFileBytes: wastedBytes,
    largestFiles: Array.from({ length: 20 }, (_, i) => ({ path: `/f${i}`, bytes: 100 - i })),
    largestDirectories: [{ path: '/usr', bytes: 10 }],
    layers: [],
    dockerfileStages,
    builderTarget,
  };
}

function measurement(
  img: ImageConfig,
  target: string | undefined,
  kind: 'target' | 'stage',
  bytes: number,
  analyses?: PlatformAnalysis[],
): JobMeasurement {
  const job = {
    id: `app:${target}`,
    image: img,
    target,
    platforms: img.platforms,
    layoutDir: '/x',
    metadataFile: '/x/m',
    argv: [],
    options: NO_BUILD_OPTIONS,
    env: {},
    warnings: [],
    spec: { buildArgs: {}, labels: {}, cacheFrom: [], cacheTo: [], extraArgs: [] },
  } as BuildJob;
  return {
    job,
    image: img,
    target,
    requestedPlatforms: img.platforms,
    build: { job, ok: true, durationMs: 1, log: '', error: null, cachedSteps: 0 },
    dockerfilePath: 'Dockerfile',
    platforms: [platform(bytes)],
    error: null,
    kind,
    ...(analyses ? { analyses } : {}),
  };
}

const ok = (a: ImageAnalysis): PlatformAnalysis[] => [{ analysis: a, error: null, layerCache: { hits: 0, reads: 1 } }];

describe('extraStages', () => {
  const stages = [{ name: 'deps' }, { name: null }, { name: 'build' }, { name: 'runtime' }];
  test.each<[number, (string | undefined)[], string[]]>([
    [1, [undefined], ['deps', 'build']],
    [2, ['runtime'], ['deps', 'build']],
    [3, ['build'], ['deps', 'runtime']],
    [4, ['Build', 'runtime'], ['deps']],
    [5, ['deps', 'build', 'runtime'], []],
  ])('%i. targets %j → %j', (_n, targets, extra) => {
    expect(extraStages(stages, targets)).toEqual(extra);
  });
  test('an unnamed last stage is not "already built" by name', () => {
    expect(extraStages([{ name: 'build' }, { name: null }], [undefined])).toEqual(['build']);
  });
});

describe('stageBudget: stage entries are informational', () => {
  const img = image({
    budget: { max: { compressed: 1 }, maxWasted: 1, ignoreHints: ['runs-as-root'] },
    targetBudgets: { build: { maxLayers: 40 } },
  });
  test.each<[number, string, Budget]>([
    [1, 'deps', { ignoreHints: ['runs-as-root'] }],
    [2, 'build', { ignoreHints: ['runs-as-root'], maxLayers: 40 }],
  ])('%i. %s', (_n, stage, budget) => {
    expect(stageBudget(img, stage)).toEqual(budget);
  });
});

describe('assembleEntries with analyses', () => {
  const resolver =
    (budgets: Record<string, Budget>): BudgetResolver =>
    (_image, target, _platform, kind) =>
      budgets[`${kind}:${target}`] ?? {};

  test('analysis, its findings and the ignore-hints filter land on the entry', () => {
    const img = image();
    const a = imageAnalysis([h('deleted-in-later-layer', '/big', 10 * MiB), h('runs-as-root', '(no USER)', 0)], 10 * MiB);
    const [entry] = assembleEntries(
      [measurement(img, 'runtime', 'target', 5 * MiB, ok(a))],
      resolver({ 'target:runtime': { maxWasted: MiB, ignoreHints: ['runs-as-root'] } }),
    );
    expect(entry?.status).toBe('over');
    expect(entry?.findings.map((f) => f.rule)).toEqual(['max-wasted']);
    expect(entry?.analysis?.hints.map((x) => x.id)).toEqual(['deleted-in-later-layer']);
    expect(entry?.analysis?.largestFiles).toHaveLength(10);
    expect(entry?.analysis?.layerCache).toEqual({ hits: 0, reads: 1 });
    expect(entry?.kind).toBeUndefined();
  });

  test('forbid sees every hint, also one the report trimmed (45 sized hints + runs-as-root)', () => {
    const sized = Array.from({ length: 45 }, (_, i) => h('vcs-directory', `/r${i}/.git`, (i + 1) * MiB));
    const a = imageAnalysis([...sized, h('runs-as-root', '(no USER)', 0)]);
    const [entry] = assembleEntries(
      [measurement(image(), 'runtime', 'target', MiB, ok(a))],
      resolver({ 'target:runtime': { forbid: ['runs-as-root'] } }),
    );
    // The report keeps the 40 largest: the zero-byte hint is not among them…
    expect(entry?.analysis?.hints).toHaveLength(REPORT_MAX_HINTS);
    expect(entry?.analysis?.hints.map((x) => x.id)).not.toContain('runs-as-root');
    // …and the budget still fails the image on it.
    expect(entry?.status).toBe('over');
    expect(entry?.findings.map((f) => f.rule)).toEqual(['forbid.runs-as-root']);
    // ignore-hints still wins over forbid.
    const [quiet] = assembleEntries(
      [measurement(image(), 'runtime', 'target', MiB, ok(a))],
      resolver({ 'target:runtime': { forbid: ['runs-as-root'], ignoreHints: ['runs-as-root'] } }),
    );
    expect(quiet?.status).toBe('ok');
  });

  test('a failed analysis is a note, never an error status', () => {
    const failed: PlatformAnalysis[] = [{ analysis: null, error: 'unexpected end of gzip', layerCache: { hits: 0, reads: 0 } }];
    const [entry] = assembleEntries(
      [measurement(image(), 'runtime', 'target', MiB, failed)],
      resolver({ 'target:runtime': { maxWasted: 1 } }),
    );
    expect(entry?.status).toBe('ok');
    expect(entry?.analysis).toBeUndefined();
    expect(entry?.notes).toEqual([
      'layer analysis failed: unexpected end of gzip',
      'max-wasted not checked: layer analysis failed: unexpected end of gzip',
    ]);
  });

  test('stages: all → the target carries the stage table; the stage entry is quiet and unbudgeted', () => {
    const img = image({ stages: 'all' });
    const runtime = measurement(img, 'runtime', 'target', 6 * MiB, ok(imageAnalysis([])));
    const build = measurement(
      img,
      'build',
      'stage',
      1200 * MiB,
      ok(imageAnalysis([h('toolchain-in-final-image', '/usr/local/go', 300 * MiB)], 2 * MiB)),
    );
    const entries = assembleEntries([runtime, build], resolver({ 'target:runtime': { max: { compressed: 10 * MiB } } }));
    const [rt, bd] = entries;
    expect(rt?.stages).toEqual([
      {
        name: 'runtime',
        current: true,
        compressedBytes: 6 * MiB,
        uncompressedBytes: 12 * MiB,
        wastedBytes: 0,
        hasToolchain: false,
        hintIds: [],
      },
      {
        name: 'build',
        current: false,
        compressedBytes: 1200 * MiB,
        uncompressedBytes: 2400 * MiB,
        wastedBytes: 2 * MiB,
        hasToolchain: true,
        hintIds: ['toolchain-in-final-image'],
      },
    ]);
    expect(bd).toMatchObject({ kind: 'stage', status: 'ok', findings: [], budget: { max: null, warn: null, maxLayers: null } });
    expect(bd?.stages).toBeUndefined();
    expect(bd?.analysis?.hints).toEqual([]);
    expect(bd?.analysis?.wastedBytes).toBe(2 * MiB);
    // What the pipeline writes, the untrusted-report parser reads back unchanged.
    const r = report(entries);
    expect(parseReport(JSON.stringify(r), 'r.json')).toEqual(JSON.parse(JSON.stringify(r)));
  });

  // A builder target: the analysis found its hints; the report shows only those its budget forbids.
  const builderHints = [
    h('toolchain-in-final-image', '/usr/local/go', 300 * MiB),
    h('package-manager-cache', '/var/lib/apt/lists', 20 * MiB),
    h('runs-as-root', '(no USER)', 0),
  ];
  test.each<[string, boolean, Budget, string[], string[]]>([
    // [case, builder target, its budget, hints shown, findings]
    ['what ships shows every hint', false, {}, ['toolchain-in-final-image', 'package-manager-cache', 'runs-as-root'], []],
    ['a builder target shows none unasked', true, {}, [], []],
    ['a builder target: a forbidden hint still applies', true, { forbid: ['runs-as-root'] }, ['runs-as-root'], ['forbid.runs-as-root']],
    [
      'a builder target: forbid two, one of them ignored',
      true,
      { forbid: ['runs-as-root', 'package-manager-cache'], ignoreHints: ['runs-as-root'] },
      ['package-manager-cache'],
      ['forbid.package-manager-cache'],
    ],
    [
      'what ships: ignore-hints still silences',
      false,
      { ignoreHints: ['runs-as-root'] },
      ['toolchain-in-final-image', 'package-manager-cache'],
      [],
    ],
  ])('hints for what ships only: %s', (_case, builderTarget, budget, shown, findings) => {
    const a = imageAnalysis(builderHints, 0, 2, builderTarget);
    const [entry] = assembleEntries([measurement(image(), 'builder', 'target', MiB, ok(a))], resolver({ 'target:builder': budget }));
    expect(entry?.analysis?.hints.map((x) => x.id)).toEqual(shown);
    expect(entry?.findings.map((f) => f.rule)).toEqual(findings);
  });

  test('stages: all → a builder target keeps its toolchain in the stage table, its hints quieted', () => {
    const img = image({ stages: 'all', targets: ['builder', 'runtime'] });
    const builder = measurement(img, 'builder', 'target', 900 * MiB, ok(imageAnalysis(builderHints, 0, 2, true)));
    const runtime = measurement(img, 'runtime', 'target', 6 * MiB, ok(imageAnalysis([h('runs-as-root', '(no USER)', 0)])));
    const [bd, rt] = assembleEntries([builder, runtime], resolver({}));
    expect(bd?.stages?.find((s) => s.name === 'builder')).toMatchObject({ hasToolchain: true });
    expect(bd?.analysis?.hints).toEqual([]);
    expect(rt?.analysis?.hints.map((x) => x.id)).toEqual(['runs-as-root']);
  });

  test('a single-stage Dockerfile whose image ships a toolchain is flagged', () => {
    const img = image({ stages: 'all', targets: [undefined] });
    const gcc = [h('toolchain-in-final-image', '/usr/lib/gcc', MiB)];
    const [entry] = assembleEntries([measurement(img, undefined, 'target', MiB, ok(imageAnalysis(gcc, 0, 1)))], resolver({}));
    expect(entry?.singleStageWithToolchain).toBe(true);
    expect(entry?.stages?.map((s) => s.name)).toEqual([null]);
  });

  test('a two-stage Dockerfile with an unnamed builder (one row in the table) is not "one stage"', () => {
    const img = image({ stages: 'all', targets: [undefined] });
    const gcc = [h('toolchain-in-final-image', '/usr/lib/gcc', MiB)];
    const [entry] = assembleEntries([measurement(img, undefined, 'target', MiB, ok(imageAnalysis(gcc, 0, 2)))], resolver({}));
    expect(entry?.stages).toHaveLength(1);
    expect(entry?.stages?.[0]?.hasToolchain).toBe(true);
    expect(entry?.singleStageWithToolchain).toBeUndefined();
  });
});

describe('toReportAnalysis keeps the report small', () => {
  test('hints capped, largest first, long text clipped', () => {
    const hints = Array.from({ length: 60 }, (_, i) => h('vcs-directory', `/r${i}/.git${'x'.repeat(i === 0 ? 5000 : 0)}`, i * 10));
    const a = toReportAnalysis(imageAnalysis(hints));
    expect(a.hints).toHaveLength(REPORT_MAX_HINTS);
    expect(a.hintsOmitted).toBe(60 - REPORT_MAX_HINTS);
    expect(a.hints[0]?.bytes).toBe(590);
    expect(JSON.stringify(a).length).toBeLessThan(20_000);
    expect(a.layers).toEqual([]); // per-layer records are in the report now (none in this fixture)
  });
  test('per-layer added/changed/removed reach the report, compact, and survive the untrusted-report parser', async () => {
    const layers = await layersOf(
      [[dir('d'), file('d/a', 100), file('d/b', 50)], [file('d/a', 70), file('c', 5)], [whiteout('d/b')]],
      [null, 2, 3],
    );
    const a = toReportAnalysis(await analyzeImage({ layers }));
    expect(a.layers).toEqual([
      {
        digest: layers[0]!.digest,
        dockerfile: null,
        added: { files: 2, bytes: 150 },
        changed: { files: 0, bytes: 0, replacedBytes: 0 },
        removed: { files: 0, bytes: 0 },
      },
      {
        digest: layers[1]!.digest,
        dockerfile: { path: 'Dockerfile', line: 2 },
        added: { files: 1, bytes: 5 },
        changed: { files: 1, bytes: 70, replacedBytes: 100 },
        removed: { files: 0, bytes: 0 },
      },
      {
        digest: layers[2]!.digest,
        dockerfile: { path: 'Dockerfile', line: 3 },
        added: { files: 0, bytes: 0 },
        changed: { files: 0, bytes: 0, replacedBytes: 0 },
        removed: { files: 1, bytes: 50 },
      },
    ]);
    const r = report([entry({ name: 'app', analysis: a })]);
    expect(parseReport(JSON.stringify(r), 'r.json').images[0]?.analysis?.layers).toEqual(a.layers);
  });

  test('a NaN ratio never reaches the report', () => {
    const a = toReportAnalysis({
      ...imageAnalysis([]),
      efficiency: Number.NaN,
      dive: { efficiency: Number.NaN, wastedBytes: 0, userFileBytes: 0 },
    });
    expect(a.efficiency).toBe(1);
    expect(a.dive?.efficiency).toBe(1);
  });
});
