/**
 * Walks the frames of a zstd blob (RFC 8878 §3.1) by their headers and block headers, to
 * sum the Frame_Content_Size fields without decompressing anything. Parsing is pure; the
 * walk reads through a small `read(offset, length)` callback.
 */

export const ZSTD_MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
export const BLOCK_HEADER_BYTES = 3;
export const CHECKSUM_BYTES = 4;

/** Skippable frames (RFC 8878 §3.1.2): magic 0x184D2A5?, then a 4-byte length. */
export function isSkippableMagic(magic: number): boolean {
  return (magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC;
}

/** Bytes of the Frame_Content_Size field, from the descriptor's flag and single-segment bit. */
function fcsBytesOf(descriptor: number): number {
  const fcsFlag = (descriptor >> 6) & 0x03;
  // Flag 0: 1 byte in a single-segment frame, else none; flags 1, 2, 3: 2, 4, 8 bytes.
  if (fcsFlag === 0) return (descriptor & 0x20) !== 0 ? 1 : 0;
  return 1 << fcsFlag;
}

/** A frame header's length, from its descriptor byte (the fifth): what parsing it needs. */
export function frameHeaderBytes(descriptor: number): number {
  const singleSegment = (descriptor & 0x20) !== 0;
  // Dictionary_ID_Flag 0, 1, 2, 3: 0, 1, 2, 4 bytes.
  const dictionaryIdFlag = descriptor & 0x03;
  const dictionaryIdBytes = dictionaryIdFlag === 0 ? 0 : 1 << (dictionaryIdFlag - 1);
  return 5 + (singleSegment ? 0 : 1) + dictionaryIdBytes + fcsBytesOf(descriptor);
}
/** Largest frame header: magic 4 + descriptor 1 + window 1 + dictionary 4 + content size 8. */
export const ZSTD_MAX_FRAME_HEADER_BYTES = 18;

export type ZstdFrameHeader =
  | { kind: 'skippable'; headerBytes: 8; frameBytes: number }
  | {
      kind: 'frame';
      headerBytes: number;
      /** Declared decompressed size, or null when the frame does not declare it. */
      contentSize: number | null;
      hasChecksum: boolean;
    };

/** Parses the frame header starting at `buf[0]`; throws on bytes that are not a frame. */
export function parseZstdFrameHeader(buf: Uint8Array): ZstdFrameHeader {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.length < 4) throw new Error(`zstd: truncated frame header (${view.length} bytes)`);
  const magic = view.readUInt32LE(0);
  if (isSkippableMagic(magic)) {
    if (view.length < 8) throw new Error('zstd: truncated skippable frame header');
    return { kind: 'skippable', headerBytes: 8, frameBytes: 8 + view.readUInt32LE(4) };
  }
  if (magic !== ZSTD_MAGIC) {
    throw new Error(`zstd: bad frame magic 0x${magic.toString(16).padStart(8, '0')}`);
  }
  if (view.length < 5) throw new Error('zstd: truncated frame header descriptor');
  const descriptor = view.readUInt8(4);
  if (descriptor & 0x08) throw new Error('zstd: reserved bit set in frame header descriptor');
  const hasChecksum = (descriptor & 0x04) !== 0;
  const fcsBytes = fcsBytesOf(descriptor);
  const headerBytes = frameHeaderBytes(descriptor);
  const fcsOffset = headerBytes - fcsBytes;
  if (view.length < headerBytes) throw new Error('zstd: truncated frame header');
  let contentSize: number | null = null;
  if (fcsBytes === 1) contentSize = view.readUInt8(fcsOffset);
  else if (fcsBytes === 2)
    contentSize = view.readUInt16LE(fcsOffset) + 256; // 2-byte form is offset by 256
  else if (fcsBytes === 4) contentSize = view.readUInt32LE(fcsOffset);
  else if (fcsBytes === 8) {
    const big = view.readBigUInt64LE(fcsOffset);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`zstd: content size ${big} too large`);
    contentSize = Number(big);
  }
  return { kind: 'frame', headerBytes, contentSize, hasChecksum };
}

export interface ZstdBlockHeader {
  last: boolean;
  type: 'raw' | 'rle' | 'compressed';
  /** Bytes of block content that follow the 3-byte header in the blob. */
  contentBytes: number;
}

/** Parses a 3-byte block header (RFC 8878 §3.1.1.2). */
export function parseZstdBlockHeader(buf: Uint8Array): ZstdBlockHeader {
  if (buf.length < BLOCK_HEADER_BYTES) throw new Error('zstd: truncated block header');
  const value = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).readUIntLE(0, BLOCK_HEADER_BYTES);
  const typeCode = (value >> 1) & 0x03;
  if (typeCode === 3) throw new Error('zstd: reserved block type');
  const blockSize = value >>> 3;
  const type = typeCode === 0 ? 'raw' : typeCode === 1 ? 'rle' : 'compressed';
  // An RLE block's size is its regenerated size; its content is the single byte to repeat.
  return { last: (value & 1) === 1, type, contentBytes: type === 'rle' ? 1 : blockSize };
}

export type ReadAt = (offset: number, length: number) => Promise<Uint8Array>;

/**
 * Sums the declared content sizes of every frame in a blob of `size` bytes. Returns null as
 * soon as a frame does not declare its size (the caller must then decompress). Skippable
 * frames contribute 0.
 */
export async function sumZstdFrameContentSizes(read: ReadAt, size: number): Promise<number | null> {
  const cursor = new BufferedReader(read, size);
  let offset = 0;
  let total = 0;
  while (offset < size) {
    const header = parseZstdFrameHeader(await cursor.read(offset, Math.min(ZSTD_MAX_FRAME_HEADER_BYTES, size - offset)));
    if (header.kind === 'skippable') {
      offset += header.frameBytes;
      continue;
    }
    if (header.contentSize === null) return null;
    total += header.contentSize;
    offset += header.headerBytes;
    for (;;) {
      if (offset + BLOCK_HEADER_BYTES > size) throw new Error(`zstd: blob ends inside a frame at byte ${offset}`);
      const block = parseZstdBlockHeader(await cursor.read(offset, BLOCK_HEADER_BYTES));
      offset += BLOCK_HEADER_BYTES + block.contentBytes;
      if (block.last) break;
    }
    if (header.hasChecksum) offset += CHECKSUM_BYTES;
  }
  if (offset !== size) throw new Error(`zstd: last frame runs past the end of the blob (${offset} > ${size})`);
  return total;
}

/** Reads small pieces through one window, so walking many block headers costs few reads. */
class BufferedReader {
  private start = 0;
  private data: Uint8Array = new Uint8Array(0);
  constructor(
    private readonly readAt: ReadAt,
    private readonly size: number,
    // Small: big frames are skipped block by block (<= 128 KiB each), so a large window
    // would mostly read bytes that are jumped over; a registry reader pays per request anyway.
    private readonly window = 8 * 1024,
  ) {}

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (offset < this.start || offset + length > this.start + this.data.length) {
      this.start = offset;
      this.data = await this.readAt(offset, Math.min(Math.max(length, this.window), this.size - offset));
      if (this.data.length < length) throw new Error(`zstd: short read at byte ${offset}`);
    }
    return this.data.subarray(offset - this.start, offset - this.start + length);
  }
}
