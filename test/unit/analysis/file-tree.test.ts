import { describe, expect, it } from 'vitest';
import { computeDiveFigures } from '../../../src/analysis/dive-efficiency.js';
import { largestDirectories, largestFiles, listFinalFiles, mergeLayers } from '../../../src/analysis/file-tree.js';
import { scanLayer } from '../../../src/analysis/read-layer.js';
import type { LayerEntry } from '../../../src/analysis/types.js';
import { blobOf, dir, file, hardlink, makeLayer, opaque, symlink, whiteout, type FakeEntry } from './helpers.js';

/** Entries exactly as read-layer emits them from a real gzip tar. */
async function entriesOf(layers: FakeEntry[][]): Promise<LayerEntry[][]> {
  const out: LayerEntry[][] = [];
  for (const l of layers) out.push((await scanLayer(blobOf(await makeLayer(l)).stream(), { mediaType: '', digest: 'sha256:t' })).entries);
  return out;
}

function finalPaths(layers: LayerEntry[][]): Record<string, number> {
  const merged = mergeLayers(layers);
  return Object.fromEntries(
    listFinalFiles(merged.root)
      .filter((f) => f.kind !== 'dir')
      .map((f) => [f.path, f.bytes]),
  );
}

describe('mergeLayers', () => {
  it('overwrite: the lower copy is waste, attributed to both layers', async () => {
    const layers = await entriesOf([
      [dir('etc'), file('etc/conf', 1000)],
      [dir('etc'), file('etc/conf', 300)],
    ]);
    const m = mergeLayers(layers);
    expect(m.totalFileBytes).toBe(1300);
    expect(m.finalFileBytes).toBe(300);
    expect(m.wastedBytes).toBe(1000);
    expect(m.events).toEqual([{ kind: 'overwritten', path: 'etc/conf', bytes: 1000, addedBy: 0, removedBy: 1 }]);
    expect(m.layers[1]!.changed).toEqual({ count: 1, bytes: 300, replacedBytes: 1000, top: [{ path: 'etc/conf', bytes: 300 }] });
    expect(m.layers[1]!.added.count).toBe(0);
  });

  it('delete file: whiteout removes it, wherever it sits in the tar', async () => {
    // The whiteout comes after a same-layer file of the same directory: it must not hide it.
    const layers = await entriesOf([
      [file('a', 10), file('b', 20)],
      [file('c', 5), whiteout('a'), whiteout('missing')],
    ]);
    const m = mergeLayers(layers);
    expect(finalPaths(layers)).toEqual({ b: 20, c: 5 });
    expect(m.wastedBytes).toBe(10);
    expect(m.layers[1]!.removed).toEqual({ count: 1, bytes: 10, top: [{ path: 'a', bytes: 10 }] });
  });

  it('delete directory: the bytes of every file under it', async () => {
    const layers = await entriesOf([[dir('d'), file('d/x', 300), dir('d/sub'), file('d/sub/y', 400), file('keep', 1)], [whiteout('d')]]);
    const m = mergeLayers(layers);
    expect(finalPaths(layers)).toEqual({ keep: 1 });
    expect(m.wastedBytes).toBe(700);
    expect(m.layers[1]!.removed.count).toBe(2);
    expect(m.events.map((e) => [e.path, e.kind])).toEqual([
      ['d/x', 'deleted'],
      ['d/sub/y', 'deleted'],
    ]);
  });

  it("opaque directory hides all lower content but keeps the same layer's", async () => {
    const layers = await entriesOf([
      [dir('o'), file('o/old', 600), dir('o/deep'), file('o/deep/z', 50), file('p', 3)],
      [dir('o'), file('o/new', 7), opaque('o')],
    ]);
    const m = mergeLayers(layers);
    expect(finalPaths(layers)).toEqual({ 'o/new': 7, p: 3 });
    expect(m.wastedBytes).toBe(650);
    expect(m.layers[1]!.removed.bytes).toBe(650);
  });

  it("hard links: bytes count once; deleting the target keeps the link's bytes", async () => {
    const layers = await entriesOf([
      [dir('h'), file('h/target', 700), hardlink('h/link', 'h/target'), hardlink('h/link2', './h/target')],
      [whiteout('h/target')],
    ]);
    const m0 = mergeLayers(layers.slice(0, 1));
    expect(m0.totalFileBytes).toBe(700);
    expect(m0.finalFileBytes).toBe(700);
    const m = mergeLayers(layers);
    expect(m.wastedBytes).toBe(0);
    expect(m.finalFileBytes).toBe(700);
    expect(finalPaths(layers)).toEqual({ 'h/link': 700, 'h/link2': 0 });
    // Deleting every link frees the bytes.
    const all = mergeLayers([...layers, (await entriesOf([[whiteout('h')]]))[0]!]);
    expect(all.wastedBytes).toBe(700);
    expect(all.events).toEqual([{ kind: 'deleted', path: 'h/link2', bytes: 700, addedBy: 0, removedBy: 2 }]);
  });

  it('symlinks weigh nothing beyond the entry', async () => {
    const layers = await entriesOf([[file('real', 99), symlink('ln', 'real'), symlink('dangling', '/nowhere')]]);
    const m = mergeLayers(layers);
    expect(m.totalFileBytes).toBe(99);
    expect(finalPaths(layers)).toEqual({ dangling: 0, ln: 0, real: 99 });
  });

  it('a directory replaced by a file frees what was under it', async () => {
    const layers = await entriesOf([[dir('x'), file('x/a', 40)], [file('x', 1)]]);
    const m = mergeLayers(layers);
    expect(finalPaths(layers)).toEqual({ x: 1 });
    expect(m.wastedBytes).toBe(40);
    expect(m.events[0]).toMatchObject({ kind: 'overwritten', path: 'x/a', bytes: 40 });
  });

  it('wasted bytes always equal the sum of waste events', async () => {
    const layers = await entriesOf([
      [dir('a'), file('a/1', 11), file('a/2', 22), file('b', 33)],
      [file('a/1', 5), whiteout('b'), dir('c'), file('c/x', 44)],
      [opaque('a'), dir('a'), file('a/3', 1), whiteout('c')],
    ]);
    const m = mergeLayers(layers);
    expect(m.wastedBytes).toBe(m.events.reduce((s, e) => s + e.bytes, 0));
    expect(m.wastedBytes).toBe(11 + 33 + 5 + 22 + 44);
  });

  it('largest files and directories of the final image', async () => {
    const layers = await entriesOf([
      [dir('usr'), dir('usr/lib'), file('usr/lib/big', 5000), file('usr/lib/small', 10), dir('opt'), file('opt/mid', 800)],
    ]);
    const files = listFinalFiles(mergeLayers(layers).root);
    expect(largestFiles(files, 2)).toEqual([
      { path: '/usr/lib/big', bytes: 5000 },
      { path: '/opt/mid', bytes: 800 },
    ]);
    expect(largestDirectories(files, 3)).toEqual([
      { path: '/usr', bytes: 5010 },
      { path: '/usr/lib', bytes: 5010 },
      { path: '/opt', bytes: 800 },
    ]);
  });
});

