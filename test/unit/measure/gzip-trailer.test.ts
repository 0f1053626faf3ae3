import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import {
  DEFLATE_MAX_RATIO,
  ISIZE_MODULUS,
  judgeGzipTrailer,
  minSingleMemberSize,
  parseGzipHeader,
  readIsize,
  sizeFromGzipTrailer,
} from '../../../src/measure/gzip-trailer.js';
import { estargzFooter, legacyStargzFooter } from './stargz-footers.js';
import { measureUncompressedSize } from '../../../src/measure/uncompressed-size.js';
import { memoryBlob } from './memory-blob.js';

const GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
/** Largest deflate payload whose 1032:1 bound stays below 2^32. */
const D_LIMIT = Math.floor((ISIZE_MODULUS - 1) / DEFLATE_MAX_RATIO);
const overhead = 18; // 10-byte header + 8-byte trailer

describe('sizeFromGzipTrailer', () => {
  test.each<[number, number, number, number | null, string]>([
    // [#, compressedSize, isize, expected, why]
    [1, 19, 0, null, 'too small for any deflate stream'],
    [2, 20, 0, 0, 'smallest stream, ISIZE 0'],
    [3, 20, 2064, 2064, 'exactly at the 1032:1 bound'],
    [4, 20, 2065, null, 'ISIZE beyond what 2 bytes can inflate to'],
    [5, 1_000, 2_000_000, null, 'ISIZE beyond 1032:1 is inconsistent'],
    [6, D_LIMIT + overhead, 0, 0, 'just below the ambiguity: k = 1 exceeds the bound'],
    [7, D_LIMIT + 1 + overhead, 0, null, 'just above: 0 and 2^32 both possible'],
    [8, D_LIMIT + 1 + overhead, 1016, null, '2^32 + 1016 == 1032 * D still possible'],
    [9, D_LIMIT + 1 + overhead, 1017, 1017, '2^32 + 1017 > 1032 * D: unique'],
    [10, D_LIMIT + 1 + overhead, ISIZE_MODULUS - 1, ISIZE_MODULUS - 1, 'largest ISIZE, unique'],
    [11, 1_000_000_000, 123_456, null, '1 GB blob: never provable'],
    [12, 100, -1, null, 'negative ISIZE rejected'],
    [13, 100, ISIZE_MODULUS, null, 'ISIZE must be < 2^32'],
  ])('#%i C=%i ISIZE=%i → %s (%s)', (_n, compressedSize, isize, expected) => {
    expect(sizeFromGzipTrailer(compressedSize, isize)).toBe(expected);
  });

  test('the bound is the 258-byte/2-bit match: 1032 bytes per compressed byte', () => {
    expect(DEFLATE_MAX_RATIO).toBe((258 * 8) / 2);
    expect(DEFLATE_MAX_RATIO * D_LIMIT).toBeLessThan(ISIZE_MODULUS);
    expect(DEFLATE_MAX_RATIO * (D_LIMIT + 1)).toBeGreaterThanOrEqual(ISIZE_MODULUS);
  });

  test('real zlib output never beats the bound (all-zero input, best level)', () => {
    const input = Buffer.alloc(8 * 1024 * 1024);
    const gz = gzipSync(input, { level: 9 });
    expect(input.length).toBeLessThanOrEqual(DEFLATE_MAX_RATIO * (gz.length - overhead));
    expect(sizeFromGzipTrailer(gz.length, readIsize(gz.subarray(-8)))).toBe(input.length);
  });
});

