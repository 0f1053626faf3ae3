#!/usr/bin/env node
// Benchmark: a monorepo's worth of images in one job. A generated git repository of 20 images,
// each a multi-stage Dockerfile with a `builder` and a `runtime` target (40 builds), a few MB to a
// few hundred MB each (random bytes and text made by `head -c` in RUN steps: quick to build, real
// sizes), some on a base image pushed to localhost:5000, some on busybox or debian. A PR commit
// on top of `main` changes 3 of the 20 images. `image-budget check --base main` (the bundled CLI,
// dist/cli) is timed against the reference a team runs without image-budget: one
// `docker buildx bake` of the same 40 targets with the same outputs (an OCI layout directory and
// a metadata file per target, no default attestations), on the same builder, in the same run,
// interleaved (each round starts with the other one) so the machine's load falls on both alike.
//
// Scenarios, each a ratio image-budget wall ÷ bake wall (medians of `--runs N`):
//   cold     nothing cached: both with `--no-cache` (bake's flag; image-budget's `--no-cache`,
//            which every build of the job gets, the base's too) and a fresh layer-cache
//            directory for image-budget. The shared builder's cache is neither used nor pruned.
//   warm     everything the job builds is in the builder's cache (a re-run of the PR's commit).
//   changed  warm, and each job follows a new push to the PR that changes the same 3 images
//            again: their changed steps run, the other 17 images are cache hits.
// and the growth of the job with 5, 10 and 20 images (warm), against bake of the same images.
//
// Sizes: for a few images unchanged by the PR, the sizes image-budget reports must equal an
// independent measurement of bake's OCI layouts (config + layer blob sizes; `gzip -dc | wc -c`
// per layer): the script exits 1 on a mismatch.
//
// Run after `npm run bundle` (`npm run bench -- monorepo` does), on the builder to measure:
//   BUILDX_BUILDER=image-budget-dc node scripts/bench-monorepo.js [--runs N] [--cli PATH] [--against PATH]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { settle } from './bench-machine.js';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;
const option = (name, fallback) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
// `--cli PATH`: another bundle of the CLI (an earlier commit's), to compare builds of image-budget.
const cli = resolve(option('--cli', 'dist/cli/index.js'));
// `--against PATH`: instead of the scenarios, the warm job of 5 and 10 images (`--images 5,10,20`)
// with this bundle and PATH's (an earlier commit's), interleaved with bake: before/after in one run.
const against = option('--against', null);
const root = mkdtempSync(join(tmpdir(), 'ib-bench-monorepo-'));
const repo = join(root, 'repo');
const SHARED_BASE = 'localhost:5000/ib-bench-monorepo/base:1';
// As image-budget runs buildx: no default attestations, no git lookups. Bake's filesystem
// entitlement check would ask for `--allow=fs.write=` for outputs outside its directory.
const BUILD_ENV = { ...process.env, BUILDX_NO_DEFAULT_ATTESTATIONS: '1', BUILDX_GIT_INFO: 'false', BUILDX_BAKE_ENTITLEMENTS_FS: '0' };
const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@e', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@e' };

/** Each image's payload in MB (the runtime target; the builder adds a toolchain of half that). */
const SIZES_MB = [1, 1, 2, 2, 2, 3, 3, 4, 4, 5, 6, 8, 10, 12, 15, 20, 25, 40, 80, 150];
const IMAGES = SIZES_MB.map((mb, i) => ({
  name: `svc-${String(i).padStart(2, '0')}`,
  mb,
  base: i % 4 === 0 ? SHARED_BASE : i % 4 === 2 ? 'debian:bookworm-slim' : 'busybox:1.35',
}));
/** The images the PR changes: a small one, a shared-base one, a large one. */
const CHANGED = ['svc-03', 'svc-08', 'svc-17'];
/** Unchanged images whose sizes are checked against bake's layouts: the smallest (on the shared base), one on debian, the largest. */
const CHECKED = ['svc-00', 'svc-06', 'svc-19'];
const TARGETS = ['builder', 'runtime'];
// Both sides build the same bytes: without it an image's config holds its build time, whose
// nanoseconds make two builds of one image differ by a byte or two.
const EPOCH = '1700000000';

