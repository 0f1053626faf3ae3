/**
 * A layer whose uncompressed size nothing but decompressing proves (a gzip blob over ~4.16 MB,
 * zstd without frame sizes) used to be decompressed twice on a cold cache: once to count it,
 * then again to scan its files. Counting it by scanning it reads it once: the scan goes into
 * the layer cache, where the analysis that follows finds it.
 */
import { countByStreaming, type LayerCount, type LayerCounter } from '../measure/uncompressed-size.js';
import { cacheWriteError, type LayerCache } from './layer-cache.js';
import { detectCompression, scanLayer } from './read-layer.js';
import type { LayerScan } from './types.js';

/**
 * `onCacheError`: a scan that cannot be kept costs the analysis a second read, nothing more.
 * `scanned` collects the digests read here, so the analysis counts them as reads of this run,
 * not as cache hits.
 */
export function countByScanning(
  cache: LayerCache,
  onCacheError: (message: string) => void = () => {},
  scanned: Set<string> = new Set(),
): LayerCounter {
  return async (blob, compression, mediaType): Promise<LayerCount> => {
    const counted = () => countByStreaming(blob, compression, mediaType);
    // The scan trusts the blob's magic number, the count its media type: where they disagree,
    // the count decides (and fails, as measuring always has).
    if (detectCompression(await blob.read(0, 4), mediaType) !== compression) return counted();
    const known = await cache.get(blob.digest).catch(() => null);
    if (known?.uncompressedBytes !== undefined) return { bytes: known.uncompressedBytes, cached: true };
    let scan: LayerScan & { uncompressedBytes: number };
    try {
      scan = await scanLayer(blob.stream(), { mediaType, digest: blob.digest });
    } catch {
      // Not a tar, not decompressible, or unreadable: the size stands or falls on its own count
      // (whose error is the one measuring has always given), and the analysis reports the
      // layer's error itself.
      return counted();
    }
    scanned.add(scan.digest);
    try {
      await cache.put(scan);
    } catch (error) {
      onCacheError(cacheWriteError(scan.digest, error));
    }
    return { bytes: scan.uncompressedBytes, cached: false };
  };
}
