import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { countedSizeFile, openCountedSizes } from '../../../src/measure/counted-sizes.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ib-counted-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('counted sizes', () => {
  test('a size put is got back, from a file named for the digest, with no temporary file left', async () => {
    const sizes = openCountedSizes(path.join(dir, 'sizes'));
    expect(await sizes.get(DIGEST)).toBeNull();
    await sizes.put(DIGEST, 25170432);
    expect(await sizes.get(DIGEST)).toBe(25170432);
    expect(await openCountedSizes(path.join(dir, 'sizes')).get(DIGEST)).toBe(25170432);
    expect(await readdir(path.join(dir, 'sizes'))).toEqual([`sha256-${'ab'.repeat(32)}`]);
  });

  test('a file that does not hold a size is a miss', async () => {
    const sizes = openCountedSizes(dir);
    for (const text of ['', '12', '12\n13\n', '-1\n', 'twelve\n', '1e9\n', '99999999999999999\n']) {
      await writeFile(countedSizeFile(dir, DIGEST)!, text);
      expect(await sizes.get(DIGEST), JSON.stringify(text)).toBeNull();
    }
  });

  test('only plain digests name a file: nothing is read or written for a path in disguise', async () => {
    expect(countedSizeFile(dir, 'sha256:../../etc/passwd')).toBeNull();
    expect(countedSizeFile(dir, `md5:${'ab'.repeat(16)}`)).toBeNull();
    expect(countedSizeFile(dir, `sha256:${'AB'.repeat(32)}`)).toBeNull();
    expect(countedSizeFile(dir, `sha512:${'cd'.repeat(64)}`)).toBe(path.join(dir, `sha512-${'cd'.repeat(64)}`));
    const sizes = openCountedSizes(dir);
    await sizes.put('sha256:../escape', 5);
    expect(await readdir(dir)).toEqual([]);
  });

  test('no size that is not a whole byte count is kept, and a directory that cannot be written is not an error', async () => {
    const sizes = openCountedSizes(dir);
    await sizes.put(DIGEST, -3);
    await sizes.put(DIGEST, 1.5);
    expect(await readdir(dir)).toEqual([]);
    await writeFile(path.join(dir, 'a-file'), '');
    await expect(openCountedSizes(path.join(dir, 'a-file', 'sizes')).put(DIGEST, 7)).resolves.toBeUndefined();
    expect(await readFile(path.join(dir, 'a-file'), 'utf8')).toBe('');
  });
});
