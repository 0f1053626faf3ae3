/**
 * The uncompressed size of a layer blob: from the format's own metadata when it proves the
 * answer (gzip trailer, zstd frame headers), otherwise by streaming the blob through a
 * decompressor and counting bytes. Works on any BlobReader (file or registry): OCI layouts and
 * the registry baseline make the same decision here.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createLayerDecoder } from '../compression/layer-decoder.js';
import type { CountedSizes } from './counted-sizes.js';
import type { BlobReader, UncompressedSize } from './types.js';
import { GZIP_TRAILER_BYTES, judgeGzipTrailer, parseGzipHeader, type TrailerJudgement } from './gzip-trailer.js';
import { ESTARGZ_FOOTER_BYTES } from './stargz.js';
import { sumZstdFrameContentSizes, ZSTD_MAGIC } from './zstd-frames.js';

export type LayerCompression = 'gzip' | 'zstd' | 'none';

/** Enough for the fixed header plus any realistic FEXTRA/FNAME/FCOMMENT. */
const GZIP_HEADER_PROBE_BYTES = 4096;

/** Which compression a layer media type declares; throws for media types that are not layers. */
export function compressionOf(mediaType: string): LayerCompression {
  const type = mediaType.trim().toLowerCase();
  if (type.endsWith('+gzip') || type.endsWith('.tar.gzip')) return 'gzip';
  if (type.endsWith('+zstd') || type.endsWith('.tar.zstd')) return 'zstd';
  if (type.endsWith('.tar') || type.endsWith('.v1.tar')) return 'none';
  throw new Error(`unsupported layer media type "${mediaType}": expected a tar, tar+gzip or tar+zstd layer`);
}

/** A layer's uncompressed size; `cached`: known from an earlier run, the blob not read. */
export interface LayerCount {
  bytes: number;
  cached: boolean;
}

/** Decompresses a whole layer to count it (or knows the count from an earlier run). */
export type LayerCounter = (blob: BlobReader, compression: 'gzip' | 'zstd', mediaType: string) => Promise<LayerCount>;

/** The plain counter: stream the blob through its decoder and count what comes out. */
export const countByStreaming: LayerCounter = async (blob, compression) => ({ bytes: await countStream(blob, compression), cached: false });

export interface SizeSources {
  /**
   * The layer descriptor's: eStargz layers are told apart by them (and by their footer), so
   * pass them whenever the descriptor has them.
   */
  annotations?: Record<string, string> | undefined;
  /** Keeps the sizes that took decompressing the whole blob, for the next run. */
  counted?: CountedSizes | undefined;
  /**
   * Decompresses when nothing else proves the size; default countByStreaming. The layer analysis
   * passes one that scans the layer in the same read (analysis/scan-while-counting.ts).
   */
  countLayer?: LayerCounter | undefined;
}

export async function measureUncompressedSize(
  blob: BlobReader,
  mediaType: string,
  { annotations, ...counters }: SizeSources = {},
): Promise<UncompressedSize> {
  const compression = compressionOf(mediaType);
  if (compression === 'none') return { bytes: blob.size, source: 'uncompressed' };
  if (compression === 'gzip') {
    const judgement = await judgeGzipMetadata(blob, annotations);
    // `in`, not `.trusted`: narrows under any tsconfig (the memory test compiles without --strict).
    if ('bytes' in judgement) return { bytes: judgement.bytes, source: 'gzip-trailer' };
    return countOnce(blob, 'gzip', mediaType, judgement.reason, counters);
  }
  const head = await blob.read(0, Math.min(4, blob.size));
  if (head.length < 4 || head.readUInt32LE(0) !== ZSTD_MAGIC) {
    throw new Error(`layer ${blob.digest} (${mediaType}) does not start with the zstd magic number`);
  }
  const declared = await sumZstdFrameContentSizes((offset, length) => blob.read(offset, length), blob.size);
  if (declared !== null) return { bytes: declared, source: 'zstd-frame-header' };
  return countOnce(blob, 'zstd', mediaType, undefined, counters);
}

/** Decompresses the blob to count it, unless an earlier run already did. */
async function countOnce(
  blob: BlobReader,
  compression: 'gzip' | 'zstd',
  mediaType: string,
  why: string | undefined,
  { counted, countLayer = countByStreaming }: Pick<SizeSources, 'counted' | 'countLayer'>,
): Promise<UncompressedSize> {
  const earlier = (bytes: number): UncompressedSize => ({ bytes, source: 'cache', why: 'counted in an earlier run' });
  const known = await counted?.get(blob.digest);
  if (known !== null && known !== undefined) return earlier(known);
  const { bytes, cached } = await countLayer(blob, compression, mediaType);
  await counted?.put(blob.digest, bytes);
  if (cached) return earlier(bytes);
  return why === undefined ? { bytes, source: 'stream' } : { bytes, source: 'stream', why };
}

/** Reads the header and the last bytes (trailer, or a stargz footer) and judges the trailer. */
async function judgeGzipMetadata(blob: BlobReader, annotations?: Record<string, string>): Promise<TrailerJudgement> {
  const head = await blob.read(0, Math.min(GZIP_HEADER_PROBE_BYTES, blob.size));
  const header = parseGzipHeader(head);
  if (header === null) return { trusted: false, reason: 'gzip header not understood' };
  if (blob.size < header.headerBytes + GZIP_TRAILER_BYTES + 2) return { trusted: false, reason: 'too short for a gzip member' };
  const tailBytes = Math.min(ESTARGZ_FOOTER_BYTES, blob.size);
  const tail = await blob.read(blob.size - tailBytes, tailBytes);
  if (tail.length !== tailBytes) return { trusted: false, reason: 'short read of the trailer' };
  return judgeGzipTrailer({ compressedSize: blob.size, headerBytes: header.headerBytes, tail, annotations });
}

/**
 * Decompresses the whole blob, counting output bytes; the data itself is dropped. zstd goes
 * through the same decoder as the layer analysis: native where Node has it.
 */
export async function countStream(blob: BlobReader, compression: 'gzip' | 'zstd'): Promise<number> {
  let total = 0;
  const count = new Writable({
    write(chunk: Buffer, _encoding, done) {
      total += chunk.length;
      done();
    },
  });
  try {
    await pipeline(blob.stream(), createLayerDecoder(compression), count);
    return total;
  } catch (error) {
    throw new Error(`cannot decompress layer ${blob.digest} (${compression}): ${(error as Error).message}`, { cause: error });
  }
}
