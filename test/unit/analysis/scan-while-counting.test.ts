/**
 * A layer whose size takes decompressing is scanned while it is counted, so the analysis that
 * follows reads it from the layer cache: one read of the blob instead of two.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { analyzeImage } from '../../../src/analysis/analyze-image.js';
import { countingCache } from '../../../src/analysis/analyze-layout.js';
import { decodeScan, encodeScan, openLayerCache, type LayerCache } from '../../../src/analysis/layer-cache.js';
import { scanLayer } from '../../../src/analysis/read-layer.js';
import { countByScanning } from '../../../src/analysis/scan-while-counting.js';
import { countStream, measureUncompressedSize } from '../../../src/measure/uncompressed-size.js';
import { blobOf, dir, file, makeLayer, makeTar } from './helpers.js';

const GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'ib-scan-count-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A gzip layer past the trailer's proof (~4.16 MB compressed): 6 MB of base64 gzips to ~4.5 MB. */
async function bigGzipLayer(): Promise<{ bytes: Buffer; tarLength: number }> {
  const tar = await makeTar([dir('opt'), { path: 'opt/tool', content: randomBytes(4_500_000).toString('base64') }]);
  return { bytes: gzipSync(tar), tarLength: tar.length };
}

describe('scanLayer counts what it decompresses', () => {
  for (const compression of ['gzip', 'zstd', 'none'] as const) {
    it(`${compression}: uncompressedBytes is the tar's length`, async () => {
      const entries = [dir('a'), file('a/b', 70_000), file('c', 3)];
      const tar = await makeTar(entries);
      const layer = await makeLayer(entries, compression);
      const scan = await scanLayer(blobOf(layer, 1000).stream(), { mediaType: 'x', digest: 'sha256:x' });
      expect(scan.uncompressedBytes).toBe(tar.length);
    });
  }
});

