/**
 * A zstd decompression stream with bounded memory, for every reader of zstd layers: zlib's own
 * (Node >= 22.15 / 23.8, so every Node this package supports), at native speed, and zlib streams
 * stop decompressing while their reader is behind. Its stream drops every frame after the first
 * when one write holds the end of a frame and more input (nodejs/node#64741), so writes are cut
 * at frame ends.
 */
import * as stream from 'node:stream';
import { Transform, type Duplex, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';
import {
  BLOCK_HEADER_BYTES,
  CHECKSUM_BYTES,
  frameHeaderBytes,
  isSkippableMagic,
  parseZstdBlockHeader,
  parseZstdFrameHeader,
  ZSTD_MAGIC,
} from '../measure/zstd-frames.js';

type NativeFactory = (options?: zlib.ZstdOptions) => Transform;
/** `stream.compose` (experimental, untyped in @types/node 22): writes go to the first, reads come from the last. */
const compose = (stream as unknown as { compose: (...streams: Duplex[]) => Duplex }).compose;

/** zlib's zstd decompressor; null on a Node older than this package supports (before 22.15). */
export function nativeZstdFactory(): NativeFactory | null {
  const factory = (zlib as Partial<typeof zlib>).createZstdDecompress;
  return typeof factory === 'function' ? factory : null;
}

export interface ZstdDecompressOptions {
  /** Output chunk size of the native decoder. */
  chunkSize?: number;
}

/** A stream: zstd frames in, their content out, never far ahead of the reader. */
export function createZstdDecompress(opts: ZstdDecompressOptions = {}): Duplex {
  const native = nativeZstdFactory();
  if (!native) throw new Error(`this Node (${process.version}) has no zstd in zlib: image-budget needs Node >= 22.15`);
  return compose(new FrameCutter(), native(opts.chunkSize ? { chunkSize: opts.chunkSize } : {}));
}

/**
 * Finds block and frame ends in a zstd stream fed chunk by chunk (RFC 8878 §3.1): `cut(chunk)`
 * yields the chunk split so that each piece ends where a block (`at: 'block'`) or a frame
 * (`at: 'frame'`: after its checksum; skippable frames too) ends, or at the chunk's end. Pieces
 * are views of the chunk, never copies; only a header cut across two chunks is copied, to parse it.
 */
export class ZstdSplitter {
  constructor(private readonly at: 'block' | 'frame') {}

  /** Bytes to pass through before the next header. */
  private skip = 0;
  /** Whether the end of the skipped bytes is a cut (a block, checksum or skippable frame ends). */
  private cutAfterSkip = false;
  private expect: 'frame' | 'block' = 'frame';
  private checksum = false;
  /** Bytes of a header not yet complete. */
  private header: number[] = [];

  *cut(chunk: Uint8Array): Generator<Uint8Array> {
    let start = 0;
    let i = 0;
    while (i < chunk.length) {
      if (this.skip > 0) {
        const take = Math.min(this.skip, chunk.length - i);
        i += take;
        this.skip -= take;
        if (this.skip === 0 && this.cutAfterSkip) {
          yield chunk.subarray(start, i);
          start = i;
        }
        continue;
      }
      const need = this.headerBytes();
      const take = Math.min(need - this.header.length, chunk.length - i);
      this.header.push(...chunk.subarray(i, i + take));
      i += take;
      if (this.header.length === need && this.headerBytes() === need) this.onHeader();
    }
    if (i > start) yield chunk.subarray(start, i);
  }

  /** Whether the stream ended where a frame ends (not inside one). */
  get atFrameBoundary(): boolean {
    return this.expect === 'frame' && this.skip === 0 && this.header.length === 0;
  }

  /** Header bytes needed next; grows as the first bytes of a frame header tell its length. */
  private headerBytes(): number {
    if (this.expect === 'block') return BLOCK_HEADER_BYTES;
    const h = this.header;
    if (h.length < 4) return 4;
    const view = Buffer.from(h);
    const magic = view.readUInt32LE(0);
    if (isSkippableMagic(magic)) return 8;
    if (magic !== ZSTD_MAGIC) throw new Error(`zstd: bad frame magic 0x${magic.toString(16).padStart(8, '0')}`);
    if (h.length < 5) return 5;
    return frameHeaderBytes(view.readUInt8(4));
  }

  private onHeader(): void {
    const bytes = Uint8Array.from(this.header);
    this.header = [];
    if (this.expect === 'block') {
      const block = parseZstdBlockHeader(bytes);
      this.skip = block.contentBytes;
      if (block.last) {
        this.expect = 'frame';
        if (this.checksum) this.skip += CHECKSUM_BYTES;
      }
      this.cutAfterSkip = block.last || this.at === 'block';
      return;
    }
    const frame = parseZstdFrameHeader(bytes);
    if (frame.kind === 'skippable') {
      this.skip = frame.frameBytes - frame.headerBytes;
      this.cutAfterSkip = true;
      return;
    }
    this.checksum = frame.hasChecksum;
    this.expect = 'block';
    this.cutAfterSkip = false;
  }
}

/** Passes zstd input on cut at frame ends, one chunk per piece. */
class FrameCutter extends Transform {
  private readonly splitter = new ZstdSplitter('frame');

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      for (const piece of this.splitter.cut(chunk)) this.push(piece);
    } catch (error) {
      callback(error as Error);
      return;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    callback(this.splitter.atFrameBoundary ? null : new Error('zstd: stream ends inside a frame'));
  }
}