describe('judgeGzipTrailer', () => {
  const trailer = (isize: number) => {
    const bytes = Buffer.alloc(8);
    bytes.writeUInt32LE(isize, 4);
    return bytes;
  };
  const judge = (compressedSize: number, isize: number, annotations?: Record<string, string>) =>
    judgeGzipTrailer({ compressedSize, headerBytes: 10, tail: trailer(isize), annotations });

  test.each<[number, number, number, number | null, string]>([
    // [#, compressedSize, isize, trusted bytes, why]
    [1, 32, 1024, 1024, 'the empty tar layer: two zero blocks'],
    [2, 1_000_000, 3_000_320, 3_000_320, 'compressible tar content'],
    [3, 1_000_000, 1_000_448, 1_000_448, 'incompressible: a little below the stored size'],
    [4, 1_000_000, 0, null, 'ISIZE 0: not a tar stream (the eStargz footer member)'],
    [5, 1_000_000, 1000, null, 'not whole 512-byte blocks'],
    [6, 1_000_000, 512, null, 'one block: no end-of-archive'],
    [7, 1_000_000, 512 * 1024, null, 'less than one member of 1 MB can hold: several members'],
    [8, 5_000_000, 10 * 1024 * 1024, null, 'above ~4.16 MB: the 2^32 wrap cannot be ruled out'],
  ])('#%i C=%i ISIZE=%i → %s (%s)', (_n, compressedSize, isize, expected) => {
    const judgement = judge(compressedSize, isize);
    expect(judgement.trusted ? judgement.bytes : null).toBe(expected);
  });

  test('the single-member bound sits just below incompressible data, with room for odd encoders', () => {
    const incompressible = randomBytes(1024 * 1024);
    const gz = gzipSync(incompressible, { level: 9 });
    expect(gz.length).toBeGreaterThan(incompressible.length); // stored blocks: a little bigger
    const min = minSingleMemberSize(gz.length, 10);
    expect(min).toBeLessThan(incompressible.length);
    expect(min).toBeGreaterThan(incompressible.length * 0.98);
  });

  test('eStargz annotations and stargz footers make the trailer untrusted, with a reason', () => {
    expect(judge(32, 1024, { 'io.containers.estargz.uncompressed-size': '1024' })).toEqual({
      trusted: false,
      reason: 'eStargz annotations: many gzip members',
    });
    const footer = estargzFooter(123_456);
    expect(judgeGzipTrailer({ compressedSize: 500_000, headerBytes: 10, tail: footer })).toEqual({
      trusted: false,
      reason: 'eStargz footer: many gzip members',
    });
    const legacy = legacyStargzFooter(123_456);
    expect(judgeGzipTrailer({ compressedSize: 500_000, headerBytes: 10, tail: Buffer.concat([Buffer.alloc(4), legacy]) })).toEqual({
      trusted: false,
      reason: 'stargz footer: many gzip members',
    });
  });
});

describe('parseGzipHeader', () => {
  const base = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
  const withFlags = (flags: number, ...rest: number[]) => Uint8Array.from([...base.slice(0, 3), flags, ...base.slice(4), ...rest]);
  test.each([
    ['plain', withFlags(0), 10],
    ['FEXTRA of 3 bytes', withFlags(0x04, 3, 0, 1, 2, 3), 15],
    ['FNAME', withFlags(0x08, 0x61, 0x62, 0), 13],
    ['FNAME + FCOMMENT + FHCRC', withFlags(0x1a, 0x61, 0, 0x63, 0, 9, 9), 16],
  ])('%s → header of %i bytes', (_name, head, bytes) => {
    expect(parseGzipHeader(head)).toEqual({ headerBytes: bytes });
  });
  test.each([
    ['wrong magic', Uint8Array.from([0x1f, 0x8c, 8, 0, 0, 0, 0, 0, 0, 3])],
    ['method other than deflate', Uint8Array.from([0x1f, 0x8b, 7, 0, 0, 0, 0, 0, 0, 3])],
    ['reserved flag bit', withFlags(0x20)],
    ['unterminated FNAME', withFlags(0x08, 0x61, 0x62)],
    ['FEXTRA longer than the probe', withFlags(0x04, 0xff, 0xff)],
    ['shorter than 10 bytes', Uint8Array.from([0x1f, 0x8b, 8])],
  ])('%s → null', (_name, head) => {
    expect(parseGzipHeader(head)).toBeNull();
  });
});