describe("symlinked parent directories, as containerd's overlay applier resolves them", () => {
  // Merged /usr: the base has /usr/lib and lib -> usr/lib.
  const base: FakeEntry[] = [dir('usr'), dir('usr/lib'), file('usr/lib/old', 70), symlink('lib', 'usr/lib')];
  const kinds = (layers: LayerEntry[][]) => Object.fromEntries(listFinalFiles(mergeLayers(layers).root).map((f) => [f.path, f.kind]));

  it("a lower layer's symlink is not followed: the layer's own directory hides it", async () => {
    // The layer is applied in its own upper directory, where lib does not exist: lib/ is created
    // there, and overlayfs shows that directory instead of the lower symlink.
    const layers = await entriesOf([base, [file('lib/x', 100)]]);
    expect(finalPaths(layers)).toEqual({ 'lib/x': 100, 'usr/lib/old': 70 });
    expect(kinds(layers)).toMatchObject({ lib: 'dir' });
  });

  it.each(['usr/lib', '/usr/lib', './usr/lib', '/usr/../usr/lib', '../../usr/lib'])(
    'a symlink of the same layer (lib64 -> %s) is followed: the entry lands in usr/lib',
    async (target) => {
      const layers = await entriesOf([base, [symlink('lib64', target), file('lib64/y', 10)]]);
      expect(finalPaths(layers)).toEqual({ lib: 0, lib64: 0, 'usr/lib/old': 70, 'usr/lib/y': 10 });
      expect(kinds(layers)).toMatchObject({ lib: 'symlink', lib64: 'symlink', 'usr/lib': 'dir' });
      expect(mergeLayers(layers).layers[1]!.added.top).toEqual([{ path: 'usr/lib/y', bytes: 10 }]);
    },
  );

  it('an overwrite through a same-layer symlink hits the real file', async () => {
    const layers = await entriesOf([base, [symlink('l', 'usr/lib'), file('l/old', 30)]]);
    const m = mergeLayers(layers);
    expect(m.events).toEqual([{ kind: 'overwritten', path: 'usr/lib/old', bytes: 70, addedBy: 0, removedBy: 1 }]);
    expect(m.layers[1]!.changed).toMatchObject({ count: 1, bytes: 30, replacedBytes: 70 });
  });

  it("a hard link's target parent is resolved through the same layer's symlinks", async () => {
    const layers = await entriesOf([[dir('usr'), dir('usr/lib'), symlink('l', 'usr/lib'), file('usr/lib/a', 40), hardlink('b', 'l/a')]]);
    const m = mergeLayers(layers);
    // One content, two names: 40 bytes once (counted on the first path in name order).
    expect(m.totalFileBytes).toBe(40);
    expect(finalPaths(layers)).toEqual({ b: 40, l: 0, 'usr/lib/a': 0 });
  });

  it('a directory entry at a symlink replaces it', async () => {
    const layers = await entriesOf([base, [dir('lib'), file('lib/x', 1)]]);
    expect(finalPaths(layers)).toEqual({ 'lib/x': 1, 'usr/lib/old': 70 });
  });

  it('.. stops at the root; a missing target is created; a cycle gives up', async () => {
    const layers = await entriesOf([
      [
        dir('usr'),
        symlink('usr/lib64', '../../../../lib'),
        symlink('opt', 'srv/app'),
        symlink('a', 'b'),
        symlink('b', 'a'),
        file('usr/lib64/ld.so', 9),
        file('opt/run', 3),
        file('a/x', 1),
      ],
    ]);
    const paths = finalPaths(layers);
    expect(paths['lib/ld.so']).toBe(9);
    expect(paths['srv/app/run']).toBe(3);
    // a -> b -> a … : after 255 links the part is taken as written, and replaced by a directory.
    expect(Object.keys(paths).filter((p) => p.endsWith('/x'))).toHaveLength(1);
  });
});

