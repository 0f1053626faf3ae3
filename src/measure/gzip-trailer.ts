/**
 * What a gzip blob's header and trailer can prove about its uncompressed size, without
 * inflating it. Pure: the caller reads the bytes.
 */

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
 * FCOMMENT terminators, FHCRC. Not checkable without inflating: whether more gzip members
 * follow the first one (`cat a.gz b.gz`); ISIZE then covers only the last member. BuildKit
 * and containerd write a single member, which is what this code assumes.
 */
export function parseGzipHeader(head: Uint8Array): GzipHeader | null {
  if (head.length < GZIP_MIN_HEADER_BYTES) return null;
  if (head[0] !== 0x1f || head[1] !== 0x8b || head[2] !== 8) return null;
  const flags = head[3]!;
  if ((flags & 0xe0) !== 0) return null;
  let offset = GZIP_MIN_HEADER_BYTES;
  if (flags & 0x04) {
    // FEXTRA: 2-byte little-endian length, then that many bytes.
    if (offset + 2 > head.length) return null;
    offset += 2 + (head[offset]! | (head[offset + 1]! << 8));
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
