import { Readable } from 'node:stream';
import type { BlobReader } from '../../../src/measure/types.js';

/** A BlobReader over bytes in memory, counting reads so tests can see what was touched. */
export function memoryBlob(data: Uint8Array, digest = 'sha256:test'): BlobReader & { reads: number; streams: number } {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const blob = {
    digest,
    size: bytes.length,
    reads: 0,
    streams: 0,
    async read(offset: number, length: number) {
      blob.reads++;
      return bytes.subarray(offset, Math.min(bytes.length, offset + length));
    },
    stream() {
      blob.streams++;
      return Readable.from([bytes.subarray(0, bytes.length >> 1), bytes.subarray(bytes.length >> 1)]);
    },
  };
  return blob;
}
