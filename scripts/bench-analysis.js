#!/usr/bin/env node
// Benchmark: analyzeImage (cold cache, then warm) on a >= 1 GB (uncompressed) image vs
// `gzip -dc LAYER | tar -t > /dev/null` over the same layer blobs, sequentially, same run;
// then the same image exported with zstd layers vs `zstd -dc LAYER | tar -t > /dev/null`;
// then a cold run's measuring + analysis of the gzip export with the layers whose size takes
// decompressing counted by scanning them (one read) vs counted apart (two reads).
// Run after `npm run build`:
//   node scripts/bench-analysis.js            (builds the image once, reused by tag + layout dirs)
//   node scripts/bench-analysis.js --rebuild  (forces a fresh build and export)
// Any node binary runs it: Node >= 22.15 decodes zstd natively, older Node with fzstd.
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeImage } from '../lib/analysis/analyze-image.js';
import { analyzeLayout } from '../lib/analysis/analyze-layout.js';
import { openLayerCache } from '../lib/analysis/layer-cache.js';
import { countByScanning } from '../lib/analysis/scan-while-counting.js';
import { measureOciLayout } from '../lib/measure/measure-layout.js';

const TAG = 'ib-analysis-bench:1gb-v1';
const ROOT = join(tmpdir(), 'ib-analysis-bench');
const LAYOUT = join(ROOT, 'layout');
/** The same build, exported with zstd layers (BuildKit recompresses; the build itself is cached). */
const LAYOUT_ZSTD = join(ROOT, 'layout-zstd');

// Five layers, ~1.1 GB of files: random bytes (incompressible), zeros, text, 20,000 small
// files in 200 directories, and a layer that deletes and overwrites some of the above.
const DOCKERFILE = `FROM busybox:1.35
RUN mkdir /r && for i in $(seq 1 40); do head -c 10485760 /dev/urandom > /r/f$i; done
RUN mkdir /z && for i in $(seq 1 30); do head -c 10485760 /dev/zero > /z/f$i; done
RUN mkdir /t && for i in $(seq 1 30); do seq 1 1500000 > /t/s$i; done
RUN mkdir /many && cd /many && i=0 && while [ $i -lt 20000 ]; do d=d$((i / 100)); [ -d $d ] || mkdir $d; head -c $((i % 4096)) /dev/urandom > $d/f$i; i=$((i + 1)); done
RUN rm -rf /r/f1 /r/f2 /many/d1 && head -c 1048576 /dev/urandom > /t/s1
`;

