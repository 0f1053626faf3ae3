/**
 * The uncompressed size of a layer blob: from the format's own metadata when it proves the
 * answer (gzip trailer, zstd frame headers), otherwise by streaming the blob through a
 * decompressor and counting bytes. Works on any BlobReader (file or registry).
 */
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import type { BlobReader, UncompressedSize } from './types.js';
import { GZIP_TRAILER_BYTES, parseGzipHeader, readIsize, sizeFromGzipTrailer } from './gzip-trailer.js';
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

export async function measureUncompressedSize(blob: BlobReader, mediaType: string): Promise<UncompressedSize> {
  const compression = compressionOf(mediaType);
  if (compression === 'none') return { bytes: blob.size, source: 'uncompressed' };
  if (compression === 'gzip') {
    const proven = await sizeFromGzipMetadata(blob);
    if (proven !== null) return { bytes: proven, source: 'gzip-trailer' };
    return { bytes: await countStream(blob, 'gzip'), source: 'stream' };
  }
  const head = await blob.read(0, Math.min(4, blob.size));
  if (head.length < 4 || head.readUInt32LE(0) !== ZSTD_MAGIC) {
    throw new Error(`layer ${blob.digest} (${mediaType}) does not start with the zstd magic number`);
  }
  const declared = await sumZstdFrameContentSizes((offset, length) => blob.read(offset, length), blob.size);
  if (declared !== null) return { bytes: declared, source: 'zstd-frame-header' };
  return { bytes: await countStream(blob, 'zstd'), source: 'stream' };
}

/** The size proven by header + trailer, or null when only inflating can tell. */
async function sizeFromGzipMetadata(blob: BlobReader): Promise<number | null> {
  const head = await blob.read(0, Math.min(GZIP_HEADER_PROBE_BYTES, blob.size));
  const header = parseGzipHeader(head);
  if (header === null) return null;
  if (blob.size < header.headerBytes + GZIP_TRAILER_BYTES + 2) return null;
  const trailer = await blob.read(blob.size - GZIP_TRAILER_BYTES, GZIP_TRAILER_BYTES);
  if (trailer.length !== GZIP_TRAILER_BYTES) return null;
  return sizeFromGzipTrailer(blob.size, readIsize(trailer));
}

/** Decompresses the whole blob, counting output bytes; the data itself is dropped. */
export async function countStream(blob: BlobReader, compression: 'gzip' | 'zstd'): Promise<number> {
  const source = blob.stream();
  let total = 0;
  try {
    if (compression === 'gzip') {
      const gunzip = createGunzip();
      gunzip.on('data', (chunk: Buffer) => {
        total += chunk.length;
      });
      const done = new Promise<void>((resolve, reject) => {
        gunzip.on('end', resolve);
        gunzip.on('error', reject);
        source.on('error', reject);
      });
      source.pipe(gunzip);
      await done;
      return total;
    }
    const zstd = new Decompress((data) => {
      total += data.length;
    });
    for await (const chunk of source as AsyncIterable<Buffer>) zstd.push(chunk);
    zstd.push(new Uint8Array(0), true);
    return total;
  } catch (error) {
    throw new Error(`cannot decompress layer ${blob.digest} (${compression}): ${(error as Error).message}`, { cause: error });
  }
}
