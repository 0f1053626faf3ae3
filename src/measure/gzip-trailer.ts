/**
 * What a gzip blob's header and trailer can prove about its uncompressed size, without
 * inflating it. Pure: the caller reads the bytes.
 */
import { hasStargzAnnotations, stargzFooterKind } from './stargz.js';

/** ISIZE is the uncompressed size modulo 2^32 (RFC 1952 §2.3.1). */
export const ISIZE_MODULUS = 2 ** 32;

/**
 * The best compression ratio deflate can reach, in output bytes per input byte.
 * The densest symbol pair is a length-258 match (code 285, no extra bits) with distance 1
 * (code 0, no extra bits); with Huffman codes of 1 bit each that is 258 bytes per 2 bits,
 * i.e. 129 bytes per bit = 1032 bytes per compressed byte. Block headers, the end-of-block
 * code and the literal that must open the stream only lower the real figure, so
 * `uncompressed <= 1032 * deflateBytes` holds for every valid deflate stream.
 */
export const DEFLATE_MAX_RATIO = 1032;

/** Fixed gzip header (magic, CM, FLG, MTIME, XFL, OS) and trailer (CRC32, ISIZE). */
export const GZIP_MIN_HEADER_BYTES = 10;
export const GZIP_TRAILER_BYTES = 8;

/**
 * The uncompressed size of a single-member gzip blob of `compressedSize` bytes whose
 * trailer holds `isize`, when that is provable; null when several sizes are possible.
 *
 * Why this is a proof: the candidates are `isize + k * 2^32` for k = 0, 1, 2, ...
 * Upper bound: the deflate data is at most `compressedSize - 18` bytes (a header of at
 * least 10 bytes and the 8-byte trailer; a longer header only shrinks it), so
 * `U <= 1032 * (compressedSize - 18)` (see DEFLATE_MAX_RATIO).
 * Lower bound: we use 0, assuming nothing about the encoder. A "deflate never expands by
 * more than the stored-block overhead" bound holds for zlib or Go's encoder but not for
 * every valid stream (empty blocks are legal and unbounded), and it cannot rescue an
 * ambiguous case anyway: any lower bound L > isize needs a compressed size near L, and then
 * 1032 * compressed - L is far wider than 2^32 except in a sliver below ~8 MB.
 * So k = 0 is always a candidate, and the answer is unique iff the k = 1 candidate exceeds
 * the upper bound: `isize + 2^32 > 1032 * (compressedSize - 18)`. That holds for every
 * blob below ~4.16 MB (2^32 / 1032) and never above it, whatever the data.
 */
export function sizeFromGzipTrailer(compressedSize: number, isize: number): number | null {
  if (!Number.isSafeInteger(compressedSize) || !Number.isInteger(isize) || isize < 0 || isize >= ISIZE_MODULUS) {
    return null;
  }
  const deflateBytes = compressedSize - GZIP_MIN_HEADER_BYTES - GZIP_TRAILER_BYTES;
  // Smallest valid deflate stream: one empty fixed-Huffman block, 10 bits = 2 bytes.
  if (deflateBytes < 2) return null;
  const maxUncompressed = DEFLATE_MAX_RATIO * deflateBytes;
  if (isize > maxUncompressed) return null; // inconsistent: not what it claims to be
  if (isize + ISIZE_MODULUS <= maxUncompressed) return null; // k = 1 also possible
  return isize;
}

export interface GzipHeader {
  /** Bytes before the deflate data. */
  headerBytes: number;
}

/**
 * Parses a gzip member header (RFC 1952 §2.3) from the first bytes of a blob.
 * Returns null when it is not a header we can vouch for: wrong magic, a method other than
 * deflate, reserved flag bits set, or optional fields running past `head` (then the caller
 * streams instead). Checked: ID1/ID2, CM = 8, FLG reserved bits, FEXTRA length, FNAME and
 * FCOMMENT terminators, FHCRC. Whether more gzip members follow the first one cannot be seen
 * here: judgeGzipTrailer weighs that.
 */
export function parseGzipHeader(head: Uint8Array): GzipHeader | null {
  if (head.length < GZIP_MIN_HEADER_BYTES) return null;
  const view = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (view[0] !== 0x1f || view[1] !== 0x8b || view[2] !== 8) return null;
  const flags = view.readUInt8(3);
  if ((flags & 0xe0) !== 0) return null;
  let offset = GZIP_MIN_HEADER_BYTES;
  if (flags & 0x04) {
    // FEXTRA: 2-byte little-endian length, then that many bytes.
    if (offset + 2 > head.length) return null;
    offset += 2 + view.readUInt16LE(offset);
  }
  for (const flag of [0x08, 0x10]) {
    // FNAME, FCOMMENT: zero-terminated strings.
    if (flags & flag) {
      const end = head.indexOf(0, offset);
      if (end < 0) return null;
      offset = end + 1;
    }
  }
  if (flags & 0x02) offset += 2; // FHCRC
  if (offset > head.length) return null;
  return { headerBytes: offset };
}