describe("hand-computed fixture: our figures and dive's", () => {
  // Layer 0: a/keep 100, a/over 200, d/x 300, d/y 400, gone 500, o/old 600, h/target 700,
  //          h/link → h/target (hard link), s → a/keep (symlink).
  // Layer 1: a/over 250 (overwrite), .wh.gone (delete file), .wh.d (delete dir),
  //          o/.wh..wh..opq + o/new 50 (opaque dir), n 10.
  const LAYERS: FakeEntry[][] = [
    [
      dir('a'),
      file('a/keep', 100),
      file('a/over', 200),
      dir('d'),
      file('d/x', 300),
      file('d/y', 400),
      file('gone', 500),
      dir('o'),
      file('o/old', 600),
      dir('h'),
      file('h/target', 700),
      hardlink('h/link', 'h/target'),
      symlink('s', 'a/keep'),
    ],
    [dir('a'), file('a/over', 250), whiteout('gone'), whiteout('d'), dir('o'), opaque('o'), file('o/new', 50), file('n', 10)],
  ];

  it('ours: added 3110, final 1110, wasted 2000 = 200 + 500 + 700 + 600', async () => {
    // added = 100+200+300+400+500+600+700 + 250+50+10 = 3110
    // final = a/keep 100 + a/over 250 + h/target 700 (h/link shares it) + o/new 50 + n 10 = 1110
    const m = mergeLayers(await entriesOf(LAYERS));
    expect(m.totalFileBytes).toBe(3110);
    expect(m.finalFileBytes).toBe(1110);
    expect(m.wastedBytes).toBe(2000);
    expect(m.layers[1]!.removed).toMatchObject({ count: 4, bytes: 500 + 300 + 400 + 600 });
    expect(m.layers[1]!.changed).toMatchObject({ count: 1, bytes: 250, replacedBytes: 200 });
    expect(m.layers[1]!.added).toMatchObject({ count: 2, bytes: 60 });
  });

  it('dive: efficiency 3060/3810, wasted 950', async () => {
    // dive visits the leaves of each layer's own tree; per path: cumulative size and minimum.
    // Layer 0 leaves: a/keep 100, a/over 200, d/x 300, d/y 400, gone 500, h/link 0, h/target 700,
    //                 o/old 600, s 0 — one copy each.
    // Layer 1 leaves (name order): .wh.d → path /d, whiteout of a directory below: its size is
    //   the sum under it, 700; /d was never a leaf before, so one copy (cum 700, min 700): no waste.
    // .wh.gone → /gone, whiteout of a file below: size 0 → /gone cum 500, min 0, 2 copies.
    // a/over 250 → cum 450, min 200, 2 copies. n 10, o/new 50: one copy each.
    // .wh..wh..opq is never added to dive's tree: o/old stays one clean copy.
    // Σmin = 100+200+300+400+0+0+700+600+0 + 700 + 10 + 50 = 3060
    // Σcum = 100+450+300+400+500+0+700+600+0 + 700 + 10 + 50 = 3810
    // wasted = Σcum of paths with ≥ 2 copies = /gone 500 + /a/over 450 = 950
    const d = computeDiveFigures(await entriesOf(LAYERS));
    expect(d.wastedBytes).toBe(950);
    expect(d.efficiency).toBeCloseTo(3060 / 3810, 12);
    // highestUserWastedPercent's base: the file bytes of every layer but the first (250 + 50 + 10).
    expect(d.userFileBytes).toBe(310);
  });

  it('dive: nothing added scores 1; a whiteout of nothing skips the rest of that layer', async () => {
    expect(computeDiveFigures([])).toEqual({ efficiency: 1, wastedBytes: 0, userFileBytes: 0 });
    // Layer 1: .wh.absent (visited first in name order) fails dive's GetNode → z (a 2nd copy) is skipped.
    const d = computeDiveFigures(await entriesOf([[file('z', 40)], [whiteout('absent'), file('z', 40)]]));
    expect(d).toEqual({ efficiency: 1, wastedBytes: 0, userFileBytes: 40 });
    // Without the whiteout, z's two copies are both waste to dive (cum 80, min 40).
    const d2 = computeDiveFigures(await entriesOf([[file('z', 40)], [file('z', 40)]]));
    expect(d2).toEqual({ efficiency: 0.5, wastedBytes: 80, userFileBytes: 40 });
  });
});
