import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { openOciLayout } from '../../../src/sources/given-image/local-layout.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ib-local-layout-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeTar(file: string, entries: Record<string, string>): Promise<void> {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(entries)) pack.entry({ name }, content);
  pack.finalize();
  await pipeline(pack, createWriteStream(file));
}

const LAYOUT = { 'oci-layout': '{"imageLayoutVersion":"1.0.0"}', 'index.json': '{"schemaVersion":2,"manifests":[]}' };

test('a layout tar is unpacked and checked', async () => {
  await writeTar(path.join(dir, 'image.tar'), { ...LAYOUT, 'blobs/sha256/abc': 'x' });
  const layout = await openOciLayout(path.join(dir, 'image.tar'), path.join(dir, 'out'));
  expect(layout).toBe(path.join(dir, 'out'));
  expect(await readFile(path.join(layout, 'blobs/sha256/abc'), 'utf8')).toBe('x');
});

test.each([
  [1, { 'index.json': LAYOUT['index.json'] }, /is not an OCI image layout: no readable oci-layout file/],
  [2, { 'oci-layout': '{}', 'index.json': LAYOUT['index.json'] }, /its oci-layout file has no imageLayoutVersion/],
  [3, { 'oci-layout': LAYOUT['oci-layout'] }, /no readable index.json/],
  [4, { 'oci-layout': LAYOUT['oci-layout'], 'index.json': '{"manifests":{}}' }, /index.json has no manifests list/],
])('%i: a directory that is not a layout says what is missing', async (_n, files, message) => {
  const layout = path.join(dir, 'layout');
  await mkdir(layout);
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(layout, name), content);
  await expect(openOciLayout(layout, path.join(dir, 'out'))).rejects.toThrow(message);
});

test('a tar entry that points outside the layout is refused', async () => {
  await writeTar(path.join(dir, 'evil.tar'), { ...LAYOUT, '../escaped': 'gotcha' });
  await expect(openOciLayout(path.join(dir, 'evil.tar'), path.join(dir, 'out'))).rejects.toThrow(
    /tar entry "..\/escaped" points outside the layout/,
  );
  await expect(readFile(path.join(dir, 'escaped'))).rejects.toThrow();
});
