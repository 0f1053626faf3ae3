/**
 * Layer analysis through the real CLI (`bin/image-budget.js` → the bundle; run `npm run bundle`
 * first): wasted bytes and hints with Dockerfile lines, the analysis budgets, the stage report
 * and the layer cache across runs. Real buildx builds of small busybox images.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cacheGeneration } from '../../../src/analysis/layer-cache.js';
import type { Report, ReportEntry } from '../../../src/types.js';
import { runCli, type CliRun } from '../../support/run-cli.js';

const MiB = 1024 * 1024;

// Line numbers matter: the tests assert them.
const WASTE_DOCKERFILE = [
  'FROM busybox:1.35', // 1
  'RUN dd if=/dev/urandom of=/big.bin bs=1M count=10 2>/dev/null', // 2
  'RUN rm /big.bin', // 3
  'USER 10001', // 4
  '',
].join('\n');

const TOOL_DOCKERFILE = [
  'FROM busybox:1.35 AS build', // 1
  'RUN mkdir -p /usr/local/go/bin && dd if=/dev/urandom of=/usr/local/go/bin/go bs=1k count=512 2>/dev/null', // 2
  'RUN dd if=/dev/urandom of=/sdk.bin bs=1M count=3 2>/dev/null && echo ok > /app', // 3
  'FROM busybox:1.35 AS runtime', // 4
  'COPY --from=build /usr/local/go /usr/local/go', // 5
  'COPY --from=build /app /app', // 6
  'USER 10001', // 7
  '',
].join('\n');

const BUDGET = `version: 1
images:
  waste:
    context: waste
    budget:
      max-wasted: 5MB
  tool:
    context: tool
    target: runtime
    stages: all
    budget:
      forbid: [toolchain-in-final-image]
`;

let dir: string;
let first: CliRun;
let report: Report;

const entry = (r: Report, name: string, target: string | null = null): ReportEntry => {
  const found = r.images.find((e) => e.name === name && e.target === target);
  if (!found) throw new Error(`no entry ${name}:${target} in ${r.images.map((e) => `${e.name}:${e.target}`).join(', ')}`);
  return found;
};

async function check(args: string[]): Promise<{ run: CliRun; report: Report }> {
  const run = await runCli(
    [
      'check',
      '--config',
      'budget.yml',
      '--json',
      'out/report.json',
      '--markdown',
      'out/report.md',
      '--cache-dir',
      '.image-budget/cache/layers',
      ...args,
    ],
    { cwd: dir },
  );
  return { run, report: JSON.parse(await readFile(path.join(dir, 'out/report.json'), 'utf8')) as Report };
}

async function cacheFiles(): Promise<Map<string, number>> {
  const cacheDir = path.join(dir, '.image-budget/cache/layers', cacheGeneration());
  const files = new Map<string, number>();
  for (const name of await readdir(cacheDir)) files.set(name, (await stat(path.join(cacheDir, name))).mtimeMs);
  return files;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ib-analysis-pipeline-'));
  await mkdir(path.join(dir, 'waste'));
  await mkdir(path.join(dir, 'tool'));
  await writeFile(path.join(dir, 'waste/Dockerfile'), WASTE_DOCKERFILE);
  await writeFile(path.join(dir, 'tool/Dockerfile'), TOOL_DOCKERFILE);
  await writeFile(path.join(dir, 'budget.yml'), BUDGET);
  ({ run: first, report } = await check([]));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('first run', () => {
  test('exit 1: both images over their analysis budgets', () => {
    expect(first.exitCode, first.stderr).toBe(1);
    expect(entry(report, 'waste').status).toBe('over');
    expect(entry(report, 'tool', 'runtime').status).toBe('over');
  });

  test('a 10 MiB file deleted in a later layer is wasted, with a hint at the RUN that wrote it', () => {
    const a = entry(report, 'waste').analysis!;
    expect(a.wastedBytes).toBeGreaterThanOrEqual(10 * MiB);
    expect(a.efficiency).toBeLessThan(1);
    const hint = a.hints.find((h) => h.id === 'deleted-in-later-layer');
    expect(hint).toMatchObject({ path: '/big.bin', bytes: 10 * MiB, dockerfile: { path: 'waste/Dockerfile', line: 2 } });
    expect(hint?.removedBy?.dockerfile).toMatchObject({ path: 'waste/Dockerfile', line: 3 });
    expect(hint?.fix).toMatch(/same RUN/);
  });

  test('max-wasted: 5MB fails with a finding naming the wasted bytes', () => {
    const finding = entry(report, 'waste').findings.find((f) => f.rule === 'max-wasted');
    expect(finding?.status).toBe('over');
    expect(finding?.message).toMatch(/^10\.\d+ MB wasted > max-wasted 5 MB$/);
  });

  test('forbid: [toolchain-in-final-image] fails naming the path and the COPY line', () => {
    const findings = entry(report, 'tool', 'runtime').findings.filter((f) => f.rule === 'forbid.toolchain-in-final-image');
    expect(findings.length).toBeGreaterThanOrEqual(1);
    expect(findings[0]?.message).toMatch(/^forbidden hint toolchain-in-final-image: \/usr\/local\/go.* at tool\/Dockerfile:5$/);
    expect(first.stdout).toMatch(/OVER tool:runtime \S+: forbidden hint toolchain-in-final-image: \/usr\/local\/go.*tool\/Dockerfile:5/);
  });

  test('stages: all builds the builder stage next to the runtime, informational', () => {
    const build = entry(report, 'tool', 'build');
    const runtime = entry(report, 'tool', 'runtime');
    expect(build.kind).toBe('stage');
    expect(build.status).toBe('ok');
    expect(build.findings).toEqual([]);
    expect(build.budget).toMatchObject({ max: null, warn: null, maxLayers: null });
    expect(build.uncompressedBytes!).toBeGreaterThan(runtime.uncompressedBytes! + 2 * MiB);
    expect(runtime.stages?.map((s) => [s.name, s.current])).toEqual([
      ['runtime', true],
      ['build', false],
    ]);
    expect(runtime.stages?.[1]).toMatchObject({
      compressedBytes: build.compressedBytes,
      uncompressedBytes: build.uncompressedBytes,
      hasToolchain: true,
    });
    expect(build.analysis?.hints).toEqual([]); // a builder's toolchain is no news: ids stay in the table
    expect(runtime.stages?.[1]?.hintIds).toContain('toolchain-in-final-image');
    expect(first.stdout).toMatch(/stages of tool:runtime/);
  });

  test('the terminal shows wasted bytes, efficiency and the top hint with file:line and the fix', () => {
    expect(first.stdout).toMatch(/waste \S+: 10\.\d+ MB wasted, efficiency \d+\.\d%/);
    expect(first.stdout).toMatch(/deleted-in-later-layer waste\/Dockerfile:2 \/big\.bin 10\.\d+ MB/);
    expect(first.stdout).toMatch(/fix: Create and delete the files in the same RUN/);
  });

  test('the markdown report has a collapsible "what to slim" block per image', async () => {
    const md = await readFile(path.join(dir, 'out/report.md'), 'utf8');
    expect(md).toContain('### What to slim');
    expect(md).toMatch(/<details><summary>waste · [^<]+: 10\.\d+ MB wasted/);
    expect(md).toMatch(/\*\*deleted\\-in\\-later\\-layer\*\* `\/big\.bin` \(10\.\d+ MB\) at `waste\/Dockerfile:2`/);
    expect(md).toContain('**Largest files**');
    expect(Buffer.byteLength(md)).toBeLessThan(1024 * 1024);
  });
});

test('first run: each distinct layer is read once, shared ones (the busybox base) then come from the cache', () => {
  const analysed = report.images.filter((e) => e.analysis);
  const distinct = new Set(analysed.flatMap((e) => e.layers.map((l) => l.digest)));
  const total = analysed.reduce((n, e) => n + (e.layerCount ?? 0), 0);
  expect(analysed.reduce((n, e) => n + e.analysis!.layerCache!.reads, 0)).toBe(distinct.size);
  expect(analysed.reduce((n, e) => n + e.analysis!.layerCache!.hits, 0)).toBe(total - distinct.size);
  expect(distinct.size).toBeLessThan(total);
});

describe('second run', () => {
  test('every layer comes from the cache: no blob read, no cache file rewritten', async () => {
    const before = await cacheFiles();
    expect(before.size).toBeGreaterThan(0);
    const second = await check([]);
    expect(second.run.exitCode).toBe(1);
    const analysed = second.report.images.filter((e) => e.analysis);
    expect(analysed.length).toBe(3);
    for (const e of analysed) {
      expect(e.analysis?.layerCache).toEqual({ hits: e.layerCount, reads: 0 });
    }
    expect(await cacheFiles()).toEqual(before);
    // Same figures from the cache as from the blobs.
    expect(entry(second.report, 'waste').analysis?.wastedBytes).toBe(entry(report, 'waste').analysis?.wastedBytes);
  });

  test('--no-analyze: no analysis, the analysis budgets skipped with a note, exit 0', async () => {
    const { run, report: off } = await check(['--no-analyze']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(off.images.every((e) => e.analysis === undefined)).toBe(true);
    expect(entry(off, 'waste').notes).toContain('max-wasted not checked: layer analysis is off');
  });
});

test('an unknown hint id is a config error with a suggestion (exit 2)', async () => {
  await writeFile(
    path.join(dir, 'bad.yml'),
    'version: 1\nimages:\n  waste:\n    context: waste\n    budget:\n      forbid: [toolchain-in-final-imag]\n',
  );
  const run = await runCli(['check', '--config', 'bad.yml'], { cwd: dir });
  expect(run.exitCode).toBe(2);
  expect(run.stderr).toMatch(
    /bad\.yml:6:\d+ images\.waste\.budget\.forbid\.0: unknown hint id "toolchain-in-final-imag"; did you mean `toolchain-in-final-image`\?/,
  );
});
