import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { analyzeImage } from '../../../src/analysis/analyze-image.js';
import { cacheGeneration, decodeScan, encodeScan, openLayerCache, SCAN_FORMAT_VERSION } from '../../../src/analysis/layer-cache.js';
import { VERSION } from '../../../src/version.js';
import { stageReport } from '../../../src/analysis/stage-report.js';
import { dir, file, hardlink, layersOf, symlink, textFile, whiteout } from './helpers.js';

const MB = 1 << 20;

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'ib-analysis-unit-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const DOCKERFILE = 'FROM busybox:1.35\nRUN make-junk\nRUN rm /tmp/junk\nUSER 1000\n';

describe('analyzeImage', () => {
  /** The layers of `layersOf`, each counting how many of them are open at once. */
  async function countedLayers(specs: Parameters<typeof layersOf>[0]) {
    const layers = await layersOf(specs);
    const seen = { open: 0, most: 0 };
    for (const layer of layers) {
      const original = layer.blob.stream.bind(layer.blob);
      layer.blob.stream = () => {
        seen.open += 1;
        seen.most = Math.max(seen.most, seen.open);
        return original().on('close', () => (seen.open -= 1));
      };
    }
    return { layers, seen };
  }

  it('reads two layers at a time when asked, and merges them in layer order whatever order they finish in', async () => {
    const { layers, seen } = await countedLayers([[file('a', 3 * MB)], [whiteout('a'), file('b', 10)], [file('a', 5)], [file('c', 1)]]);
    const a = await analyzeImage({ layers, concurrency: 2 });
    expect(seen.most).toBe(2);
    // In order: a (3 MiB) deleted by layer 2, a written again by layer 3.
    expect(a.wastedBytes).toBe(3 * MB);
    expect(a.finalFileBytes).toBe(5 + 10 + 1);
  });

  it('by default reads big layers one at a time while other work holds the cores', async () => {
    const { layers, seen } = await countedLayers([[file('a', 10)], [file('b', 10)], [file('c', 10)]]);
    const a = await analyzeImage({ layers, layerBytes: layers.map(() => 1 << 30), busy: 64 });
    expect(seen.most).toBe(1);
    expect(a.finalFileBytes).toBe(30);
  });

  it('figures, per-layer changes, hints with Dockerfile lines', async () => {
    const layers = await layersOf(
      [
        [dir('bin'), file('bin/busybox', 1000), hardlink('bin/sh', 'bin/busybox'), symlink('bin/ls', 'busybox')],
        [dir('tmp'), file('tmp/junk', 2 * MB), file('etc-file', 10)],
        [whiteout('tmp/junk')],
      ],
      [null, 2, 3],
    );
    const a = await analyzeImage({ layers, dockerfile: { path: 'Dockerfile', text: DOCKERFILE } });
    expect(a.totalFileBytes).toBe(1000 + 2 * MB + 10);
    expect(a.finalFileBytes).toBe(1010);
    expect(a.wastedBytes).toBe(2 * MB);
    expect(a.efficiency).toBeCloseTo(1010 / (1010 + 2 * MB), 12);
    // dive: /tmp/junk has two copies (2 MiB + whiteout 0): cum 2 MiB, min 0.
    expect(a.dive).toEqual({ wastedBytes: 2 * MB, efficiency: 1010 / (1010 + 2 * MB), userFileBytes: 2 * MB + 10 });
    expect(a.largestFiles[0]).toEqual({ path: '/bin/busybox', bytes: 1000 });
    expect(a.largestDirectories[0]).toEqual({ path: '/bin', bytes: 1000 });
    expect(a.layers.map((l) => [l.index, l.added.count, l.removed.count, l.removed.bytes, l.dockerfile?.line ?? null])).toEqual([
      [0, 1, 0, 0, null],
      [1, 2, 0, 0, 2],
      [2, 0, 1, 2 * MB, 3],
    ]);
    expect(a.hints.map((h) => h.id)).toEqual(['deleted-in-later-layer']);
    expect(a.hints[0]).toMatchObject({
      path: '/tmp/junk',
      bytes: 2 * MB,
      layer: layers[1]!.digest,
      dockerfile: { path: 'Dockerfile', line: 2 },
      removedBy: { layer: layers[2]!.digest, dockerfile: { path: 'Dockerfile', line: 3 } },
    });
    expect(layers.map((l) => l.blob.streams)).toEqual([1, 1, 1]);
  });

  it("dev-dependencies from the final image's node_modules/.package-lock.json, read from its layer and cached", async () => {
    const lock = (dev: boolean) =>
      JSON.stringify({
        name: 'app',
        lockfileVersion: 3,
        packages: {
          'node_modules/esbuild': { version: '0.20.0', ...(dev ? { dev: true } : {}) },
          'node_modules/express': { version: '4.19.0' },
        },
      });
    const app = [file('app/node_modules/esbuild/bin/esbuild', 9000), file('app/node_modules/express/index.js', 700)];
    const devHints = async (layers: Awaited<ReturnType<typeof layersOf>>, cache?: ReturnType<typeof openLayerCache>) =>
      (await analyzeImage({ layers, ...(cache ? { cache } : {}) })).hints
        .filter((h) => h.id === 'dev-dependencies')
        .map((h) => [h.path, h.bytes]);
    // Installed with dev dependencies: esbuild is one (no name list knows it).
    const withDev = await layersOf([[...app, textFile('app/node_modules/.package-lock.json', lock(true))]]);
    const cache = openLayerCache(tmp);
    expect(await devHints(withDev, cache)).toEqual([['/app/node_modules/esbuild', 9000]]);
    // The same layer from the cache: the lockfile's dev flags come back with it.
    const again = await layersOf([[...app, textFile('app/node_modules/.package-lock.json', lock(true))]]);
    expect(await devHints(again, cache)).toEqual([['/app/node_modules/esbuild', 9000]]);
    expect(again[0]!.blob.streams).toBe(0);
    // A later layer rewrote the lockfile (esbuild now a prod dependency): the final copy decides.
    const rewritten = await layersOf([
      [...app, textFile('app/node_modules/.package-lock.json', lock(true))],
      [textFile('app/node_modules/.package-lock.json', lock(false))],
    ]);
    expect(await devHints(rewritten)).toEqual([]);
  });

  it('an image with no files scores 1 and wastes nothing', async () => {
    const a = await analyzeImage({ layers: await layersOf([[dir('empty')]]) });
    expect(a).toMatchObject({ wastedBytes: 0, efficiency: 1, totalFileBytes: 0, dive: { efficiency: 1, wastedBytes: 0 } });
  });

  it('ignoreHints silences ids', async () => {
    const layers = await layersOf([[file('a', 2 * MB)], [whiteout('a')]]);
    const a = await analyzeImage({ layers, ignoreHints: ['deleted-in-later-layer'] });
    expect(a.hints).toEqual([]);
    expect(a.wastedBytes).toBe(2 * MB);
  });
});

