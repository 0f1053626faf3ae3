import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { LayerStore } from '../../../src/sources/given-image/layer-store.js';
import { memoryBlob } from '../measure/memory-blob.js';

const DATA = Buffer.from('layer bytes '.repeat(1000));
const DIGEST = `sha256:${createHash('sha256').update(DATA).digest('hex')}`;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ib-layer-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('ranges are read remotely until the layer is downloaded; then from the file', async () => {
  const remote = memoryBlob(DATA, DIGEST);
  const store = new LayerStore(dir);
  const reader = store.reader(remote);
  expect((await reader.read(DATA.length - 8, 8)).toString()).toBe(DATA.subarray(-8).toString());
  expect([remote.reads, remote.streams]).toEqual([1, 0]);
  expect(await text(reader.stream())).toBe(DATA.toString());
  expect((await reader.read(0, 5)).toString()).toBe('layer');
  expect([remote.reads, remote.streams]).toEqual([1, 1]);
  expect([...store.downloaded]).toEqual([DIGEST]);
});

test('readers of one layer at once share one download', async () => {
  const remote = memoryBlob(DATA, DIGEST);
  const store = new LayerStore(dir);
  const all = await Promise.all([1, 2, 3].map(() => text(store.reader(remote).stream())));
  expect(all.every((t) => t === DATA.toString())).toBe(true);
  expect(remote.streams).toBe(1);
});

test('a download that does not match its digest is refused, and nothing is kept', async () => {
  const wrong = memoryBlob(DATA, `sha256:${'0'.repeat(64)}`);
  const store = new LayerStore(dir);
  await expect(text(store.reader(wrong).stream())).rejects.toThrow(
    `layer sha256:${'0'.repeat(64)}: downloaded ${DATA.length} bytes with digest ${DIGEST}, the manifest says ${DATA.length} bytes`,
  );
  expect(await readdir(dir)).toEqual([]);
  // Tried again by the next reader, not remembered as failed.
  await expect(store.fetch(wrong)).rejects.toThrow(/downloaded/);
  expect(wrong.streams).toBe(2);
});
