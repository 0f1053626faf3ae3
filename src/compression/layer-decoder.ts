/** The one place that picks a compressed layer's decoder, for measuring and for analysis alike. */
import type { Duplex } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { createZstdDecompress } from './zstd-decompress.js';

/** zlib's gunzip, or zstd (native where this Node has it); `chunkSize` sizes their output chunks. */
export function createLayerDecoder(compression: 'gzip' | 'zstd', options: { chunkSize?: number } = {}): Duplex {
  return compression === 'gzip' ? createGunzip(options) : createZstdDecompress(options);
}