describe('layer cache', () => {
  it('a second analysis reads no blob and gives the same result', async () => {
    const cache = openLayerCache(join(tmp, 'cache'));
    const layers = await layersOf([
      [dir('a'), file('a/x', 5000), hardlink('a/y', 'a/x')],
      [file('a/x', 10), symlink('l', 'a/x')],
    ]);
    const first = await analyzeImage({ layers, cache });
    expect(layers.map((l) => l.blob.streams)).toEqual([1, 1]);
    expect(await readdir(join(tmp, 'cache'))).toEqual([cacheGeneration()]);
    expect((await readdir(join(tmp, 'cache', cacheGeneration()))).sort()).toEqual(
      layers.map((l) => `${l.digest.replace(':', '-')}.json.gz`).sort(),
    );
    const second = await analyzeImage({ layers, cache });
    expect(layers.map((l) => l.blob.streams)).toEqual([1, 1]);
    expect(second).toEqual(first);
  });

  it("a release never reads another release's scans, and its first write removes them", async () => {
    const dirPath = join(tmp, 'cache');
    const layers = await layersOf([[file('x', 42)]]);
    const old = openLayerCache(dirPath, { version: '0.0.9' });
    await analyzeImage({ layers, cache: old });
    expect(layers[0]!.blob.streams).toBe(1);
    // Format 1 kept flat files in the directory itself.
    await writeFile(
      join(dirPath, `${layers[0]!.digest.replace(':', '-')}.json.gz`),
      encodeScan({ digest: layers[0]!.digest, entries: [] }, '0.0.8'),
    );
    await writeFile(join(dirPath, 'README'), 'not ours');
    expect(VERSION).not.toBe('0.0.9');
    const current = openLayerCache(dirPath);
    expect(await current.get(layers[0]!.digest)).toBeNull();
    await analyzeImage({ layers, cache: current });
    expect(layers[0]!.blob.streams).toBe(2);
    expect((await readdir(dirPath)).sort()).toEqual(['README', cacheGeneration()]);
    // The same file bytes written by another version are refused even at this version's path.
    const path = current.fileFor(layers[0]!.digest)!;
    await writeFile(path, encodeScan({ digest: layers[0]!.digest, entries: [] }, '0.0.9'));
    expect(await current.get(layers[0]!.digest)).toBeNull();
    expect(cacheGeneration('1.2.3')).toBe(`scan${SCAN_FORMAT_VERSION}-1.2.3`);
  });

  it('a layer shared by two images is read once', async () => {
    const cache = openLayerCache(join(tmp, 'cache'));
    const [base] = await layersOf([[file('base', 100)]]);
    const [pr] = await layersOf([[file('pr', 7)]]);
    await analyzeImage({ layers: [base!], cache });
    await analyzeImage({ layers: [base!, pr!], cache });
    expect([base!.blob.streams, pr!.blob.streams]).toEqual([1, 1]);
  });

  it('corrupt or mismatched files are ignored and rewritten', async () => {
    const dirPath = join(tmp, 'cache');
    const cache = openLayerCache(dirPath);
    const layers = await layersOf([[file('x', 42)]]);
    const digest = layers[0]!.digest;
    const path = cache.fileFor(digest)!;
    await analyzeImage({ layers, cache });
    for (const bad of [
      Buffer.from('not gzip'),
      gzipSync('{"v":1'),
      encodeScan({ digest: 'sha256:other', entries: [] }),
      gzipSync(JSON.stringify({ v: 999, digest })),
    ]) {
      await writeFile(path, bad);
      const before = layers[0]!.blob.streams;
      const a = await analyzeImage({ layers, cache });
      expect(a.totalFileBytes).toBe(42);
      expect(layers[0]!.blob.streams).toBe(before + 1);
      expect(decodeScan(await readFile(path), digest)?.entries.map((e) => e.path)).toEqual(['x']);
    }
  });

  it('digests that are not algorithm:hex are not cached (no path tricks)', () => {
    const cache = openLayerCache(tmp);
    expect(cache.fileFor('sha256:../../etc')).toBeNull();
    expect(cache.fileFor(`sha256:${'ab'.repeat(32)}`)).toBe(join(tmp, cacheGeneration(), `sha256-${'ab'.repeat(32)}.json.gz`));
  });
});

