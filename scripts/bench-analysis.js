#!/usr/bin/env node
// Benchmark: analyzeImage (cold cache, then warm) on a >= 1 GB (uncompressed) image vs
// `gzip -dc LAYER | tar -t > /dev/null` over the same layer blobs, sequentially, same run.
// Run after `npm run build`:
//   node scripts/bench-analysis.js            (builds the image once, reused by tag + layout dir)
//   node scripts/bench-analysis.js --rebuild  (forces a fresh build and export)
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeImage } from '../lib/analysis/analyze-image.js';
import { openLayerCache } from '../lib/analysis/layer-cache.js';

const TAG = 'ib-analysis-bench:1gb-v1';
const ROOT = join(tmpdir(), 'ib-analysis-bench');
const LAYOUT = join(ROOT, 'layout');

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
  if (!rebuild && existsSync(join(LAYOUT, 'index.json'))) return 'reused layout';
  rmSync(ROOT, { recursive: true, force: true });
  mkdirSync(ROOT, { recursive: true });
  writeFileSync(join(ROOT, 'Dockerfile'), DOCKERFILE);
  sh('docker', ['buildx', 'build', '-t', TAG, '--output', `type=oci,dest=${LAYOUT},tar=false`, ROOT]);
  return 'built';
}

function blobFile(digest) {
  const [alg, hex] = digest.split(':');
  return join(LAYOUT, 'blobs', alg, hex);
}

function readLayers() {
  const index = JSON.parse(readFileSync(join(LAYOUT, 'index.json'), 'utf8'));
  const desc = index.manifests.find((m) => m.platform?.os !== 'unknown');
  const manifest = JSON.parse(readFileSync(blobFile(desc.digest), 'utf8'));
  return manifest.layers.map((l) => {
    const path = blobFile(l.digest);
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

async function main() {
  const how = ensureLayout(process.argv.includes('--rebuild'));
  const layers = readLayers();
  const files = layers.map((l) => blobFile(l.digest));
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
  console.log(`image ${TAG} (${how}): ${layers.length} layers, ${gb(compressed)} GB compressed, ${gb(cold.totalFileBytes)} GB of files, ${entries} files`);
  console.log(`gzip -dc | tar -t      ${tarSeconds.toFixed(2)} s`);
  console.log(`analyzeImage, no cache ${noCacheSeconds.toFixed(2)} s  (${(tarSeconds / noCacheSeconds).toFixed(2)}x tar's speed)`);
  console.log(`analyzeImage, cold     ${coldSeconds.toFixed(2)} s  (${(tarSeconds / coldSeconds).toFixed(2)}x tar's speed, writes the cache)`);
  console.log(`analyzeImage, warm     ${warmSeconds.toFixed(2)} s  (cache hit: no blob read)`);
  console.log(`wasted ${cold.wastedBytes} B, efficiency ${cold.efficiency.toFixed(4)}; dive: wasted ${cold.dive.wastedBytes} B, efficiency ${cold.dive.efficiency.toFixed(4)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
