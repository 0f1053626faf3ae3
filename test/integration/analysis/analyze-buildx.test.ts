/**
 * Real buildx builds exported as OCI layouts, analysed layer by layer. Expected numbers come
 * from what each RUN writes (dd sizes); the layers' Dockerfile lines come from the measure
 * stage's history mapping, as in the pipeline, so a hint on the wrong line fails here.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeImage } from '../../../src/analysis/analyze-image.js';
import { openLayerCache } from '../../../src/analysis/layer-cache.js';
import { scanLayer } from '../../../src/analysis/read-layer.js';
import { pushHandMadeImage, tarOf } from './hand-made-image.js';
import { buildOci, layoutImage, layoutLayers } from './oci-layout.js';

const MiB = 1 << 20;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ib-analysis-itg-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function contextWith(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(work, name);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

const WASTE_DOCKERFILE = [
  'FROM busybox:1.35',
  'RUN dd if=/dev/urandom of=/big bs=1048576 count=10 && mkdir -p /d && echo old > /d/old && dd if=/dev/urandom of=/d/olddata bs=1024 count=64 && dd if=/dev/urandom of=/over bs=1024 count=2048 && dd if=/dev/urandom of=/h1 bs=1024 count=100 && ln /h1 /h2 && ln -s /h1 /sym',
  'RUN rm /big',
  'RUN dd if=/dev/urandom of=/over bs=1024 count=1024',
  'RUN rm -rf /d && mkdir /d && echo x > /d/new',
  'RUN rm /h1',
  '',
].join('\n');

describe('deleted, overwritten, re-created directory, hard links, symlinks', () => {
  let context: string;
  beforeAll(async () => {
    context = await contextWith('waste', { Dockerfile: WASTE_DOCKERFILE });
  });

  for (const compression of ['gzip', 'zstd'] as const) {
    it(`exact figures, ours and dive's, with hints on the right lines (${compression})`, async () => {
      const dest = join(work, `waste-${compression}`);
      await buildOci({ context, dest, tag: `ib-analysis-waste:${compression}`, compression });
      const { layers, user } = await layoutImage(dest, { path: 'Dockerfile', text: WASTE_DOCKERFILE });
      if (compression === 'zstd') expect(layers.slice(1).every((l) => l.mediaType.endsWith('+zstd'))).toBe(true);
      const a = await analyzeImage({ layers, dockerfile: { path: 'Dockerfile', text: WASTE_DOCKERFILE }, imageUser: user });
      // Each layer's line comes from the measure stage's history mapping: the RUN that made it
      // (the hard-link removal included).
      expect(a.layers.map((l) => l.dockerfile?.line ?? null)).toEqual([null, 2, 3, 4, 5, 6]);

      const base = a.layers[0]!.addedFileBytes; // busybox: every path once
      const big = 10 * MiB;
      const dFiles = 4 + 64 * 1024; // "old\n" + olddata
      const over1 = 2 * MiB;
      const over2 = 1 * MiB;
      const h1 = 100 * 1024;
      // Ours: big, /d's files and the first /over are gone; h1's bytes live on as /h2.
      expect(a.totalFileBytes).toBe(base + big + dFiles + over1 + h1 + over2 + 2);
      expect(a.finalFileBytes).toBe(base + over2 + h1 + 2);
      expect(a.wastedBytes).toBe(big + dFiles + over1);
      expect(a.efficiency).toBeCloseTo(a.finalFileBytes / a.totalFileBytes, 12);
      // dive: every path with two copies is waste in full: /big, /over (both copies), /d/old and
      // /d/olddata (BuildKit whites them out one by one), and /h1 (dive ignores the /h2 link).
      expect(a.dive.wastedBytes).toBe(big + over1 + over2 + dFiles + h1);
      const diveMin = base + 0 + over2 + 0 + 0 + 0 + 2;
      const diveCum = base + big + over1 + over2 + dFiles + h1 + 2;
      expect(a.dive.efficiency).toBeCloseTo(diveMin / diveCum, 12);

      expect(a.layers.map((l) => [l.removed.count, l.removed.bytes])).toEqual([
        [0, 0],
        [0, 0],
        [1, big],
        [0, 0],
        [2, dFiles],
        [1, 0], // /h1 unlinked, its bytes stay with /h2
      ]);
      expect(a.layers[3]!.changed).toMatchObject({ count: 1, bytes: over2, replacedBytes: over1 });
      expect(a.layers[4]!.added).toMatchObject({ count: 1, bytes: 2 });

      const ids = a.hints.map((h) => h.id);
      expect(ids).toEqual(['deleted-in-later-layer', 'overwritten-in-later-layer', 'runs-as-root']);
      expect(a.hints[0]).toMatchObject({
        path: '/big',
        bytes: big,
        layer: layers[1]!.digest,
        dockerfile: { path: 'Dockerfile', line: 2 },
        removedBy: { layer: layers[2]!.digest, dockerfile: { path: 'Dockerfile', line: 3 } },
      });
      expect(a.hints[1]).toMatchObject({
        path: '/over',
        bytes: over1,
        dockerfile: { path: 'Dockerfile', line: 2 },
        removedBy: { dockerfile: { path: 'Dockerfile', line: 4 } },
      });
      // busybox sets no User and neither does this Dockerfile: the config says root.
      expect(user).toBe('');
      expect(a.hints[2]).toMatchObject({ dockerfile: { path: 'Dockerfile', line: 1 } });
      expect(a.hints[2]!.message).toContain("image config's User is unset");
      expect(a.largestFiles).toContainEqual({ path: '/over', bytes: over2 });
      expect(a.largestFiles).toContainEqual({ path: '/h2', bytes: h1 });
    });
  }

  it('a second run with the cache reads no blob', async () => {
    const dest = join(work, 'waste-gzip');
    const cache = openLayerCache(join(work, 'cache'));
    const first = await layoutLayers(dest, { path: 'Dockerfile', text: WASTE_DOCKERFILE });
    const a1 = await analyzeImage({ layers: first, cache });
    expect(first.map((l) => l.blob.streams)).toEqual([1, 1, 1, 1, 1, 1]);
    const second = await layoutLayers(dest, { path: 'Dockerfile', text: WASTE_DOCKERFILE });
    const a2 = await analyzeImage({ layers: second, cache });
    expect(second.map((l) => l.blob.streams)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(a2).toEqual(a1);
  });
});

describe('an opaque directory in a real image', () => {
  it('ours counts the bytes the opaque marker hides, dive does not (it ignores opaque whiteouts)', async () => {
    // A base image made by hand (no builder here writes `.wh..wh..opq`), built FROM with buildx.
    const hidden = 3 * MiB + 17;
    const other = 4096;
    const base = await pushHandMadeImage({
      repo: 'ib-analysis-opaque-base',
      tag: '1',
      layers: [
        await tarOf([
          { path: 'd/', type: 'directory' },
          { path: 'd/hidden', size: hidden },
          { path: 'd/other', size: other },
          { path: 'keep', size: 10 },
        ]),
        await tarOf([
          { path: 'd/', type: 'directory' },
          { path: 'd/.wh..wh..opq', size: 0 },
          { path: 'd/new', size: 5 },
        ]),
      ],
    });
    const text = `FROM ${base}\nCOPY added.txt /added.txt\n`;
    const context = await contextWith('opaque', { Dockerfile: text, 'added.txt': 'added\n' });
    const dest = join(work, 'opaque');
    await buildOci({ context, dest, tag: 'ib-analysis-opaque:1' });
    const { layers } = await layoutImage(dest, { path: 'Dockerfile', text });
    expect(layers).toHaveLength(3);
    // The exported image really carries the marker.
    const second = await scanLayer(layers[1]!.blob.stream(), { mediaType: layers[1]!.mediaType, digest: layers[1]!.digest });
    expect(second.entries.map((e) => e.path)).toContain('d/.wh..wh..opq');

    const a = await analyzeImage({ layers, dockerfile: { path: 'Dockerfile', text } });
    expect(a.layers.map((l) => l.dockerfile?.line ?? null)).toEqual([null, null, 2]);
    expect(a.totalFileBytes).toBe(hidden + other + 10 + 5 + 6);
    expect(a.finalFileBytes).toBe(10 + 5 + 6);
    expect(a.wastedBytes).toBe(hidden + other);
    expect(a.layers[1]!.removed).toMatchObject({ count: 2, bytes: hidden + other });
    expect(a.hints.find((h) => h.id === 'deleted-in-later-layer')).toMatchObject({
      path: '/d/hidden',
      bytes: hidden + other,
      layer: layers[0]!.digest,
      dockerfile: null,
      removedBy: { layer: layers[1]!.digest, dockerfile: null },
    });
    // dive drops `.wh..wh..opq` from its tree: every path is seen once, nothing is waste.
    // userFileBytes: what the layers above the first add (d/new 5, added.txt 6).
    expect(a.dive).toEqual({ wastedBytes: 0, efficiency: 1, userFileBytes: 5 + 6 });
  });
});

describe("symlinked parent directories, as containerd's applier resolves them", () => {
  it("a lower layer's symlink is hidden by the directory an entry under it creates; the same layer's symlink is followed", async () => {
    const base = await pushHandMadeImage({
      repo: 'ib-analysis-symlink-base',
      tag: '2',
      layers: [
        await tarOf([
          { path: 'usr/', type: 'directory' },
          { path: 'usr/lib/', type: 'directory' },
          { path: 'usr/lib/old', size: 70 },
          { path: 'lib', type: 'symlink', linkname: 'usr/lib' },
        ]),
        await tarOf([
          { path: 'lib/x', size: 100 },
          { path: 'lib64', type: 'symlink', linkname: 'usr/lib' },
          { path: 'lib64/y', size: 10 },
        ]),
      ],
    });
    const text = [
      `FROM ${base} AS base`,
      'COPY marker /marker',
      'FROM busybox:1.35 AS probe',
      // What the engine made of the base (dockerd 26, containerd image store, overlay snapshotter):
      // the build fails unless lib became a directory holding x, and y went through lib64 into usr/lib.
      'COPY --from=base / /base/',
      'RUN test -d /base/lib && ! test -L /base/lib && test -f /base/lib/x && ! test -e /base/usr/lib/x && test -L /base/lib64 && test -f /base/usr/lib/y && test -f /base/usr/lib/old',
      '',
    ].join('\n');
    const context = await contextWith('symlink', { Dockerfile: text, marker: 'm\n' });
    await buildOci({ context, dest: join(work, 'symlink-probe'), tag: 'ib-analysis-symlink:probe', target: 'probe' });
    const dest = join(work, 'symlink');
    await buildOci({ context, dest, tag: 'ib-analysis-symlink:base', target: 'base' });
    const { layers } = await layoutImage(dest, { path: 'Dockerfile', text, target: 'base' });
    const a = await analyzeImage({ layers });
    expect(a.largestFiles).toEqual([
      { path: '/lib/x', bytes: 100 },
      { path: '/usr/lib/old', bytes: 70 },
      { path: '/usr/lib/y', bytes: 10 },
      { path: '/marker', bytes: 2 },
    ]);
    expect(a.layers[1]!.added.top).toEqual([
      { path: 'lib/x', bytes: 100 },
      { path: 'usr/lib/y', bytes: 10 },
    ]);
    expect(a.wastedBytes).toBe(0);
  });
});

describe('toolchain and context hints', () => {
  it('a toolchain copied into the runtime stage, on the COPY line', async () => {
    const text = [
      'FROM busybox:1.35 AS build',
      'RUN mkdir -p /usr/local/go/bin && dd if=/dev/urandom of=/usr/local/go/bin/go bs=1024 count=300 && echo app > /app',
      'FROM busybox:1.35',
      'COPY --from=build /usr/local/go /usr/local/go',
      'COPY --from=build /app /app',
      'USER 1000',
      '',
    ].join('\n');
    const context = await contextWith('toolchain', { Dockerfile: text });
    const dest = join(work, 'toolchain');
    await buildOci({ context, dest, tag: 'ib-analysis-toolchain:1' });
    const layers = await layoutLayers(dest, { path: 'Dockerfile', text });
    const a = await analyzeImage({ layers, dockerfile: { path: 'Dockerfile', text } });
    expect(a.hints.map((h) => h.id)).toEqual(['toolchain-in-final-image']);
    expect(a.hints[0]).toMatchObject({
      path: '/usr/local/go',
      bytes: 300 * 1024,
      layer: layers[1]!.digest,
      dockerfile: { path: 'Dockerfile', line: 4 },
    });
    expect(a.wastedBytes).toBe(0);
  });

  it('single stage with a toolchain: multi-stage-candidate; a context COPY of .git without .dockerignore', async () => {
    const text = [
      'FROM busybox:1.35',
      'RUN mkdir -p /usr/local/go/bin && dd if=/dev/urandom of=/usr/local/go/bin/go bs=1024 count=200',
      'COPY . /src',
      '',
    ].join('\n');
    const context = await contextWith('single', {
      Dockerfile: text,
      '.git/HEAD': 'ref: refs/heads/main\n',
      '.git/config': '[core]\n',
      'main.go': 'package main\n',
    });
    const dest = join(work, 'single');
    await buildOci({ context, dest, tag: 'ib-analysis-single:1' });
    const layers = await layoutLayers(dest, { path: 'Dockerfile', text });
    const a = await analyzeImage({ layers, dockerfile: { path: 'Dockerfile', text }, contextHasDockerignore: false });
    const byId = Object.fromEntries(a.hints.map((h) => [h.id, h]));
    expect(Object.keys(byId).sort()).toEqual([
      'multi-stage-candidate',
      'no-dockerignore',
      'runs-as-root',
      'toolchain-in-final-image',
      'vcs-directory',
    ]);
    expect(byId['toolchain-in-final-image']).toMatchObject({ path: '/usr/local/go', bytes: 200 * 1024, dockerfile: { line: 2 } });
    expect(byId['multi-stage-candidate']).toMatchObject({ dockerfile: { line: 1 } });
    expect(byId['vcs-directory']).toMatchObject({ path: '/src/.git', bytes: 21 + 7, dockerfile: { line: 3 }, layer: layers[2]!.digest });
    expect(byId['no-dockerignore']).toMatchObject({ dockerfile: { line: 3 }, layer: layers[2]!.digest });
    const withIgnore = await analyzeImage({
      layers,
      dockerfile: { path: 'Dockerfile', text },
      contextHasDockerignore: true,
      ignoreHints: ['runs-as-root'],
    });
    expect(withIgnore.hints.map((h) => h.id).sort()).toEqual(['multi-stage-candidate', 'toolchain-in-final-image', 'vcs-directory']);
  });
});

describe.skipIf(process.env.IB_SKIP_SLOW === '1')('slow: apt-get update without cleanup (Debian mirror)', () => {
  it('package-manager-cache on the RUN line, with the rm -rf idiom', async () => {
    const text = 'FROM debian:bookworm\nRUN apt-get update\nUSER 1000\n';
    const context = await contextWith('apt', { Dockerfile: text });
    const dest = join(work, 'apt');
    await buildOci({ context, dest, tag: 'ib-analysis-apt:1' });
    const layers = await layoutLayers(dest, { path: 'Dockerfile', text });
    const a = await analyzeImage({ layers, dockerfile: { path: 'Dockerfile', text } });
    // Hints name one layer each: lists the base image already had (this machine's local debian
    // image keeps some) are a separate hint with no Dockerfile line.
    const hint = a.hints.find((h) => h.id === 'package-manager-cache' && h.path === '/var/lib/apt/lists' && h.layer === layers[1]!.digest);
    expect(hint).toMatchObject({ dockerfile: { path: 'Dockerfile', line: 2 } });
    expect(a.hints.find((h) => h.path === '/var/cache/apt')).toMatchObject({ layer: layers[1]!.digest, dockerfile: { line: 2 } });
    // The lists are what the RUN layer added: their bytes are that layer's new and changed files.
    expect(hint!.bytes).toBeGreaterThan(MiB);
    expect(hint!.bytes).toBeLessThanOrEqual(a.layers[1]!.added.bytes + a.layers[1]!.changed.bytes);
    expect(hint!.fix).toContain('rm -rf /var/lib/apt/lists/*');
  });
});
