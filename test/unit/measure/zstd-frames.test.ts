import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parseZstdBlockHeader, parseZstdFrameHeader, sumZstdFrameContentSizes } from '../../../src/measure/zstd-frames.js';
import { measureUncompressedSize } from '../../../src/measure/uncompressed-size.js';
import { memoryBlob } from './memory-blob.js';

/**
 * The reference decoder: the zstd CLI, which decodes every frame of a blob (checksums ignored:
 * the hand-made frames below carry none that match, and only lengths are compared).
 */
const decompress = (blob: Uint8Array): Buffer =>
  execFileSync('zstd', ['-q', '-d', '-c', '--no-check'], { input: blob, maxBuffer: 64 << 20 });

const ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';
// Made with the zstd 1.5.4 CLI from 300,000 bytes of mixed text and random runs:
// with-size.zst by `zstd -3 file` (declares the size, XXH64 checksum, 3 compressed blocks),
// no-size.zst by `cat file | zstd -3` (size unknown to the encoder: not declared).
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/measure/${name}`, import.meta.url));
const withSize = fixture('with-size.zst');
const noSize = fixture('no-size.zst');
const smallNoCheck = fixture('small-no-check.zst');

const magic = [0x28, 0xb5, 0x2f, 0xfd];
/** A frame of raw blocks, built by hand: header descriptor + optional fields + blocks. */
function rawFrame(content: Uint8Array, descriptor: number, fields: number[], blockSize = 4): Uint8Array {
  const out: number[] = [...magic, descriptor, ...fields];
  for (let at = 0; at < content.length || at === 0; at += blockSize) {
    const chunk = content.subarray(at, at + blockSize);
    const last = at + blockSize >= content.length ? 1 : 0;
    const header = (chunk.length << 3) | (0 << 1) | last;
    out.push(header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, ...chunk);
    if (content.length === 0) break;
  }
  if (descriptor & 0x04) out.push(1, 2, 3, 4); // checksum (not verified by the walk)
  return Uint8Array.from(out);
}
const skippable = (payload: number[]) => Uint8Array.from([0x5a, 0x2a, 0x4d, 0x18, payload.length, 0, 0, 0, ...payload]);
const read = (bytes: Uint8Array) => async (offset: number, length: number) => bytes.subarray(offset, offset + length);

describe('parseZstdFrameHeader', () => {
  test.each([
    // [name, descriptor, fields, expected content size, header bytes]
    ['single segment, 1-byte size', 0x20, [200], 200, 6],
    ['2-byte size is offset by 256', 0x40, [0x50, 0x10, 0x00], 0x10 + 256, 8],
    ['4-byte size with 1-byte dictionary id', 0x81, [0x50, 7, 0x78, 0x56, 0x34, 0x12], 0x12345678, 11],
    ['single segment, 8-byte size, 4-byte dictionary id', 0xe3, [1, 2, 3, 4, 0, 0, 0, 0, 1, 0, 0, 0], 2 ** 32, 17],
    ['window byte, 8-byte size, 4-byte dictionary id', 0xc3, [0x50, 1, 2, 3, 4, 5, 0, 0, 0, 0, 0, 0, 0], 5, 18],
    ['no size declared', 0x00, [0x50], null, 6],
  ])('%s', (_name, descriptor, fields, size, headerBytes) => {
    const header = parseZstdFrameHeader(Uint8Array.from([...magic, descriptor, ...fields]));
    expect(header).toMatchObject({ kind: 'frame', contentSize: size, headerBytes });
  });

  test('skippable frame and bad input', () => {
    expect(parseZstdFrameHeader(skippable([1, 2, 3]))).toEqual({ kind: 'skippable', headerBytes: 8, frameBytes: 11 });
    expect(() => parseZstdFrameHeader(Uint8Array.from([1, 2, 3, 4, 5]))).toThrow(/bad frame magic 0x04030201/);
    expect(() => parseZstdFrameHeader(Uint8Array.from([...magic, 0x08, 0x50]))).toThrow(/reserved bit/);
  });

  test('block headers: raw, RLE (1 byte of content), compressed', () => {
    expect(parseZstdBlockHeader(Uint8Array.from([(5 << 3) | 1, 0, 0]))).toEqual({ last: true, type: 'raw', contentBytes: 5 });
    expect(parseZstdBlockHeader(Uint8Array.from([(100 << 3) | 2, 0, 0]))).toEqual({ last: false, type: 'rle', contentBytes: 1 });
    const big = (70_000 << 3) | 4;
    expect(parseZstdBlockHeader(Uint8Array.from([big & 0xff, (big >> 8) & 0xff, big >> 16]))).toEqual({
      last: false,
      type: 'compressed',
      contentBytes: 70_000,
    });
    expect(() => parseZstdBlockHeader(Uint8Array.from([6, 0, 0]))).toThrow(/reserved block type/);
  });
});

describe('sumZstdFrameContentSizes', () => {
  test('real CLI output that declares its size: the walk agrees with a full decompression', async () => {
    const truth = decompress(withSize).length;
    expect(await sumZstdFrameContentSizes(read(withSize), withSize.length)).toBe(truth);
  });

  test('hand-made frames that the zstd CLI accepts: several frames, skippable ones count 0', async () => {
    const a = rawFrame(
      Uint8Array.from({ length: 10 }, (_, i) => i),
      0x20,
      [10],
    ); // single segment, size 10
    const b = rawFrame(
      Uint8Array.from({ length: 300 }, (_, i) => i & 0xff),
      0x44,
      [0x50, 300 - 256, 0],
      128,
    );
    const blob = Buffer.concat([a, skippable([9, 9, 9, 9]), b, withSize]);
    const truth = decompress(blob).length;
    expect(truth).toBe(10 + 300 + 300_000);
    expect(await sumZstdFrameContentSizes(read(blob), blob.length)).toBe(truth);
  });

  test('a frame without a declared size stops the walk', async () => {
    expect(await sumZstdFrameContentSizes(read(noSize), noSize.length)).toBeNull();
    const blob = Buffer.concat([withSize, noSize]);
    expect(await sumZstdFrameContentSizes(read(blob), blob.length)).toBeNull();
  });

  test('truncated blob is an error, not a wrong size', async () => {
    const cut = withSize.subarray(0, withSize.length - 10);
    await expect(sumZstdFrameContentSizes(read(cut), cut.length)).rejects.toThrow(/zstd:/);
  });
});

describe('measureUncompressedSize on zstd', () => {
  test('declared size: from frame headers, without streaming', async () => {
    const blob = memoryBlob(withSize);
    expect(await measureUncompressedSize(blob, ZSTD)).toEqual({ bytes: decompress(withSize).length, source: 'zstd-frame-header' });
    expect(blob.streams).toBe(0);
  });

  test.each([
    ['no-size.zst', noSize],
    ['small-no-check.zst', smallNoCheck],
  ])('undeclared size (%s): streamed through zlib and counted', async (_name, data) => {
    const blob = memoryBlob(data);
    expect(await measureUncompressedSize(blob, ZSTD)).toEqual({ bytes: decompress(data).length, source: 'stream' });
    expect(blob.streams).toBe(1);
  });

  test('gzip bytes under a zstd media type are refused with the digest', async () => {
    await expect(measureUncompressedSize(memoryBlob(Uint8Array.from([0x1f, 0x8b, 8, 0, 0])), ZSTD)).rejects.toThrow(
      /sha256:test .*zstd magic/,
    );
  });
});