const git = (...args) => execFileSync('git', args, { cwd: repo, env: GIT_ENV, encoding: 'utf8' }).trim();
const now = () => process.hrtime.bigint();
const seconds = (from) => Number(now() - from) / 1e9;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const list = (values) => values.map((s) => s.toFixed(2)).join(', ');

function dockerfile({ mb, base }) {
  const bytes = mb * 1_000_000;
  const random = Math.round(bytes * 0.6);
  const text = bytes - random;
  return `FROM ${base} AS builder
WORKDIR /build
# A toolchain: a binary (incompressible) and its docs (text).
RUN mkdir -p /opt/toolchain && head -c ${Math.round(bytes / 3)} /dev/urandom > /opt/toolchain/cc \\
 && yes "toolchain documentation line" | head -c ${Math.round(bytes / 6)} > /opt/toolchain/docs.txt
COPY src/ /build/src/
# "Compile": the artifact and its assets.
RUN mkdir -p /out && cp /build/src/main.sh /out/app \\
 && head -c ${random} /dev/urandom > /out/assets.bin \\
 && yes "asset text for /build/src/main.sh" | head -c ${text} > /out/assets.txt

FROM ${base} AS runtime
COPY --from=builder /out/ /app/
COPY src/main.sh /app/main.sh
ENTRYPOINT ["/bin/sh", "/app/main.sh"]
`;
}

function budgetFile(images) {
  const entries = images.map(
    (image) =>
      `  ${image.name}:\n    context: services/${image.name}\n    targets: [builder, runtime]\n    build-args: { SOURCE_DATE_EPOCH: "${EPOCH}" }\n    budget:\n      max: 2GB\n`,
  );
  return `version: 1\nimages:\n${entries.join('')}`;
}

const bakeName = (image, target) => `${image}-${target}`;
const bakeOut = (image, target) => join(root, 'bake-out', bakeName(image, target));

/** The reference: the same 40 targets with the same outputs, grouped by how many images a job has. */
function bakeDefinition() {
  const target = {};
  for (const image of IMAGES) {
    for (const t of TARGETS) {
      target[bakeName(image.name, t)] = {
        context: join(repo, 'services', image.name),
        dockerfile: 'Dockerfile',
        target: t,
        args: { SOURCE_DATE_EPOCH: EPOCH },
        output: [`type=oci,dest=${bakeOut(image.name, t)},tar=false`],
      };
    }
  }
  const group = (n) => ({ targets: IMAGES.slice(0, n).flatMap((image) => TARGETS.map((t) => bakeName(image.name, t))) });
  return { group: { default: group(20), n5: group(5), n10: group(10) }, target };
}

function writeMain(name, push) {
  writeFileSync(join(repo, 'services', name, 'src/main.sh'), `#!/bin/sh\necho "${name}${push ? `, PR push ${push}` : ''}"\n`);
}

/** main: the 20 images; `pr`: a commit on top that changes 3 of them (`push()` adds another). */
function makeRepo() {
  mkdirSync(join(repo, '.github'), { recursive: true });
  for (const image of IMAGES) {
    mkdirSync(join(repo, 'services', image.name, 'src'), { recursive: true });
    writeFileSync(join(repo, 'services', image.name, 'Dockerfile'), dockerfile(image));
    writeMain(image.name, 0);
  }
  writeFileSync(join(repo, '.github/image-budget.yml'), budgetFile(IMAGES));
  for (const n of [5, 10]) writeFileSync(join(repo, `.github/image-budget-${n}.yml`), budgetFile(IMAGES.slice(0, n)));
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'base');
  git('checkout', '-qb', 'pr');
  writeFileSync(join(root, 'bake.json'), JSON.stringify(bakeDefinition(), null, 2));
}