function sh(cmd, args, opts = {}) {
  const result = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024, ...opts });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${String(result.stderr).slice(-2000)}`);
  return String(result.stdout);
}

function ensureLayout(rebuild) {
  let how = 'reused layouts';
  if (rebuild || !existsSync(join(LAYOUT, 'index.json'))) {
    rmSync(ROOT, { recursive: true, force: true });
    mkdirSync(ROOT, { recursive: true });
    writeFileSync(join(ROOT, 'Dockerfile'), DOCKERFILE);
    sh('docker', ['buildx', 'build', '-t', TAG, '--output', `type=oci,dest=${LAYOUT},tar=false`, ROOT]);
    how = 'built';
  }
  if (!existsSync(join(LAYOUT_ZSTD, 'index.json'))) {
    writeFileSync(join(ROOT, 'Dockerfile'), DOCKERFILE);
    const output = `type=oci,dest=${LAYOUT_ZSTD},tar=false,compression=zstd,force-compression=true,oci-mediatypes=true`;
    sh('docker', ['buildx', 'build', '-t', TAG, '--output', output, ROOT]);
  }
  return how;
}

function blobFile(layout, digest) {
  const [alg, hex] = digest.split(':');
  return join(layout, 'blobs', alg, hex);
}

function readLayers(layout) {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  const desc = index.manifests.find((m) => m.platform?.os !== 'unknown');
  const manifest = JSON.parse(readFileSync(blobFile(layout, desc.digest), 'utf8'));
  return manifest.layers.map((l) => {
    const path = blobFile(layout, l.digest);
    return {
      digest: l.digest,
      mediaType: l.mediaType,
      dockerfile: null,
      createdBy: null,
      blob: {
        digest: l.digest,
        size: l.size,
        read: async () => Buffer.alloc(0),
        stream: () => createReadStream(path, { highWaterMark: 1 << 20 }),
      },
    };
  });
}

function seconds(start) {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function hasCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** The reference (decompress | tar -t) and analyzeImage without a cache over one layout's layers. */
async function compare(layout, decompress) {
  const layers = readLayers(layout);
  const files = layers.map((l) => blobFile(layout, l.digest));
  // Warm the page cache so neither side pays for the first disk read.
  for (const f of files) sh('cat', [f], { stdio: ['ignore', 'ignore', 'pipe'] });
  let t = process.hrtime.bigint();
  for (const f of files) sh('sh', ['-c', `${decompress} "${f}" | tar -t > /dev/null`]);
  const tarSeconds = seconds(t);
  t = process.hrtime.bigint();
  const analysis = await analyzeImage({ layers });
  const analysisSeconds = seconds(t);
  const compressed = files.reduce((s, f) => s + statSync(f).size, 0);
  return { layers, analysis, tarSeconds, analysisSeconds, compressed };
}

async function main() {
  const how = ensureLayout(process.argv.includes('--rebuild'));
  const layers = readLayers(LAYOUT);
  const files = layers.map((l) => blobFile(LAYOUT, l.digest));
  const compressed = files.reduce((s, f) => s + statSync(f).size, 0);
  // Warm the page cache so neither side pays for the first disk read.
  for (const f of files) sh('cat', [f], { stdio: ['ignore', 'ignore', 'pipe'] });

  let t = process.hrtime.bigint();
  for (const f of files) sh('sh', ['-c', `gzip -dc "${f}" | tar -t > /dev/null`]);
  const tarSeconds = seconds(t);

  const cacheDir = join(ROOT, 'cache');
  rmSync(cacheDir, { recursive: true, force: true });
  const cache = openLayerCache(cacheDir);
  t = process.hrtime.bigint();
  const cold = await analyzeImage({ layers, cache });
  const coldSeconds = seconds(t);
  t = process.hrtime.bigint();
  const warm = await analyzeImage({ layers, cache });
  const warmSeconds = seconds(t);
  t = process.hrtime.bigint();
  await analyzeImage({ layers });
  const noCacheSeconds = seconds(t);
  if (warm.wastedBytes !== cold.wastedBytes) throw new Error('warm and cold analyses differ');

  const entries = cold.layers.reduce((s, l) => s + l.added.count + l.changed.count, 0);
  const gb = (n) => (n / 1e9).toFixed(2);
  console.log(`node ${process.version}`);
  console.log(
    `image ${TAG} (${how}): ${layers.length} layers, ${gb(compressed)} GB compressed, ${gb(cold.totalFileBytes)} GB of files, ${entries} files`,
  );
  console.log(`gzip -dc | tar -t      ${tarSeconds.toFixed(2)} s`);
  console.log(`analyzeImage, no cache ${noCacheSeconds.toFixed(2)} s  (${(tarSeconds / noCacheSeconds).toFixed(2)}x tar's speed)`);
  console.log(
    `analyzeImage, cold     ${coldSeconds.toFixed(2)} s  (${(tarSeconds / coldSeconds).toFixed(2)}x tar's speed, writes the cache)`,
  );
  console.log(`analyzeImage, warm     ${warmSeconds.toFixed(2)} s  (cache hit: no blob read)`);
  console.log(
    `wasted ${cold.wastedBytes} B, efficiency ${cold.efficiency.toFixed(4)}; dive: wasted ${cold.dive.wastedBytes} B, efficiency ${cold.dive.efficiency.toFixed(4)}`,
  );
  await measureThenAnalyse(gb);

  if (!hasCommand('zstd')) {
    console.log('zstd: skipped, no `zstd` command for the reference (Debian/Ubuntu: apt-get install -y zstd)');
    return;
  }
  const z = await compare(LAYOUT_ZSTD, 'zstd -dc');
  if (!z.layers.slice(1).every((l) => l.mediaType.endsWith('+zstd'))) throw new Error(`${LAYOUT_ZSTD}: layers are not zstd`);
  if (z.analysis.wastedBytes !== cold.wastedBytes) throw new Error('the zstd and gzip exports analyse differently');
  console.log(`zstd layers: ${gb(z.compressed)} GB compressed, decoder: zlib (Node ${process.versions.node})`);
  console.log(`zstd -dc | tar -t      ${z.tarSeconds.toFixed(2)} s`);
  console.log(`analyzeImage, no cache ${z.analysisSeconds.toFixed(2)} s  (${(z.tarSeconds / z.analysisSeconds).toFixed(2)}x tar's speed)`);
}

/**
 * A cold run as the action does it: measure the layout (sizes), then analyse it. Counted apart,
 * every layer whose size takes decompressing is read twice; counted by scanning, once.
 */
async function measureThenAnalyse(gb) {
  const run = async (scanWhileCounting) => {
    const cacheDir = join(ROOT, `cache-${scanWhileCounting ? 'one' : 'two'}-reads`);
    rmSync(cacheDir, { recursive: true, force: true });
    const cache = openLayerCache(cacheDir);
    const scanned = new Set();
    const t = process.hrtime.bigint();
    const platforms = await measureOciLayout(LAYOUT, scanWhileCounting ? { countLayer: countByScanning(cache, undefined, scanned) } : {});
    const [analysed] = await analyzeLayout({ layoutDir: LAYOUT, platforms, cache, scannedWhileMeasuring: scanned });
    if (analysed.error) throw new Error(analysed.error);
    const streamed = platforms[0].layers.filter((l) => l.uncompressedSource === 'stream').length;
    return { seconds: seconds(t), platforms, analysis: analysed.analysis, streamed };
  };
  // Alternating, fastest of three each: the same disk and page cache for both.
  const two = [];
  const one = [];
  for (let i = 0; i < 3; i += 1) {
    two.push(await run(false));
    one.push(await run(true));
  }
  const best = (runs) => Math.min(...runs.map((r) => r.seconds));
  if (one[0].platforms[0].uncompressedBytes !== two[0].platforms[0].uncompressedBytes) throw new Error('the sizes differ');
  if (one[0].analysis.wastedBytes !== two[0].analysis.wastedBytes) throw new Error('the analyses differ');
  const streamedBytes = one[0].platforms[0].layers
    .filter((l) => l.uncompressedSource === 'stream')
    .reduce((s, l) => s + l.compressedBytes, 0);
  console.log(`measure + analyse, cold (${one[0].streamed} layers, ${gb(streamedBytes)} GB compressed, sized only by decompressing):`);
  console.log(`  counted apart (two reads)     ${best(two).toFixed(2)} s   [${two.map((r) => r.seconds.toFixed(2)).join(', ')}]`);
  console.log(`  counted by scanning (one)     ${best(one).toFixed(2)} s   [${one.map((r) => r.seconds.toFixed(2)).join(', ')}]`);
  console.log(`  ratio one/two: ${(best(one) / best(two)).toFixed(3)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