describe('stageReport', () => {
  it('flags a single stage with a toolchain', () => {
    const app = {
      name: 'app',
      compressedBytes: 10,
      uncompressedBytes: 20,
      hints: [{ id: 'toolchain-in-final-image' }, { id: 'runs-as-root' }],
    };
    const one = stageReport([app], 1);
    expect(one).toEqual({
      rows: [
        {
          name: 'app',
          compressedBytes: 10,
          uncompressedBytes: 20,
          hasToolchain: true,
          hintIds: ['runs-as-root', 'toolchain-in-final-image'],
        },
      ],
      singleStageWithToolchain: true,
    });
    const two = stageReport(
      [
        { name: 'build', compressedBytes: 100, uncompressedBytes: 300, hints: [{ id: 'toolchain-in-final-image' }] },
        { name: 'runtime', compressedBytes: 5, uncompressedBytes: 9, hints: [] },
      ],
      2,
    );
    expect(two.singleStageWithToolchain).toBe(false);
    expect(two.rows.map((r) => r.hasToolchain)).toEqual([true, false]);
    // One row, but the Dockerfile has two stages (the builder unnamed, or its build failed): not "one stage".
    expect(stageReport([app], 2).singleStageWithToolchain).toBe(false);
    expect(stageReport([app], null).singleStageWithToolchain).toBe(false);
  });
});
