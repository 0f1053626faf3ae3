#!/usr/bin/env node
// Benchmark: an image of more than 8 GB uncompressed — one gzip layer over 4 GiB that is mostly
// compressible (its blob is a few MB, its trailer's ISIZE has wrapped: size mod 2^32) and one
// incompressible layer of 2.5 GB — built with the builder image-budget-dc, checked by the real
// `image-budget check` (the bundled CLI, layer analysis on, cold layer cache). Prints, and
// checks (exit 1 on a wrong size):
//   - every layer's uncompressed size in the check's JSON report = `gzip -dc BLOB | wc -c`;
//   - peak RSS of the whole check: GNU time's %M (the largest process of the tree), the node
//     process's VmHWM and the sum over the process tree, sampled from /proc (goal < 256 MB);
//   - measure + analysis throughput against `gzip -dc LAYER | tar -t > /dev/null` over the same
//     layers in the same run (goal >= 0.8x), with the default layer concurrency, forced 1, forced 2;
//   - disk the check used beyond the OCI layout it exported.
// Removes everything it made at the end: its directories and its build-cache records (found
// by a marker in their RUN lines; the builder's other cache is left alone).
// Run after `npm run bundle` (`npm run bench -- big` does it):
//   node scripts/bench-big.js [--keep]   (--keep: leave the directories and the cache records)
import { spawn, spawnSync } from 'node:child_process';
import { setInterval, clearInterval } from 'node:timers';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statfsSync,
  lstatSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { analyzeLayout } from '../lib/analysis/analyze-layout.js';
import { openLayerCache } from '../lib/analysis/layer-cache.js';
import { countByScanning } from '../lib/analysis/scan-while-counting.js';
import { readIsize } from '../lib/measure/gzip-trailer.js';
import { layerConcurrencyFor } from '../lib/measure/layer-concurrency.js';
import { blobPath, measureOciLayout } from '../lib/measure/measure-layout.js';

process.env.BUILDX_BUILDER ??= 'image-budget-dc';
const KEEP = process.argv.includes('--keep');
const CLI = resolve('bin/image-budget.js');
const GIB = 2 ** 30;
const RANDOM_BYTES = 2_500_000_000;
const TEXT_BYTES = GIB;
/** Sparse: zeros that cost no disk in the build, 4.5 GiB of them in the tar. */
const ZERO_BYTES = 4.5 * GIB;
/** Disk the bench needs at most: the build's snapshots and blobs, two exports of 2.5 GB, slack. */
const NEEDED_FREE_BYTES = 20e9;
const RSS_GOAL_BYTES = 256 * 1024 * 1024;
const MARKER = `ib-big-bench-${process.pid}-${Date.now()}`;

const DOCKERFILE = `FROM busybox:1.35
RUN : ${MARKER} && head -c ${RANDOM_BYTES} /dev/urandom > /random.bin
RUN : ${MARKER} && mkdir /logs && yes "2026-12-01T00:00:00Z INFO request served path=/api/v1/items status=200 bytes=512" | head -c ${TEXT_BYTES} > /logs/app.log && truncate -s ${ZERO_BYTES} /logs/zeros.bin
`;

