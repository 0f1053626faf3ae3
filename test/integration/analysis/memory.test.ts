/**
 * Bounded memory: a child `node --max-old-space-size=64` analyses a layer far larger than its
 * heap and reports its peak RSS.
 * - gzip: a 200 MB file (generated here with tar + gzip, never held in memory);
 * - zstd: a real buildx layer (`compression=zstd,force-compression=true`) holding a 1.5 GiB file
 *   of zeros, i.e. ~50 KB of RLE blocks that each decode to 128 KiB.
 * The zstd case (zlib's zstd) runs under every supported Node: node22 and node24.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { supportedNodeBinaries } from '../../support/node-binaries.js';
import { buildOci, layoutLayers } from './oci-layout.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../../..');
const MiB = 1024 * 1024;
const FILE_BYTES = 200 * MiB;
const ZSTD_FILE_BYTES = 1536 * MiB;
/** Far below what is streamed through: bodies are drained and decoded output never piles up. */
const MAX_PEAK_RSS = 150 * MiB;

let work: string;
let compiled: string;
let script: string;

interface ChildLayer {
  path: string;
  digest: string;
  mediaType: string;
}

interface ChildResult {
  totalFileBytes: number;
  largest: { path: string; bytes: number };
  peakRss: number;
  node: string;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ib-analysis-mem-'));
  // Compiled JS must sit under the repo so `tar-stream`… resolve from node_modules.
  compiled = join(ROOT, 'node_modules', '.cache', `ib-analysis-mem-${process.pid}`);
  await mkdir(compiled, { recursive: true });
  await run(
    'npx',
    [
      'tsc',
      '--outDir',
      compiled,
      '--rootDir',
      'src',
      '--module',
      'NodeNext',
      '--moduleResolution',
      'NodeNext',
      '--target',
      'ES2022',
      '--skipLibCheck',
      '--types',
      'node',
      '--declaration',
      'false',
      'src/analysis/index.ts',
    ],
    { cwd: ROOT },
  );
  script = join(work, 'analyse.mjs');
  await writeFile(
    script,
    `
import { createReadStream, statSync } from 'node:fs';
import { analyzeImage } from ${JSON.stringify(join(compiled, 'analysis', 'index.js'))};
let peak = 0;
const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 10);
const layers = JSON.parse(process.argv[2]).map(({ path, digest, mediaType }) => ({
  blob: { digest, size: statSync(path).size, read: async () => Buffer.alloc(0), stream: () => createReadStream(path, { highWaterMark: 1 << 20 }) },
  digest, mediaType, dockerfile: null, createdBy: null,
}));
const a = await analyzeImage({ layers });
peak = Math.max(peak, process.memoryUsage().rss);
clearInterval(timer);
console.log(JSON.stringify({ totalFileBytes: a.totalFileBytes, largest: a.largestFiles[0], peakRss: peak, node: process.version }));
`,
  );
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
  if (compiled) await rm(compiled, { recursive: true, force: true });
});

async function analyseInChild(node: string, layers: ChildLayer[]): Promise<ChildResult> {
  const { stdout } = await run(node, ['--max-old-space-size=64', script, JSON.stringify(layers)], { cwd: work });
  return JSON.parse(stdout) as ChildResult;
}

const mib = (bytes: number) => (bytes / MiB).toFixed(1);

it('analyses a gzip layer larger than the heap limit in bounded memory', async () => {
  // A sparse 200 MB file: no disk used, but tar stores (and we stream) every byte.
  await run(
    'sh',
    [
      '-c',
      `mkdir -p src && truncate -s ${FILE_BYTES} src/big && echo hi > src/small && tar -C src -cf - big small | gzip -1 > layer.tar.gz`,
    ],
    { cwd: work },
  );
  const out = await analyseInChild(process.execPath, [
    { path: join(work, 'layer.tar.gz'), digest: 'sha256:big', mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' },
  ]);
  expect(out.totalFileBytes).toBe(FILE_BYTES + 3);
  expect(out.largest).toEqual({ path: '/big', bytes: FILE_BYTES });
  expect(out.peakRss).toBeLessThan(MAX_PEAK_RSS);
  console.log(`gzip: peak RSS ${mib(out.peakRss)} MiB for a ${mib(FILE_BYTES)} MiB file (${out.node})`);
});

describe('a real buildx zstd layer with a 1.5 GiB file of zeros', () => {
  let layers: ChildLayer[];
  beforeAll(async () => {
    const context = join(work, 'zstd-context');
    await mkdir(context, { recursive: true });
    // Sparse in the snapshot; the exporter still tars (and compresses) every byte.
    const text = `FROM busybox:1.35\nRUN dd if=/dev/zero of=/big bs=1048576 count=0 seek=${ZSTD_FILE_BYTES / MiB}\n`;
    await writeFile(join(context, 'Dockerfile'), text);
    const dest = join(work, 'zstd-layout');
    await buildOci({ context, dest, tag: 'ib-analysis-memory-zstd:1', compression: 'zstd' });
    const found = await layoutLayers(dest, { path: 'Dockerfile', text });
    layers = found.map((l) => ({ path: join(dest, 'blobs', ...l.digest.split(':')), digest: l.digest, mediaType: l.mediaType }));
  }, 600_000);

  const nodes = supportedNodeBinaries();
  it.each(nodes)('bounded RSS under %s', async (node) => {
    expect(layers.every((l) => l.mediaType === 'application/vnd.oci.image.layer.v1.tar+zstd')).toBe(true);
    const out = await analyseInChild(node, layers);
    expect(out.largest).toEqual({ path: '/big', bytes: ZSTD_FILE_BYTES });
    expect(out.peakRss).toBeLessThan(MAX_PEAK_RSS);
    console.log(`zstd: peak RSS ${mib(out.peakRss)} MiB for a ${mib(ZSTD_FILE_BYTES)} MiB file (${out.node})`);
  });
});