/** Reads ISIZE from the last 8 bytes of a gzip member (little-endian uint32 at +4). */
export function readIsize(trailer: Uint8Array): number {
  if (trailer.length !== GZIP_TRAILER_BYTES) {
    throw new Error(`gzip trailer must be ${GZIP_TRAILER_BYTES} bytes, got ${trailer.length}`);
  }
  return Buffer.from(trailer.buffer, trailer.byteOffset, trailer.byteLength).readUInt32LE(4);
}

/** A tar stream is whole 512-byte blocks and ends with two zero blocks (POSIX ustar). */
const TAR_BLOCK_BYTES = 512;
const MIN_TAR_BYTES = 2 * TAR_BLOCK_BYTES;

/**
 * How much deflate may expand data, as a fraction, plus a fixed allowance. Encoders fall back
 * to stored blocks for data they cannot shrink: 5 bytes of block header per block of at most
 * 65,535 bytes (zlib and Go's compress/flate cut blocks at ~16 KiB of input: 0.03 %), a 5-byte
 * empty final block (Go), a 5-byte sync marker per chunk (pigz 128 KiB, pgzip 1 MiB). 1/64 plus
 * 64 bytes is some 30 times that, so an odd encoder costs a stream, never a wrong size.
 */
const MAX_DEFLATE_EXPANSION = 1 / 64;
const DEFLATE_EXPANSION_SLACK_BYTES = 64;

/**
 * The least a single gzip member of `compressedSize` bytes (header of `headerBytes`) can hold
 * when its encoder falls back to stored blocks (see MAX_DEFLATE_EXPANSION).
 */
export function minSingleMemberSize(compressedSize: number, headerBytes: number): number {
  const deflateBytes = compressedSize - headerBytes - GZIP_TRAILER_BYTES;
  return Math.max(0, Math.floor((deflateBytes - DEFLATE_EXPANSION_SLACK_BYTES) / (1 + MAX_DEFLATE_EXPANSION)));
}

/** What measuring a gzip layer knows without inflating it. */
export interface GzipLayerEvidence {
  compressedSize: number;
  /** From parseGzipHeader. */
  headerBytes: number;
  /** The blob's last bytes: at least the 8-byte trailer, and ESTARGZ_FOOTER_BYTES when the blob has them. */
  tail: Uint8Array;
  /** The layer descriptor's annotations. */
  annotations?: Record<string, string>;
}

export type TrailerJudgement = { trusted: true; bytes: number } | { trusted: false; reason: string };

/**
 * Whether the gzip trailer of a `tar+gzip` layer is its uncompressed size: the one decision
 * for layout layers and registry layers alike. Trusted only when all of these hold:
 * 1. Not (e)stargz: no stargz annotations on the descriptor, and the blob does not end with an
 *    eStargz (51-byte, FEXTRA subfield `SG`) or legacy stargz (47-byte) footer. Those layers are
 *    many gzip members ending with an empty footer member, so ISIZE is 0; they are the
 *    multi-member layers image builders write.
 * 2. The 2^32 wrap is ruled out (sizeFromGzipTrailer): ISIZE is the size modulo 2^32, and
 *    below ~4.16 MB compressed only k = 0 fits deflate's 1032:1 ceiling.
 * 3. ISIZE is a tar stream's size: at least 1024 bytes and a multiple of 512. The last member
 *    of a concatenation rarely is.
 * 4. ISIZE is at least what one member spanning the whole blob must hold
 *    (minSingleMemberSize): a last member that covers only part of the blob is caught here.
 * With one member, 2 is a proof. That there is one member cannot be proven without inflating;
 * 1, 3 and 4 reject every multi-member layer we know of (stargz, eStargz, a short last member).
 * What still passes: a hand-made concatenation whose last member alone holds at least as many
 * bytes as the whole blob compresses to, in whole tar blocks — no image builder writes that.
 */
export function judgeGzipTrailer(evidence: GzipLayerEvidence): TrailerJudgement {
  const { compressedSize, headerBytes, tail, annotations } = evidence;
  if (hasStargzAnnotations(annotations)) return { trusted: false, reason: 'eStargz annotations: many gzip members' };
  const footer = stargzFooterKind(tail);
  if (footer !== null) return { trusted: false, reason: `${footer === 'estargz' ? 'eStargz' : 'stargz'} footer: many gzip members` };
  if (tail.length < GZIP_TRAILER_BYTES) return { trusted: false, reason: 'no gzip trailer' };
  const isize = readIsize(tail.subarray(tail.length - GZIP_TRAILER_BYTES));
  const bytes = sizeFromGzipTrailer(compressedSize, isize);
  if (bytes === null) return { trusted: false, reason: 'trailer holds the size modulo 2^32 only' };
  if (bytes < MIN_TAR_BYTES || bytes % TAR_BLOCK_BYTES !== 0) {
    return { trusted: false, reason: `trailer size ${bytes} is not a tar stream's (>= 1024, whole 512-byte blocks)` };
  }
  if (bytes < minSingleMemberSize(compressedSize, headerBytes)) {
    return { trusted: false, reason: `trailer size ${bytes} is less than ${compressedSize} compressed bytes can hold in one member` };
  }
  return { trusted: true, bytes };
}
