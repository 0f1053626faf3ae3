/**
 * Registry layers are fetched only as far as they are read, and each once: sizes alone cost a
 * few Range bytes per layer; the layer analysis downloads each distinct layer once however many
 * entries and platforms share it; with the layer cache warm nothing is downloaded at all.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parseBudgetFile } from '../../../src/config/parse-budget-file.js';
import type { ImageConfig } from '../../../src/config/types.js';
import { createMemoryLogger } from '../../../src/logger.js';
import { measureGivenImages } from '../../../src/sources/given-image/given-image-source.js';
import { pushImage, REPO, startCountingProxy, uniqueTag, writeContext, type CountingProxy, type Pushed } from './fixture.js';

const TAG = uniqueTag();
let dir: string;
let pushed: Pushed;
let proxy: CountingProxy;
let layerBytes: number;
let layerDigests: string[];

/** Two entries naming the same multi-platform image (by tag and by digest). */
function entries(): ImageConfig[] {
  const text = `version: 1\nimages:\n  by-tag:\n    image: ${proxy.host}/${REPO}:${TAG}\n  by-digest:\n    image: ${proxy.host}/${REPO}@${pushed.digest}\n`;
  return parseBudgetFile(text, { path: 'budget.yml', workdir: dir }).images;
}

async function measure(cacheDir: string | null) {
  proxy.fullBlobGets.clear();
  proxy.bytesServed = 0;
  const workDir = await mkdtemp(path.join(dir, 'run-'));
  const measured = await measureGivenImages(entries(), {
    workdir: dir,
    workDir,
    parallel: 2,
    logger: createMemoryLogger(),
    placeholders: {},
    ...(cacheDir ? { analysis: { cacheDir } } : {}),
  });
  expect(measured.map((m) => [m.entry.name, m.error, m.platforms.length])).toEqual([
    ['by-tag', null, 2],
    ['by-digest', null, 2],
  ]);
  return measured;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ib-given-fetch-'));
  await writeContext(dir, TAG);
  pushed = await pushImage(dir, `localhost:5000/${REPO}:${TAG}`);
  proxy = await startCountingProxy();
  const first = await measure(null);
  const layers = new Map(first.flatMap((m) => m.platforms.flatMap((p) => p.layers)).map((l) => [l.digest, l.compressedBytes]));
  layerDigests = [...layers.keys()];
  layerBytes = [...layers.values()].reduce((a, b) => a + b, 0);
});

afterAll(async () => {
  await proxy?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('sizes only: no layer downloaded, a few Range bytes each', async () => {
  await measure(null);
  expect([...proxy.fullBlobGets.keys()].filter((d) => layerDigests.includes(d))).toEqual([]);
  expect(layerBytes).toBeGreaterThan(1_500_000);
  expect(proxy.bytesServed).toBeLessThan(layerBytes / 20);
});

test('with the analysis: each distinct layer downloaded once for two entries × two platforms', async () => {
  const cacheDir = await mkdtemp(path.join(dir, 'cache-'));
  const measured = await measure(cacheDir);
  // FROM scratch + COPY: both platforms share their layers, and both entries are one image.
  expect(layerDigests).toHaveLength(3);
  expect(Object.fromEntries([...proxy.fullBlobGets].filter(([d]) => layerDigests.includes(d)))).toEqual(
    Object.fromEntries(layerDigests.map((d) => [d, 1])),
  );
  expect(measured.every((m) => m.analyses?.every((a) => a.analysis !== null))).toBe(true);

  // The layer cache warm: the analysis needs no layer, none is downloaded.
  await measure(cacheDir);
  expect([...proxy.fullBlobGets.keys()].filter((d) => layerDigests.includes(d))).toEqual([]);
  expect(proxy.bytesServed).toBeLessThan(layerBytes / 20);
});