describe('countByScanning', () => {
  it('a big gzip layer is read once: measured by scanning, then analysed from the cache', async () => {
    const { bytes, tarLength } = await bigGzipLayer();
    const blob = blobOf(bytes);
    const cache = openLayerCache(tmp);
    const size = await measureUncompressedSize(blob, GZIP, { countLayer: countByScanning(cache) });
    expect(size).toMatchObject({ bytes: tarLength, source: 'stream' });
    expect(gunzipSync(bytes).length).toBe(tarLength);
    expect(blob.streams).toBe(1);
    expect((await cache.get(blob.digest))?.uncompressedBytes).toBe(tarLength);

    const analysis = await analyzeImage({
      layers: [{ blob, digest: blob.digest, mediaType: GZIP, dockerfile: null, createdBy: null }],
      cache,
    });
    expect(analysis.layers[0]!.added.bytes).toBe(6_000_000);
    expect(blob.streams).toBe(1);
  });

  it('names the layers it read, which the analysis then counts as reads of this run, not hits', async () => {
    const { bytes } = await bigGzipLayer();
    const blob = blobOf(bytes);
    const cache = openLayerCache(tmp);
    const scanned = new Set<string>();
    await countByScanning(cache, undefined, scanned)(blob, 'gzip', GZIP);
    expect([...scanned]).toEqual([blob.digest]);
    const thisRun = countingCache(cache, undefined, scanned);
    expect(await thisRun.cache.get(blob.digest)).not.toBeNull();
    expect(thisRun.counts).toEqual({ hits: 0, reads: 1 });
    // Read once: another platform (or image) with the same layer takes it as a hit.
    const otherPlatform = countingCache(cache, undefined, scanned);
    expect(await otherPlatform.cache.get(blob.digest)).not.toBeNull();
    expect(otherPlatform.counts).toEqual({ hits: 1, reads: 0 });
    const nextRun = countingCache(cache);
    expect(await nextRun.cache.get(blob.digest)).not.toBeNull();
    expect(nextRun.counts).toEqual({ hits: 1, reads: 0 });
  });

  it('a scan already in the cache answers without reading the blob, and the size says so', async () => {
    const { bytes, tarLength } = await bigGzipLayer();
    const cache = openLayerCache(tmp);
    await countByScanning(cache)(blobOf(bytes), 'gzip', GZIP);
    const again = blobOf(bytes);
    expect(await countByScanning(cache)(again, 'gzip', GZIP)).toEqual({ bytes: tarLength, cached: true });
    expect(await measureUncompressedSize(again, GZIP, { countLayer: countByScanning(cache) })).toEqual({
      bytes: tarLength,
      source: 'cache',
      why: 'counted in an earlier run',
    });
    expect(again.streams).toBe(0);
  });

  it('a cached scan without its byte count is read again, and then counted', async () => {
    const { bytes, tarLength } = await bigGzipLayer();
    const cache = openLayerCache(tmp);
    await cache.put({ digest: blobOf(bytes).digest, entries: [] });
    const blob = blobOf(bytes);
    expect(await countByScanning(cache)(blob, 'gzip', GZIP)).toEqual({ bytes: tarLength, cached: false });
    expect(blob.streams).toBe(1);
    expect((await cache.get(blob.digest))?.entries.map((e) => e.path)).toEqual(['opt', 'opt/tool']);
  });

  it('gzip data that is not a tar is still counted, and nothing is cached', async () => {
    const data = randomBytes(100_000);
    const blob = blobOf(gzipSync(data));
    const cache = openLayerCache(tmp);
    expect(await countByScanning(cache)(blob, 'gzip', GZIP)).toEqual({ bytes: data.length, cached: false });
    expect(await cache.get(blob.digest)).toBeNull();
  });

  it('a plain tar under a gzip media type fails as counting always did', async () => {
    const blob = blobOf(await makeTar([file('a', 10_000)]));
    await expect(countByScanning(openLayerCache(tmp))(blob, 'gzip', GZIP)).rejects.toThrow(/cannot decompress layer sha256:/);
  });

  it('a cache that cannot be read is a miss', async () => {
    const { bytes, tarLength } = await bigGzipLayer();
    const unreadable: LayerCache = {
      get: async () => {
        throw new Error('EIO');
      },
      put: async () => {},
    };
    expect(await countByScanning(unreadable)(blobOf(bytes), 'gzip', GZIP)).toEqual({ bytes: tarLength, cached: false });
  });

  it('counts what countStream counts, where tar and compression have their corners', async () => {
    const tar = await makeTar([dir('a'), file('a/b', 300_000)]);
    const cases: [string, Buffer, 'gzip' | 'zstd'][] = [
      // Zero records past the end-of-archive marker: tar-stream skips them, both count them.
      ['a tar padded with zero records', gzipSync(Buffer.concat([tar, Buffer.alloc(10 * 512)])), 'gzip'],
      // Two gzip members: the decoder reads both, as `gzip -dc` does.
      ['a multi-member gzip', Buffer.concat([gzipSync(tar.subarray(0, 4096)), gzipSync(tar.subarray(4096))]), 'gzip'],
      // zstd without frame content sizes: nothing but decompressing sizes it.
      ['zstd without frame content sizes', execFileSync('zstd', ['-q', '-c', '--no-content-size', '-'], { input: tar }), 'zstd'],
    ];
    for (const [name, bytes, compression] of cases) {
      const expected = await countStream(blobOf(bytes), compression);
      expect(expected, name).toBeGreaterThanOrEqual(tar.length);
      const cache = openLayerCache(join(tmp, name.replace(/\W+/g, '-')));
      const scanned = new Set<string>();
      const count = await countByScanning(cache, undefined, scanned)(blobOf(bytes), compression, `x+${compression}`);
      expect(count, name).toEqual({ bytes: expected, cached: false });
      expect(scanned.size, `${name}: counted by scanning`).toBe(1);
    }
  });

  it('a cache that cannot be written costs nothing but a message', async () => {
    const { bytes, tarLength } = await bigGzipLayer();
    const messages: string[] = [];
    const broken: LayerCache = {
      get: async () => null,
      put: async () => {
        throw new Error('disk full');
      },
    };
    expect(await countByScanning(broken, (m) => messages.push(m))(blobOf(bytes), 'gzip', GZIP)).toEqual({
      bytes: tarLength,
      cached: false,
    });
    expect(messages).toEqual([expect.stringMatching(/cannot write sha256:[0-9a-f]{64}: disk full/)]);
  });

  it('is asked only when nothing else proves the size', async () => {
    let asked = 0;
    const countLayer = async () => {
      asked += 1;
      return { bytes: 42, cached: false };
    };
    // Small gzip: the trailer proves it.
    const small = await makeLayer([file('a', 1000)]);
    expect(await measureUncompressedSize(blobOf(small), GZIP, { countLayer })).toMatchObject({ source: 'gzip-trailer' });
    expect(asked).toBe(0);
    const { bytes } = await bigGzipLayer();
    expect(await measureUncompressedSize(blobOf(bytes), GZIP, { countLayer })).toEqual({
      bytes: 42,
      source: 'stream',
      why: expect.any(String) as unknown,
    });
    expect(asked).toBe(1);
  });
});

describe('the layer cache keeps the count', () => {
  it('round-trips uncompressedBytes, and rejects a count that is not a size', async () => {
    const scan = { digest: 'sha256:x', entries: [], uncompressedBytes: 12_345 };
    expect(decodeScan(encodeScan(scan), 'sha256:x')).toEqual(scan);
    expect(decodeScan(encodeScan({ digest: 'sha256:x', entries: [] }), 'sha256:x')).toEqual({ digest: 'sha256:x', entries: [] });
    for (const bad of [-1, 1.5, '12', null]) {
      const json = JSON.parse(gunzipSync(encodeScan(scan)).toString('utf8')) as Record<string, unknown>;
      json.bytes = bad;
      expect(decodeScan(gzipSync(JSON.stringify(json)), 'sha256:x'), String(bad)).toBeNull();
    }
  });
});