let pushes = 0;
function push() {
  pushes += 1;
  for (const name of CHANGED) writeMain(name, pushes);
  git('commit', '-qam', `pr, push ${pushes}`);
}

function run(command, args, options = {}) {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { env: BUILD_ENV, ...options });
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.on('error', fail);
    child.on('close', (status) => done({ status, output }));
  });
}

async function bake({ group = 'default', noCache = false } = {}) {
  rmSync(join(root, 'bake-out'), { recursive: true, force: true });
  await settle();
  const started = now();
  const args = ['buildx', 'bake', '--progress=plain', '-f', join(root, 'bake.json')];
  args.push('--metadata-file', join(root, 'bake-metadata.json'));
  if (noCache) args.push('--no-cache');
  const result = await run('docker', [...args, group], { cwd: repo });
  const wall = seconds(started);
  if (result.status !== 0) throw new Error(`bake exited ${result.status}:\n${result.output.slice(-3000)}`);
  return wall;
}

async function check({ config = '.github/image-budget.yml', noCache = false, cacheDir = join(root, 'layer-cache'), bundle = cli } = {}) {
  await settle();
  const started = now();
  const args = [bundle, 'check', '--config', config, '--base', 'main', '--cache-dir', cacheDir, '--json', join(root, 'report.json')];
  if (noCache) args.push('--no-cache');
  // bash's `times` prints the CPU time of the job's own processes (node and every buildx it
  // started): steadier than wall time on a loaded machine, and where one process per build shows.
  const timed = ['-c', '"$@"; status=$?; times; exit $status', 'bash', process.execPath, ...args];
  const result = await run('bash', timed, { cwd: repo });
  const wall = seconds(started);
  if (result.status !== 0) throw new Error(`image-budget check exited ${result.status}:\n${result.output.slice(-3000)}`);
  const report = JSON.parse(readFileSync(join(root, 'report.json'), 'utf8'));
  if (report.baseline?.unavailable) throw new Error(`no baseline: ${report.baseline.note}`);
  // `times` prints the shell's own line, then its children's.
  const children = (result.output.match(/^\d+m[\d.]+s \d+m[\d.]+s$/gm)?.at(-1) ?? 'NaN NaN').split(' ').map(shellSeconds);
  cpuOf.set(wall, children[0] + children[1]);
  return wall;
}

/** `1m2.345s` → 62.345. */
const shellSeconds = (text) => {
  const [, m, sec] = /^(\d+)m([\d.]+)s$/.exec(text) ?? [null, 'NaN', 'NaN'];
  return Number(m) * 60 + Number(sec);
};
/** CPU seconds of each timed check, by its wall time (unique enough to pair them). */
const cpuOf = new Map();

const loads = [];
const load = () => loads.push(Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]));

/** `runs` rounds of image-budget and bake, each round starting with the other one. */
async function interleaved(label, ib, reference, before = () => {}) {
  const ibWalls = [];
  const bakeWalls = [];
  const variants = [async () => ibWalls.push(await ib()), async () => bakeWalls.push(await reference())];
  for (let i = 0; i < runs; i += 1) {
    for (let k = 0; k < variants.length; k += 1) {
      before();
      load();
      await variants[(i + k) % variants.length]();
    }
  }
  const [a, b] = [median(ibWalls), median(bakeWalls)];
  console.log(`${label}: ${runs} runs each, interleaved, medians`);
  console.log(`  image-budget check --base main  ${a.toFixed(2)} s   [${list(ibWalls)}]`);
  console.log(`  docker buildx bake              ${b.toFixed(2)} s   [${list(bakeWalls)}]`);
  console.log(
    `  ratio image-budget/bake: ${(a / b).toFixed(2)}×  (fastest runs: ${(Math.min(...ibWalls) / Math.min(...bakeWalls)).toFixed(2)}×)`,
  );
  return { ib: a, bake: b };
}