function sh(cmd, args, opts = {}) {
  const result = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024, encoding: 'utf8', ...opts });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${String(result.stderr).slice(-2000)}`);
  return String(result.stdout);
}

const gb = (bytes) => `${(bytes / 1e9).toFixed(2)} GB`;
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const secondsSince = (start) => Number(process.hrtime.bigint() - start) / 1e9;
const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');

/** Bytes on disk under `path` (allocated blocks: sparse files count what they hold); symlinks not followed (a layout's blobs/ links to the run's shared blob store). */
function diskBytes(path) {
  let total = 0;
  const walk = (p) => {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return; // removed meanwhile
    }
    total += st.blocks * 512;
    if (st.isDirectory()) {
      let names = [];
      try {
        names = readdirSync(p);
      } catch {
        return;
      }
      for (const name of names) walk(join(p, name));
    }
  };
  walk(path);
  return total;
}

function descendants(pid) {
  const out = [];
  const queue = [pid];
  while (queue.length > 0) {
    const current = queue.shift();
    let tasks = [];
    try {
      tasks = readdirSync(`/proc/${current}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      let children = '';
      try {
        children = readFileSync(`/proc/${current}/task/${task}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const child of children.trim().split(/\s+/).filter(Boolean)) {
        out.push(Number(child));
        queue.push(Number(child));
      }
    }
  }
  return out;
}

const thisNode = realpathSync(process.execPath);

/**
 * VmRSS and VmHWM of a process, in bytes, and whether it is the check's node (its program is
 * this node: Node 24 names its main thread `MainThread`, so the name does not tell); null once
 * it is gone.
 */
function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    const name = /^Name:\s+(\S+)/m.exec(status)?.[1] ?? '?';
    return { name, rss: kb('VmRSS'), hwm: kb('VmHWM'), isNode: readlinkSync(`/proc/${pid}/exe`) === thisNode };
  } catch {
    return null;
  }
}

/**
 * Runs the check under GNU time, sampling every 100 ms the process tree's summed RSS, the node
 * process's high-water mark and the disk under `runDirs`.
 */
async function runCheck({ cwd, env, args, runDirs }) {
  const timeFile = join(cwd, 'time.txt');
  const child = spawn('/usr/bin/time', ['-f', '%M %e', '-o', timeFile, process.execPath, CLI, ...args], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const peaks = { treeRss: 0, treeAt: '', treeRssNoDocker: 0, nodeHwm: 0, runDisk: 0, freeDrop: 0 };
  const freeAtStart = statfsSync(cwd).bavail * statfsSync(cwd).bsize;
  const sample = () => {
    let sum = 0;
    const names = [];
    for (const pid of descendants(child.pid)) {
      const memory = memoryOf(pid);
      if (!memory) continue;
      sum += memory.rss;
      names.push(`${memory.name} ${mib(memory.rss)}`);
      if (memory.isNode) peaks.nodeHwm = Math.max(peaks.nodeHwm, memory.hwm);
    }
    // Without docker CLI processes in the tree: the layer work (export done, measuring, analysing).
    if (!names.some((name) => name.startsWith('docker'))) peaks.treeRssNoDocker = Math.max(peaks.treeRssNoDocker, sum);
    if (sum > peaks.treeRss) {
      peaks.treeRss = sum;
      peaks.treeAt = names.join(', ');
    }
    // Whatever buildx names its files while it exports: all of it is under runDirs.
    peaks.runDisk = Math.max(
      peaks.runDisk,
      runDirs.reduce((sum, dir) => sum + diskBytes(dir), 0),
    );
    const fs = statfsSync(cwd);
    peaks.freeDrop = Math.max(peaks.freeDrop, freeAtStart - fs.bavail * fs.bsize);
  };
  const timer = setInterval(sample, 100);
  const started = process.hrtime.bigint();
  const exitCode = await new Promise((done) => child.on('close', (code) => done(code ?? -1)));
  const wall = secondsSince(started);
  clearInterval(timer);
  const [maxKb, elapsed] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ');
  return { exitCode, stdout, stderr, wall, gnuTimeMaxRss: Number(maxKb) * 1024, gnuTimeElapsed: Number(elapsed), peaks };
}

/** The layers of the layout's one image, with their blob files. */
function layoutLayers(layout) {
  let document = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  while (document.manifests) {
    const next = document.manifests.find((m) => m.platform?.os !== 'unknown') ?? document.manifests[0];
    document = JSON.parse(readFileSync(blobPath(layout, next.digest), 'utf8'));
  }
  return document.layers.map((layer) => ({ ...layer, file: blobPath(layout, layer.digest) }));
}

/** ISIZE from the blob's last 8 bytes: what a trailer-only reader would report. */
function trailerIsize(file, size) {
  const trailer = Buffer.alloc(8);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, trailer, 0, 8, size - 8);
  } finally {
    closeSync(fd);
  }
  return readIsize(trailer);
}

/** A cold run of what check does after the build: measure (counting by scanning), then analyse. */
async function measureAndAnalyse(layout, cacheDir, concurrency) {
  rmSync(cacheDir, { recursive: true, force: true });
  const cache = openLayerCache(cacheDir);
  const scanned = new Set();
  const options = concurrency === null ? {} : { concurrency };
  const t = process.hrtime.bigint();
  const platforms = await measureOciLayout(layout, { ...options, countLayer: countByScanning(cache, undefined, scanned) });
  const [analysed] = await analyzeLayout({ layoutDir: layout, platforms, cache, scannedWhileMeasuring: scanned, ...options });
  const seconds = secondsSince(t);
  if (analysed.error) throw new Error(analysed.error);
  return { seconds, platform: platforms[0], analysis: analysed.analysis };
}

function cacheRecords() {
  const out = sh('docker', ['buildx', 'du', '--verbose', '--filter', `description~=${MARKER}`]);
  return [...out.matchAll(/^ID:\s+(\S+)/gm)].map((m) => m[1]);
}

function cleanUp(root) {
  if (KEEP) {
    console.log(`kept: ${root}; build-cache records with "${MARKER}" in their description`);
    return;
  }
  rmSync(root, { recursive: true, force: true });
  // Children before parents: a record another one builds on is not reclaimable until then.
  for (let pass = 0; pass < 3 && cacheRecords().length > 0; pass += 1) {
    for (const id of cacheRecords()) spawnSync('docker', ['buildx', 'prune', '-f', '--filter', `id=${id}`], { stdio: 'ignore' });
  }
  const left = cacheRecords();
  console.log(
    left.length === 0 ? `cleaned up: ${root} and this run's build-cache records` : `WARNING: build-cache records left: ${left.join(' ')}`,
  );
}

