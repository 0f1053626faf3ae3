#!/usr/bin/env node
// Benchmark: measureOciLayout on a >= 1 GB (uncompressed) image vs `gzip -dc` of the same
// layer blobs, sequentially, to /dev/null; then checks every measured size against
// `gzip -dc | wc -c` of its blob (exit 1 on a mismatch). Run after `npm run build`:
//   node scripts/bench-measure.js            (builds the image once, cached by tag)
//   node scripts/bench-measure.js --rebuild  (forces a fresh layout export)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blobPath, measureOciLayout } from '../lib/measure/measure-layout.js';
import { layerConcurrencyFor } from '../lib/measure/layer-concurrency.js';

const TAG = 'ib-measure-bench:1gb-v1';
const ROOT = join(tmpdir(), 'ib-measure-bench');
const LAYOUT = join(ROOT, 'layout');

// Four layers of ~270 MB each, every one a mix gzip finds realistic: a third random bytes
// (incompressible), a third base64 text (~3:4), a third repetitive log lines (very compressible).
const DOCKERFILE = `FROM busybox:1.35
${[1, 2, 3, 4]
  .map(
    (n) =>
      `RUN mkdir -p /data && cd /data && head -c 90000000 /dev/urandom > r${n} && ` +
      `head -c 67500000 /dev/urandom | base64 > t${n} && ` +
      `yes "2024-01-0${n} INFO request served path=/api/v${n}/items status=200" | head -c 90000000 > l${n}`,
  )
  .join('\n')}
`;

function sh(cmd, args) {
  const result = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${result.stderr.toString().slice(-2000)}`);
  return result.stdout.toString();
}

function ensureLayout(rebuild) {
  const haveTag = spawnSync('docker', ['image', 'inspect', TAG], { stdio: 'ignore' }).status === 0;
  if (!rebuild && haveTag && existsSync(join(LAYOUT, 'index.json'))) return 'cached layout';
  rmSync(ROOT, { recursive: true, force: true });
  mkdirSync(ROOT, { recursive: true });
  writeFileSync(join(ROOT, 'Dockerfile'), DOCKERFILE);
  const started = Date.now();
  // Two builds: with --load in the same build, buildx 0.13 writes an index.json naming a
  // manifest the layout does not hold. The second build is all cache hits: only the export runs.
  sh('docker', ['buildx', 'build', '--provenance=false', '-t', TAG, '--load', ROOT]);
  sh('docker', ['buildx', 'build', '--provenance=false', '--output', `type=oci,dest=${LAYOUT},tar=false`, ROOT]);
  return `built in ${((Date.now() - started) / 1000).toFixed(1)} s`;
}

function layerBlobs() {
  const index = JSON.parse(readFileSync(join(LAYOUT, 'index.json'), 'utf8'));
  let descriptor = index.manifests[0];
  let document = JSON.parse(readFileSync(blobPath(LAYOUT, descriptor.digest), 'utf8'));
  while (document.manifests) {
    descriptor = document.manifests.find((m) => m.platform?.os !== 'unknown');
    document = JSON.parse(readFileSync(blobPath(LAYOUT, descriptor.digest), 'utf8'));
  }
  return document.layers;
}

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

async function main() {
  const how = ensureLayout(process.argv.includes('--rebuild'));
  const layers = layerBlobs();
  console.log(`image ${TAG} (${how}), layout ${LAYOUT}, ${layers.length} layers`);

  // Warm the page cache so neither side pays for the first disk read.
  for (const layer of layers) sh('sh', ['-c', 'cat "$1" > /dev/null', 'sh', blobPath(LAYOUT, layer.digest)]);

  const t0 = performance.now();
  const [platform] = await measureOciLayout(LAYOUT, {});
  const measureMs = performance.now() - t0;

  const t1 = performance.now();
  for (const layer of layers) sh('sh', ['-c', 'gzip -dc < "$1" > /dev/null', 'sh', blobPath(LAYOUT, layer.digest)]);
  const gzipMs = performance.now() - t1;

  const t2 = performance.now();
  await measureOciLayout(LAYOUT, { concurrency: 1 });
  const sequentialMs = performance.now() - t2;

  console.log(`platform ${platform.platform}: compressed ${mb(platform.compressedBytes)}, uncompressed ${mb(platform.uncompressedBytes)}`);
  for (const layer of platform.layers) {
    console.log(
      `  ${layer.digest.slice(7, 19)}  ${mb(layer.compressedBytes).padStart(10)} → ${mb(layer.uncompressedBytes).padStart(10)}  via ${layer.uncompressedSource}`,
    );
  }
  console.log(
    `measureOciLayout (default: ${layerConcurrencyFor(layers.map((layer) => layer.size))} at a time): ${(measureMs / 1000).toFixed(2)} s`,
  );
  console.log(`measureOciLayout (1 layer at a time):  ${(sequentialMs / 1000).toFixed(2)} s`);
  console.log(`gzip -dc of the same blobs, sequential:  ${(gzipMs / 1000).toFixed(2)} s`);
  console.log(
    `ratio measure/gzip: ${(measureMs / gzipMs).toFixed(2)} (default), ${(sequentialMs / gzipMs).toFixed(2)} (sequential vs sequential)`,
  );
  console.log(`node ${process.version}, ${execFileSync('nproc').toString().trim()} cores`);

  // Untimed: the sizes must be right, not only fast. gzip reads every member, as the truth.
  let mismatches = 0;
  for (const layer of platform.layers) {
    const truth = Number(sh('sh', ['-c', 'gzip -dc < "$1" | wc -c', 'sh', blobPath(LAYOUT, layer.digest)]).trim());
    if (truth !== layer.uncompressedBytes) {
      mismatches += 1;
      console.error(
        `MISMATCH ${layer.digest}: measured ${layer.uncompressedBytes} (${layer.uncompressedSource}), gzip -dc | wc -c says ${truth}`,
      );
    }
  }
  console.log(
    mismatches === 0 ? `sizes: all ${platform.layers.length} layers equal gzip -dc | wc -c` : `sizes: ${mismatches} mismatch(es)`,
  );
  if (mismatches > 0) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