/** `--against`: this bundle, the other one and bake, interleaved, on the warm job of some of the images. */
async function beforeAndAfter(other) {
  const configOf = (n) => (n === 20 ? '.github/image-budget.yml' : `.github/image-budget-${n}.yml`);
  await check();
  await check({ bundle: other });
  await bake();
  console.log(`this bundle: ${cli}\nagainst:     ${other}`);
  console.log(
    '| images | this bundle | against | bake | this/against | this/bake | against/bake | CPU of the job (node + buildx): this / against |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const n of option('--images', '5,10').split(',').map(Number)) {
    const walls = { self: [], other: [], bake: [] };
    const variants = [
      async () => walls.self.push(await check({ config: configOf(n) })),
      async () => walls.other.push(await check({ config: configOf(n), bundle: other })),
      async () => walls.bake.push(await bake({ group: n === 20 ? 'default' : `n${n}` })),
    ];
    for (let i = 0; i < runs; i += 1) {
      for (let k = 0; k < variants.length; k += 1) {
        load();
        await variants[(i + k) % variants.length]();
      }
    }
    const [a, b, c] = [walls.self, walls.other, walls.bake].map(median);
    const cell = (xs) => `${median(xs).toFixed(2)} s [${list(xs)}]`;
    const cpu = (xs) => median(xs.map((x) => cpuOf.get(x)));

    console.log(
      `| ${n} | ${cell(walls.self)} | ${cell(walls.other)} | ${cell(walls.bake)} | ${(a / b).toFixed(2)}× | ${(a / c).toFixed(2)}× | ${(b / c).toFixed(2)}× | ${cpu(walls.self).toFixed(2)} s / ${cpu(walls.other).toFixed(2)} s = ${(cpu(walls.self) / cpu(walls.other)).toFixed(2)}× |`,
    );
  }
  console.log(`1-min load average at job start: ${Math.min(...loads).toFixed(2)} – ${Math.max(...loads).toFixed(2)}`);
}

/** Config + layer blob sizes and `gzip -dc | wc -c` per layer, read from bake's layout by hand. */
function layoutSizes(dir) {
  const blob = (digest) => join(dir, 'blobs', ...digest.split(':'));
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
  if (index.manifests.length !== 1) throw new Error(`${dir}: expected one manifest, found ${index.manifests.length}`);
  const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), 'utf8'));
  if (!manifest.layers) throw new Error(`${dir}: ${index.manifests[0].mediaType} is not an image manifest`);
  let uncompressed = 0;
  for (const layer of manifest.layers) {
    const counted = execFileSync('sh', ['-c', 'gzip -dc < "$1" | wc -c', 'sh', blob(layer.digest)], { encoding: 'utf8' });
    uncompressed += Number(counted.trim());
  }
  return { compressed: manifest.layers.reduce((n, l) => n + l.size, manifest.config.size), uncompressed };
}

function checkSizes() {
  const report = JSON.parse(readFileSync(join(root, 'report.json'), 'utf8'));
  let wrong = 0;
  for (const name of CHECKED) {
    for (const target of TARGETS) {
      const entry = report.images.find((e) => e.name === name && e.target === target);
      const bakeSizes = layoutSizes(bakeOut(name, target));
      const ok = entry && entry.compressedBytes === bakeSizes.compressed && entry.uncompressedBytes === bakeSizes.uncompressed;
      if (!ok) wrong += 1;
      console.log(
        `  ${ok ? 'ok  ' : 'WRONG'} ${name}:${target}: image-budget ${entry?.compressedBytes} / ${entry?.uncompressedBytes} B, bake's layout ${bakeSizes.compressed} / ${bakeSizes.uncompressed} B (compressed / uncompressed)`,
      );
    }
  }
  return wrong;
}

