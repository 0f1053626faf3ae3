/**
 * A gzip layer over ~4.16 MB cannot be sized from its trailer, so it is decompressed to count
 * it. The count is kept by digest: the next run reads it instead. Checked on a real buildx
 * layer: the first measurement streams (and equals `gzip -dc | wc -c`), the second does not
 * decompress at all — proven by corrupting the blob's middle, which the stream would reject.
 * And on a cold cache the layer analysis reads a layer the measuring scanned, not its blob.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, open, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { analyzeLayout } from '../../../src/analysis/analyze-layout.js';
import { openLayerCache } from '../../../src/analysis/layer-cache.js';
import { countByScanning } from '../../../src/analysis/scan-while-counting.js';
import { measureRegistryImage } from '../../../src/baseline/registry.js';
import type { RegistryStats } from '../../../src/baseline/registry-client.js';
import { openCountedSizes } from '../../../src/measure/counted-sizes.js';
import { blobPath, measureOciLayout } from '../../../src/measure/measure-layout.js';
import type { OciIndex, OciManifest } from '../../../src/measure/oci-manifests.js';

const run = promisify(execFile);
const IMAGE = `localhost:5000/ib-counted-sizes:t${process.pid}-${Date.now().toString(36)}`;
let dir: string;
let layout: string;
let bigLayer: { digest: string; size: number };
let scanLayout: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ib-counted-int-'));
  // Random bytes do not compress: the layer's gzip blob is ~6 MB, past the trailer's proof.
  await writeFile(path.join(dir, 'big.bin'), randomBytes(6 * 1024 * 1024));
  await writeFile(path.join(dir, 'Dockerfile'), 'FROM scratch\nCOPY big.bin /big.bin\n');
  layout = path.join(dir, 'oci');
  // The layout, and the same image in the local registry (a second, cached build).
  const env = { ...process.env, BUILDX_NO_DEFAULT_ATTESTATIONS: '1' };
  await run('docker', ['buildx', 'build', '--output', `type=oci,dest=${layout},tar=false`, dir], { env });
  await run('docker', ['buildx', 'build', '--output', `type=registry,name=${IMAGE}`, dir], { env });
  const index = JSON.parse(await readFile(path.join(layout, 'index.json'), 'utf8')) as OciIndex;
  const manifest = JSON.parse(await readFile(blobPath(layout, index.manifests[0]!.digest), 'utf8')) as OciManifest;
  bigLayer = manifest.layers[0]!;
  // A copy for the single-read test, which garbles its blob too.
  scanLayout = path.join(dir, 'oci-scan');
  await cp(layout, scanLayout, { recursive: true });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('sizes counted once, across runs', () => {
  test('first run: streamed and kept; next run: read back, the blob not decompressed', async () => {
    expect(bigLayer.size).toBeGreaterThan(2 ** 32 / 1032);
    const { stdout } = await run('sh', ['-c', `gzip -dc < '${blobPath(layout, bigLayer.digest)}' | wc -c`]);
    const truth = Number(stdout.trim());
    const sizesDir = path.join(dir, 'cache', 'sizes');

    const first = await measureOciLayout(layout, { countedSizes: openCountedSizes(sizesDir) });
    expect(first[0]!.layers[0]).toMatchObject({ digest: bigLayer.digest, uncompressedBytes: truth, uncompressedSource: 'stream' });
    expect(await openCountedSizes(sizesDir).get(bigLayer.digest)).toBe(truth);

    // Garble the middle of the deflate data: header and trailer intact, the stream broken.
    const handle = await open(blobPath(layout, bigLayer.digest), 'r+');
    await handle.write(Buffer.alloc(64 * 1024, 0xff), 0, 64 * 1024, Math.floor(bigLayer.size / 2));
    await handle.close();
    await expect(measureOciLayout(layout)).rejects.toThrow(/cannot decompress layer/);

    const next = await measureOciLayout(layout, { countedSizes: openCountedSizes(sizesDir) });
    expect(next[0]!.layers[0]).toMatchObject({ digest: bigLayer.digest, uncompressedBytes: truth, uncompressedSource: 'cache' });
    expect(next[0]!.uncompressedBytes).toBe(first[0]!.uncompressedBytes);
  });

  test('cold cache, layer analysed: measuring scans the layer, and the analysis reads the scan, not the blob', async () => {
    const { stdout } = await run('sh', ['-c', `gzip -dc < '${blobPath(scanLayout, bigLayer.digest)}' | wc -c`]);
    const truth = Number(stdout.trim());
    const cache = openLayerCache(path.join(dir, 'scan-cache', 'layers'));
    const scanned = new Set<string>();
    const measured = await measureOciLayout(scanLayout, { countLayer: countByScanning(cache, undefined, scanned) });
    expect(measured[0]!.layers[0]).toMatchObject({ digest: bigLayer.digest, uncompressedBytes: truth, uncompressedSource: 'stream' });
    expect([...scanned]).toEqual([bigLayer.digest]);

    // The blob garbled now: an analysis that read it would fail.
    const handle = await open(blobPath(scanLayout, bigLayer.digest), 'r+');
    await handle.write(Buffer.alloc(64 * 1024, 0xff), 0, 64 * 1024, Math.floor(bigLayer.size / 2));
    await handle.close();
    const [analysed] = await analyzeLayout({ layoutDir: scanLayout, platforms: measured, cache, scannedWhileMeasuring: scanned });
    expect(analysed!.error).toBeNull();
    expect(analysed!.analysis!.layers[0]!.added.bytes).toBe(6 * 1024 * 1024);
    expect(analysed!.layerCache).toEqual({ hits: 0, reads: 1 });
  });

  test('the registry baseline reads a counted size instead of downloading the layer', async () => {
    const sizesDir = path.join(dir, 'registry-cache', 'sizes');
    const cold: RegistryStats = { bytesDownloaded: 0, requests: 0 };
    const first = await measureRegistryImage(IMAGE, { stats: cold, countedSizes: openCountedSizes(sizesDir) });
    expect(first[0]!.layers[0]).toMatchObject({ digest: bigLayer.digest, uncompressedSource: 'stream' });
    expect(cold.bytesDownloaded).toBeGreaterThan(bigLayer.size);

    const warm: RegistryStats = { bytesDownloaded: 0, requests: 0 };
    const next = await measureRegistryImage(IMAGE, { stats: warm, countedSizes: openCountedSizes(sizesDir) });
    expect(next[0]!.layers[0]).toMatchObject({ uncompressedBytes: first[0]!.layers[0]!.uncompressedBytes, uncompressedSource: 'cache' });
    // Manifests, the config and the layer's header and trailer: no layer download.
    expect(warm.bytesDownloaded).toBeLessThan(100_000);
  });
});
