/**
 * A real gzip layer of more than 4 GiB: its trailer's ISIZE holds the size modulo 2^32, so only
 * decompressing it gives the size. A sparse file of zeros builds in no time and its 4 GiB
 * compress to a few MB (level 1, the fastest export); the layer is then measured as `check`
 * measures it, counting by scanning for the analysis, and checked against `gzip -dc | wc -c`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { analyzeLayout } from '../../../src/analysis/analyze-layout.js';
import { openLayerCache } from '../../../src/analysis/layer-cache.js';
import { countByScanning } from '../../../src/analysis/scan-while-counting.js';
import { GZIP_TRAILER_BYTES, ISIZE_MODULUS, judgeGzipTrailer, parseGzipHeader, readIsize } from '../../../src/measure/gzip-trailer.js';
import { blobPath, measureOciLayout } from '../../../src/measure/measure-layout.js';
import type { LayerMeasure, PlatformMeasure } from '../../../src/measure/types.js';

const run = promisify(execFile);

/** Just over 4 GiB: the size mod 2^32 is a few KB, far from the truth. */
const FILE_BYTES = 2 ** 32 + 65_536;
const DOCKERFILE = `FROM busybox:1.35
RUN truncate -s ${FILE_BYTES} /zeros
`;

let workDir: string;
let layout: string;
let platform: PlatformMeasure;
let wrapped: LayerMeasure;
let scannedWhileMeasuring: Set<string>;
let cacheDir: string;
/** `gzip -dc | wc -c` of the layer over 4 GiB. */
let truth: number;

async function readBytes(path: string, offset: number, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The top layer of the layout's one image, read from its manifest (nothing decompressed). */
async function lastLayerDigest(layoutDir: string): Promise<string> {
  const readJson = async (path: string) =>
    JSON.parse(await readFile(path, 'utf8')) as { manifests?: { digest: string }[]; layers?: { digest: string }[] };
  let document = await readJson(join(layoutDir, 'index.json'));
  while (document.manifests?.[0]) document = await readJson(blobPath(layoutDir, document.manifests[0].digest));
  const last = document.layers?.at(-1);
  if (!last) throw new Error(`${layoutDir}: no image manifest with layers`);
  return last.digest;
}

describe.skipIf(process.env.IB_SKIP_SLOW === '1')('slow: a gzip layer over 4 GiB', () => {
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'ib-gzip-wrap-'));
    layout = join(workDir, 'layout');
    cacheDir = join(workDir, 'cache');
    await writeFile(join(workDir, 'Dockerfile'), DOCKERFILE);
    const output = `type=oci,dest=${layout},tar=false,compression=gzip,compression-level=1,force-compression=true`;
    await run('docker', ['buildx', 'build', '--progress=plain', '--provenance=false', '--output', output, workDir], {
      maxBuffer: 64 * 1024 * 1024,
    });
    scannedWhileMeasuring = new Set();
    const last = await lastLayerDigest(layout);
    // The reference reads the blob while the pipeline does: two cores, half the wall time.
    const [measured, counted] = await Promise.all([
      measureOciLayout(layout, { countLayer: countByScanning(openLayerCache(cacheDir), undefined, scannedWhileMeasuring) }),
      run('sh', ['-c', 'gzip -dc < "$1" | wc -c', 'sh', blobPath(layout, last)]),
    ]);
    truth = Number(counted.stdout.trim());
    expect(measured).toHaveLength(1);
    platform = measured[0]!;
    wrapped = platform.layers[platform.layers.length - 1]!;
  });

  afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  test('its uncompressed size is gzip -dc | wc -c exactly: the bytes written plus their tar headers', async () => {
    expect(wrapped.uncompressedBytes).toBe(truth);
    expect(wrapped.uncompressedSource).toBe('stream');
    // A tar of one file and its directory entries: whole blocks, a few of them over the data.
    expect(truth % 512).toBe(0);
    expect(truth - FILE_BYTES).toBeGreaterThanOrEqual(3 * 512);
    expect(truth - FILE_BYTES).toBeLessThan(64 * 1024);
    // Compressible enough that the blob is far below 4 GiB: the wrap is the trailer's, not the blob's.
    expect(wrapped.compressedBytes).toBeLessThan(64 * 1024 * 1024);
    expect(platform.uncompressedBytes).toBe(platform.layers.reduce((sum, layer) => sum + layer.uncompressedBytes, 0));
  });

  test('the trailer alone would have been wrong, and is not trusted', async () => {
    const path = blobPath(layout, wrapped.digest);
    const isize = readIsize(await readBytes(path, wrapped.compressedBytes - GZIP_TRAILER_BYTES, GZIP_TRAILER_BYTES));
    expect(isize).toBe(wrapped.uncompressedBytes % ISIZE_MODULUS);
    expect(isize).not.toBe(wrapped.uncompressedBytes);
    expect(isize).toBeLessThan(1024 * 1024);
    const header = parseGzipHeader(await readBytes(path, 0, 4096));
    expect(header).not.toBeNull();
    const judgement = judgeGzipTrailer({
      compressedSize: wrapped.compressedBytes,
      headerBytes: header?.headerBytes ?? 0,
      tail: await readBytes(path, wrapped.compressedBytes - 64, 64),
    });
    expect(judgement).toEqual({ trusted: false, reason: 'trailer holds the size modulo 2^32 only' });
  });

  test('the analysis takes the layer scanned while it was counted, and sees the 4 GiB file', async () => {
    expect(scannedWhileMeasuring.has(wrapped.digest)).toBe(true);
    const [analysed] = await analyzeLayout({
      layoutDir: layout,
      platforms: [platform],
      cache: openLayerCache(cacheDir),
      scannedWhileMeasuring,
    });
    expect(analysed?.error).toBeNull();
    expect(analysed?.layerCache.reads).toBeGreaterThanOrEqual(1);
    expect(analysed?.analysis?.largestFiles[0]).toMatchObject({ path: '/zeros', bytes: FILE_BYTES });
  });
});