describe('measureUncompressedSize on gzip', () => {
  test('small blob: proven by the trailer, no streaming', async () => {
    // Layers are tar streams: whole 512-byte blocks.
    const input = Buffer.concat([randomBytes(50_176), Buffer.alloc(200_192, 'a')]);
    const blob = memoryBlob(gzipSync(input));
    expect(await measureUncompressedSize(blob, GZIP)).toEqual({ bytes: input.length, source: 'gzip-trailer' });
    expect(blob.streams).toBe(0);
  });

  test('blob above ~4.16 MB: trailer cannot prove it, streams and counts', async () => {
    const input = randomBytes(4_300_000);
    const blob = memoryBlob(gzipSync(input, { level: 1 }));
    expect(blob.size).toBeGreaterThan(D_LIMIT + overhead);
    expect(await measureUncompressedSize(blob, GZIP)).toEqual({
      bytes: input.length,
      source: 'stream',
      why: 'trailer holds the size modulo 2^32 only',
    });
    expect(blob.streams).toBe(1);
  });

  test('header with FNAME still proven; a reserved flag falls back to streaming', async () => {
    const input = Buffer.alloc(10_240, 'x');
    const gz = gzipSync(input);
    const named = Buffer.concat([gz.subarray(0, 3), Buffer.from([0x08]), gz.subarray(4, 10), Buffer.from('layer.tar\0'), gz.subarray(10)]);
    expect(await measureUncompressedSize(memoryBlob(named), GZIP)).toEqual({ bytes: 10_240, source: 'gzip-trailer' });
    const odd = Buffer.from(gz);
    odd[3] = 0x80;
    await expect(measureUncompressedSize(memoryBlob(odd), GZIP)).rejects.toThrow(/cannot decompress layer sha256:test \(gzip\)/);
  });

  test('multi-member gzip: the last member ISIZE (7000) is not a tar size, so all members are counted', async () => {
    const two = Buffer.concat([gzipSync(Buffer.alloc(5000, 'a')), gzipSync(Buffer.alloc(7000, 'b'))]);
    const blob = memoryBlob(two);
    expect(await measureUncompressedSize(blob, GZIP)).toMatchObject({ bytes: 12_000, source: 'stream' });
    expect(blob.streams).toBe(1);
  });

  test('multi-member gzip whose last member is a short tar-sized one: caught by the single-member bound', async () => {
    const two = Buffer.concat([gzipSync(randomBytes(200 * 512)), gzipSync(Buffer.alloc(1024))]);
    expect(await measureUncompressedSize(memoryBlob(two), GZIP)).toMatchObject({ bytes: 201 * 512 + 1024 - 512, source: 'stream' });
  });

  test.each([
    ['eStargz (51-byte footer)', estargzFooter, 'eStargz footer: many gzip members'],
    ['legacy stargz (47-byte footer)', legacyStargzFooter, 'stargz footer: many gzip members'],
  ])('%s layer without annotations: the footer is recognised and every member counted', async (_name, footer, why) => {
    const body = gzipSync(Buffer.alloc(3 * 512, 'z'));
    const toc = gzipSync(Buffer.alloc(2 * 512, 't'));
    const blob = memoryBlob(Buffer.concat([body, toc, footer(body.length)]));
    const measured = await measureUncompressedSize(blob, GZIP);
    expect(measured).toMatchObject({ bytes: 5 * 512, source: 'stream' });
    expect(measured.why).toBe(why);
  });

  test('a layer annotated as eStargz is streamed even when its trailer looks provable', async () => {
    const input = Buffer.alloc(4 * 512, 'q');
    const annotations = { 'containerd.io/snapshot/stargz/toc.digest': `sha256:${'0'.repeat(64)}` };
    const blob = memoryBlob(gzipSync(input));
    expect(await measureUncompressedSize(blob, GZIP)).toEqual({ bytes: input.length, source: 'gzip-trailer' });
    expect(await measureUncompressedSize(blob, GZIP, { annotations })).toMatchObject({ bytes: input.length, source: 'stream' });
    expect(blob.streams).toBe(1);
  });

  test('tiny blob too small for a trailer goes to the stream, which names the layer', async () => {
    await expect(measureUncompressedSize(memoryBlob(Uint8Array.from([0x1f, 0x8b, 8])), GZIP)).rejects.toThrow(/sha256:test/);
  });

  test('uncompressed tar media types: size is the blob size', async () => {
    const blob = memoryBlob(new Uint8Array(3072));
    expect(await measureUncompressedSize(blob, 'application/vnd.oci.image.layer.v1.tar')).toEqual({ bytes: 3072, source: 'uncompressed' });
    expect(await measureUncompressedSize(blob, 'application/vnd.docker.image.rootfs.diff.tar')).toEqual({
      bytes: 3072,
      source: 'uncompressed',
    });
    expect(blob.reads + blob.streams).toBe(0);
  });

  test('unknown media type is an error naming it', async () => {
    await expect(measureUncompressedSize(memoryBlob(new Uint8Array(4)), 'application/vnd.in-toto+json')).rejects.toThrow(
      /unsupported layer media type "application\/vnd.in-toto\+json"/,
    );
  });
});