/** The scenarios: cold, warm, changed, and the growth with 5, 10 and 20 images. */
async function scenarios() {
  const results = {};
  results.cold = await interleaved(
    'cold cache (--no-cache, fresh layer cache)',
    () => check({ noCache: true, cacheDir: mkdtempSync(join(root, 'cold-cache-')) }),
    () => bake({ noCache: true }),
  );
  // Warm both sides' caches (the base's 3 images too) before the warm series.
  await check();
  await bake();
  results.warm = await interleaved(
    'warm cache, nothing changed (a re-run of the PR commit)',
    () => check(),
    () => bake(),
  );
  console.log("sizes of images the PR does not change, image-budget against bake's layouts:");
  if (checkSizes() > 0) failed = true;
  results.changed = await interleaved(
    'warm cache, 3 of 20 images changed (each job a new push to the PR)',
    () => check(),
    () => bake(),
    push,
  );

  const growth = [];
  for (const n of [5, 10]) {
    const r = await interleaved(
      `warm cache, ${n} images`,
      () => check({ config: `.github/image-budget-${n}.yml` }),
      () => bake({ group: `n${n}` }),
    );
    growth.push({ n, ...r });
  }
  growth.push({ n: 20, ...results.warm });
  console.log('\nsummary (medians; ratio = image-budget wall ÷ bake wall)');
  console.log(`  cold cache:                ${(results.cold.ib / results.cold.bake).toFixed(2)}×`);
  console.log(`  warm, nothing changed:     ${(results.warm.ib / results.warm.bake).toFixed(2)}×   (goal ≤ 1.15×)`);
  console.log(`  warm, 3 of 20 changed:     ${(results.changed.ib / results.changed.bake).toFixed(2)}×   (goal ≤ 1.15×)`);
  console.log('  growth, warm cache, nothing changed:');
  console.log('  | images | image-budget | bake | ratio | image-budget per extra image |');
  console.log('  | --- | --- | --- | --- | --- |');
  growth.forEach((g, i) => {
    const prev = growth[i - 1];
    const slope = prev
      ? `${(((g.ib - prev.ib) / (g.n - prev.n)) * 1000).toFixed(0)} ms (bake ${(((g.bake - prev.bake) / (g.n - prev.n)) * 1000).toFixed(0)} ms)`
      : '–';
    console.log(`  | ${g.n} | ${g.ib.toFixed(2)} s | ${g.bake.toFixed(2)} s | ${(g.ib / g.bake).toFixed(2)}× | ${slope} |`);
  });
  console.log(`  1-min load average at job start: ${Math.min(...loads).toFixed(2)} – ${Math.max(...loads).toFixed(2)}`);
  if (failed) console.error("image-budget reported sizes that differ from bake's layouts");
}

let failed = false;
try {
  const builder = process.env.BUILDX_BUILDER ?? '(current)';
  const buildx = execFileSync('docker', ['buildx', 'version'], { encoding: 'utf8' }).trim();
  console.log(`${buildx}; ${availableParallelism()} cores; image-budget: ${cli}`);
  console.log(
    `builder ${builder}; ${IMAGES.length} images × ${TARGETS.length} targets, ${SIZES_MB.join(', ')} MB; PR changes ${CHANGED.join(', ')}`,
  );
  // The shared base image, pushed where the builder pulls it from.
  const baseContext = join(root, 'shared-base');
  mkdirSync(baseContext);
  writeFileSync(
    join(baseContext, 'Dockerfile'),
    'FROM busybox:1.35\nRUN mkdir -p /opt/shared && head -c 8000000 /dev/urandom > /opt/shared/lib.so\n',
  );
  const pushed = spawnSync('docker', ['buildx', 'build', '--quiet', '--provenance=false', '--push', '-t', SHARED_BASE, baseContext], {
    env: BUILD_ENV,
    encoding: 'utf8',
  });
  if (pushed.status !== 0) throw new Error(`pushing the shared base failed:\n${pushed.stderr}`);
  makeRepo();
  push();

  if (against) await beforeAndAfter(resolve(against));
  else await scenarios();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  failed = true;
} finally {
  rmSync(root, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