async function main() {
  if (!existsSync('dist/cli/index.js')) throw new Error('no dist/cli/index.js: run `npm run bundle` first');
  if (!existsSync('/usr/bin/time')) throw new Error('GNU time is missing: apt-get install -y time');
  const free = statfsSync(tmpdir()).bavail * statfsSync(tmpdir()).bsize;
  if (free < NEEDED_FREE_BYTES) throw new Error(`${gb(free)} free under ${tmpdir()}; the bench needs ${gb(NEEDED_FREE_BYTES)}`);
  const root = mkdtempSync(join(tmpdir(), 'ib-big-bench-'));
  try {
    await bench(root);
  } finally {
    cleanUp(root);
  }
}

async function bench(root) {
  const repo = join(root, 'repo');
  const run = join(root, 'run');
  const layout = join(root, 'layout');
  mkdirSync(repo, { recursive: true });
  mkdirSync(join(run, 'tmp'), { recursive: true });
  writeFileSync(join(repo, 'Dockerfile'), DOCKERFILE);
  writeFileSync(
    join(repo, 'image-budget.yml'),
    'version: 1\nimages:\n  big:\n    context: .\n    budget:\n      max: { uncompressed: 20GB }\n',
  );
  const cores = availableParallelism();
  console.log(
    `node ${process.version}, ${cores} cores, builder ${process.env.BUILDX_BUILDER}, load average ${load()} (the machine is shared)`,
  );

  // The build and the compression of its layers, once: the check below builds from this cache,
  // so what it runs is what the action runs on a warm builder: export, measure, analyse.
  let t = process.hrtime.bigint();
  sh('docker', ['buildx', 'build', '--progress=plain', '--provenance=false', '--output', `type=oci,dest=${layout},tar=false`, repo]);
  const buildSeconds = secondsSince(t);
  const layers = layoutLayers(layout);
  console.log(
    `built and exported in ${buildSeconds.toFixed(1)} s: ${layers.length} layers, ${gb(layers.reduce((s, l) => s + l.size, 0))} compressed`,
  );

  // The real check: bundled CLI, layer analysis on, a cold layer cache, its scratch under run/.
  const cacheDir = join(run, 'layer-cache');
  const env = { ...process.env, RUNNER_TEMP: join(run, 'tmp'), NO_COLOR: '1' };
  const check = await runCheck({
    cwd: repo,
    env,
    args: ['check', '--config', 'image-budget.yml', '--json', join(run, 'report.json'), '--cache-dir', cacheDir],
    runDirs: [run],
  });
  if (check.exitCode !== 0) throw new Error(`image-budget check exited ${check.exitCode}:\n${check.stderr.slice(-4000)}`);
  const report = JSON.parse(readFileSync(join(run, 'report.json'), 'utf8'));
  const entry = report.images[0];
  const cacheBytes = diskBytes(cacheDir);
  console.log(
    `image-budget check: ${check.wall.toFixed(1)} s wall (export from the build cache, measure, analyse), exit ${check.exitCode}`,
  );

  // Sizes: the check's report against gzip -dc | wc -c of the same blobs.
  let mismatches = 0;
  const byDigest = new Map(layers.map((l) => [l.digest, l]));
  console.log(`layers (report: ${entry.layers.length}, uncompressed ${gb(entry.uncompressedBytes)}):`);
  for (const reported of entry.layers) {
    const layer = byDigest.get(reported.digest);
    if (!layer) throw new Error(`the check's layer ${reported.digest} is not in the reference export: not the same blobs`);
    const truth = Number(sh('sh', ['-c', 'gzip -dc < "$1" | wc -c', 'sh', layer.file]).trim());
    const isize = trailerIsize(layer.file, layer.size);
    const wrapped = truth >= 2 ** 32;
    const ok = truth === reported.uncompressedBytes;
    if (!ok) mismatches += 1;
    console.log(
      `  ${reported.digest.slice(7, 19)} ${mb(layer.size).padStart(10)} → ${gb(reported.uncompressedBytes).padStart(9)}  gzip -dc | wc -c ${truth}` +
        `  trailer ISIZE ${isize}${wrapped ? ` (wrapped: ${truth} mod 2^32)` : ''}  ${ok ? 'equal' : 'MISMATCH'}`,
    );
    if (wrapped && isize !== truth % 2 ** 32) console.log(`    note: ISIZE is not the size mod 2^32`);
  }
  if (!entry.layers.some((l) => l.uncompressedBytes >= 2 ** 32))
    throw new Error('no layer over 4 GiB: the image is not what the bench needs');
  if (entry.uncompressedBytes < 8e9) throw new Error(`the image is ${gb(entry.uncompressedBytes)} uncompressed, less than 8 GB`);

  const rssGoal = (bytes) => (bytes < RSS_GOAL_BYTES ? 'under the goal' : 'OVER the goal');
  console.log(`peak RSS of the check (goal < ${mib(RSS_GOAL_BYTES)}):`);
  console.log(`  GNU time %M (largest process of the tree) ${mib(check.gnuTimeMaxRss)}  ${rssGoal(check.gnuTimeMaxRss)}`);
  console.log(`  node VmHWM (sampled until it exits)       ${mib(check.peaks.nodeHwm)}  ${rssGoal(check.peaks.nodeHwm)}`);
  console.log(`  process tree, summed RSS (sampled 100 ms) ${mib(check.peaks.treeRss)}  ${rssGoal(check.peaks.treeRss)}`);
  console.log(`    at its peak: ${check.peaks.treeAt}`);
  console.log(`  process tree while no docker CLI runs     ${mib(check.peaks.treeRssNoDocker)}  ${rssGoal(check.peaks.treeRssNoDocker)}`);
  // The check exports the same blobs as the reference export above (the report's digests are its).
  const exportBytes = diskBytes(layout);
  console.log('disk used by the check (its scratch directory, layer cache and report):');
  console.log(`  peak, sampled every 100 ms                ${gb(check.peaks.runDisk)}`);
  console.log(`  the OCI layout it exports                 ${gb(exportBytes)}`);
  console.log(
    `  beyond the export                         ${mb(Math.max(0, check.peaks.runDisk - exportBytes))}  (${(cacheBytes / 1e3).toFixed(1)} kB kept in the layer cache)`,
  );
  console.log(`  free-space drop of the filesystem (peak)  ${gb(check.peaks.freeDrop)}  (noisy: others write to it too)`);

  // Throughput: the reference and measure + analyse over the same blobs, in turn, page cache warm.
  for (const layer of layers) sh('sh', ['-c', 'cat "$1" > /dev/null', 'sh', layer.file]);
  const reference = () => {
    const start = process.hrtime.bigint();
    for (const layer of layers) sh('sh', ['-c', 'gzip -dc "$1" | tar -t > /dev/null', 'sh', layer.file]);
    return secondsSince(start);
  };
  const chosen = layerConcurrencyFor(layers.map((l) => l.size));
  const runs = { reference: [], default: [], one: [], two: [] };
  const inProcessCache = join(run, 'bench-cache');
  let sizesInProcess = null;
  runs.reference.push(reference());
  for (let round = 0; round < 3; round += 1) {
    for (const [name, concurrency] of [
      ['default', null],
      ['one', 1],
      ['two', 2],
    ]) {
      const result = await measureAndAnalyse(layout, inProcessCache, concurrency);
      runs[name].push(result.seconds);
      sizesInProcess ??= result.platform.layers;
    }
  }
  runs.reference.push(reference());
  rmSync(inProcessCache, { recursive: true, force: true });
  for (const layer of sizesInProcess) {
    const reported = entry.layers.find((l) => l.digest === layer.digest);
    if (reported?.uncompressedBytes !== layer.uncompressedBytes) {
      mismatches += 1;
      console.error(`MISMATCH in process ${layer.digest}: ${layer.uncompressedBytes} vs the check's ${reported?.uncompressedBytes}`);
    }
  }
  const best = (list) => Math.min(...list);
  const all = (list) => list.map((s) => s.toFixed(1)).join(', ');
  const tar = best(runs.reference);
  const ratio = (seconds) => `${(tar / seconds).toFixed(2)}x`;
  console.log(
    `measure + analyse, cold cache, vs gzip -dc | tar -t (${runs.reference.map((s) => s.toFixed(1)).join(', ')} s; best ${tar.toFixed(1)} s); goal >= 0.8x:`,
  );
  console.log(
    `  default (${chosen} at a time on ${cores} cores)  ${best(runs.default).toFixed(1)} s  ${ratio(best(runs.default))}  [${all(runs.default)}]`,
  );
  console.log(
    `  forced 1 (IMAGE_BUDGET_LAYER_CONCURRENCY=1)        ${best(runs.one).toFixed(1)} s  ${ratio(best(runs.one))}  [${all(runs.one)}]`,
  );
  console.log(
    `  forced 2 (IMAGE_BUDGET_LAYER_CONCURRENCY=2)        ${best(runs.two).toFixed(1)} s  ${ratio(best(runs.two))}  [${all(runs.two)}]`,
  );
  console.log(
    `  default / forced 1: ${(best(runs.default) / best(runs.one)).toFixed(2)}, forced 2 / forced 1: ${(best(runs.two) / best(runs.one)).toFixed(2)}`,
  );
  console.log(`load average at the end ${load()}`);
  console.log(mismatches === 0 ? `sizes: all ${entry.layers.length} layers equal gzip -dc | wc -c` : `sizes: ${mismatches} mismatch(es)`);
  if (mismatches > 0) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
