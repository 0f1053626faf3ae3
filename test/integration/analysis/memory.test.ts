/**
 * Bounded memory: a child `node --max-old-space-size=64` analyses a gzip layer holding a 200 MB
 * file (generated here with tar + gzip, never held in memory) and reports its peak RSS.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../../..');
const FILE_BYTES = 200 * 1024 * 1024;

let work: string;
let compiled: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ib-analysis-mem-'));
  // Compiled JS must sit under the repo so `fzstd`, `tar-stream`… resolve from node_modules.
  compiled = join(ROOT, 'node_modules', '.cache', `ib-analysis-mem-${process.pid}`);
  await mkdir(compiled, { recursive: true });
  await run(
    'npx',
    ['tsc', '--outDir', compiled, '--rootDir', 'src', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022',
      '--skipLibCheck', '--types', 'node', '--declaration', 'false', 'src/analysis/index.ts'],
    { cwd: ROOT },
  );
  // A sparse 200 MB file: no disk used, but tar stores (and we stream) every byte.
  await run('sh', ['-c', `mkdir -p src && truncate -s ${FILE_BYTES} src/big && echo hi > src/small && tar -C src -cf - big small | gzip -1 > layer.tar.gz`], { cwd: work });
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
  if (compiled) await rm(compiled, { recursive: true, force: true });
});

it('analyses a layer larger than the heap limit in bounded memory', async () => {
  const script = join(work, 'analyse.mjs');
  await writeFile(
    script,
    `
import { createReadStream, statSync } from 'node:fs';
import { analyzeImage } from ${JSON.stringify(join(compiled, 'analysis', 'index.js'))};
let peak = 0;
const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 10);
const path = ${JSON.stringify(join(work, 'layer.tar.gz'))};
const blob = { digest: 'sha256:big', size: statSync(path).size, read: async () => Buffer.alloc(0), stream: () => createReadStream(path, { highWaterMark: 1 << 20 }) };
const a = await analyzeImage({ layers: [{ blob, digest: 'sha256:big', mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', dockerfile: null, createdBy: null }] });
peak = Math.max(peak, process.memoryUsage().rss);
clearInterval(timer);
console.log(JSON.stringify({ totalFileBytes: a.totalFileBytes, largest: a.largestFiles[0], peakRss: peak }));
`,
  );
  const { stdout } = await run(process.execPath, ['--max-old-space-size=64', script], { cwd: work });
  const out = JSON.parse(stdout) as { totalFileBytes: number; largest: { path: string; bytes: number }; peakRss: number };
  expect(out.totalFileBytes).toBe(FILE_BYTES + 3);
  expect(out.largest).toEqual({ path: '/big', bytes: FILE_BYTES });
  // Far below the 200 MB streamed through: bodies are drained, never buffered.
  expect(out.peakRss).toBeLessThan(150 * 1024 * 1024);
  console.log(`peak RSS ${(out.peakRss / 1048576).toFixed(1)} MiB for a ${FILE_BYTES / 1048576} MiB file`);
});
