import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { detectCompression, normalisePath, scanLayer } from '../../../src/analysis/read-layer.js';
import { blobOf, dir, file, makeLayer, symlink, type FakeEntry } from './helpers.js';

const ENTRIES: FakeEntry[] = [
  { path: './', type: 'directory' },
  { path: './usr/', type: 'directory' },
  { path: './usr/bin/tool', size: 3000, mode: 0o755, uid: 1000 },
  { path: 'usr/bin/alias', type: 'link', linkname: './usr/bin/tool' },
  symlink('usr/bin/sl', '../lib/x'),
  { path: 'dev-fifo', type: 'fifo' },
  file('big', 5 * 1024 * 1024 + 17),
];

describe('scanLayer', () => {
  for (const compression of ['gzip', 'zstd', 'none'] as const) {
    it(`reads a ${compression} layer into normalised entries`, async () => {
      const bytes = await makeLayer(ENTRIES, compression);
      const scan = await scanLayer(blobOf(bytes).stream(), { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: 'sha256:x' });
      expect(scan.entries).toEqual([
        { path: 'usr', type: 'dir', size: 0, linkTarget: null, mode: 0o755, uid: 0 },
        { path: 'usr/bin/tool', type: 'file', size: 3000, linkTarget: null, mode: 0o755, uid: 1000 },
        { path: 'usr/bin/alias', type: 'hardlink', size: 0, linkTarget: 'usr/bin/tool', mode: 0o644, uid: 0 },
        { path: 'usr/bin/sl', type: 'symlink', size: 0, linkTarget: '../lib/x', mode: 0o644, uid: 0 },
        { path: 'dev-fifo', type: 'other', size: 0, linkTarget: null, mode: 0o644, uid: 0 },
        { path: 'big', type: 'file', size: 5 * 1024 * 1024 + 17, linkTarget: null, mode: 0o644, uid: 0 },
      ]);
    });
  }

  it('handles a stream cut into tiny chunks', async () => {
    const bytes = await makeLayer([dir('a'), file('a/b', 70_000)]);
    const scan = await scanLayer(blobOf(bytes, 7).stream(), { mediaType: '', digest: 'sha256:x' });
    expect(scan.entries.map((e) => [e.path, e.size])).toEqual([
      ['a', 0],
      ['a/b', 70_000],
    ]);
  });

  it('fails with the layer digest when the gzip data is corrupt', async () => {
    const bytes = await makeLayer([file('a', 100_000)]);
    const bad = Buffer.concat([bytes.subarray(0, 20), Buffer.alloc(200, 7)]);
    await expect(scanLayer(Readable.from([bad]), { mediaType: 'x+gzip', digest: 'sha256:bad' })).rejects.toThrow(
      /layer sha256:bad .*cannot read as a tar stream/,
    );
  });

  it('fails with the layer digest when a plain tar is truncated', async () => {
    const bytes = await makeLayer([file('a', 100_000)], 'none');
    await expect(scanLayer(Readable.from([bytes.subarray(0, 5000)]), { mediaType: 'tar', digest: 'sha256:cut' })).rejects.toThrow(
      /sha256:cut/,
    );
  });
});

describe('detectCompression / normalisePath', () => {
  it.each([
    [[0x1f, 0x8b, 8, 0, 0, 0], 'x', 'gzip'],
    [[0x28, 0xb5, 0x2f, 0xfd, 0, 0], 'x', 'zstd'],
    [[0x61, 0x62, 0x63, 0, 0, 0], 'application/vnd.oci.image.layer.v1.tar+gzip', 'none'],
    [[0x1f], 'application/vnd.oci.image.layer.v1.tar+zstd', 'zstd'],
  ])('%j %s → %s', (head, mediaType, expected) => {
    expect(detectCompression(Uint8Array.from(head), mediaType)).toBe(expected);
  });
  it.each([
    ['./usr/bin/', 'usr/bin'],
    ['/etc//passwd', 'etc/passwd'],
    ['./', ''],
    ['.', ''],
    ['a/./b/../c', 'a/c'],
  ])('%s → %s', (raw, expected) => {
    expect(normalisePath(raw)).toBe(expected);
  });
});
