/**
 * Analyses every platform image of a measured OCI layout: the glue between the measure stage
 * (layers, their Dockerfile lines) and `analyzeImage`. One platform's failure is that
 * platform's `error`, never an exception: the sizes were measured and stay valid.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { fileBlobReader, type BlobOpener } from '../measure/measure-layout.js';
import type { PlatformMeasure } from '../measure/types.js';
import { analyzeImage } from './analyze-image.js';
import { cacheWriteError, type LayerCache } from './layer-cache.js';
import type { ImageAnalysis, LayerScan } from './types.js';

export interface PlatformAnalysis {
  analysis: ImageAnalysis | null;
  error: string | null;
  /** Layers this image took from the cache vs read from their blobs. */
  layerCache: { hits: number; reads: number };
}

export interface AnalyzeLayoutInput {
  layoutDir: string;
  platforms: readonly PlatformMeasure[];
  dockerfile?: { path: string; text: string; target?: string };
  contextHasDockerignore?: boolean;
  cache?: LayerCache;
  /** A cache write that fails (read-only dir, full disk) is reported here and otherwise ignored. */
  onCacheError?: (message: string) => void;
  /**
   * Layers scanned into the cache while they were measured: the first analysis to take one
   * from the cache counts it as a read of this run, not a hit, and removes it from the set.
   */
  scannedWhileMeasuring?: Set<string>;
  /** Layer blobs that are not files of the layout (see MeasureLayoutOptions.openBlob). */
  openBlob?: BlobOpener;
  /** Layers read at once; default: chosen from their uncompressed sizes (see analyzeImage). */
  concurrency?: number;
  /** Other heavy work on this machine meanwhile, for that choice. */
  busy?: number;
}

/**
 * Counts hits and reads, and keeps a failing cache write from failing the analysis. A layer in
 * `readThisRun` counts as a read the first time it comes from the cache (it is then removed).
 */
export function countingCache(
  cache: LayerCache | undefined,
  onError: (message: string) => void = () => {},
  readThisRun: Set<string> = new Set(),
): { cache: LayerCache; counts: { hits: number; reads: number } } {
  const counts = { hits: 0, reads: 0 };
  return {
    counts,
    cache: {
      async get(digest) {
        const scan = (await cache?.get(digest)) ?? null;
        if (scan && readThisRun.delete(digest)) counts.reads += 1;
        else if (scan) counts.hits += 1;
        return scan;
      },
      async put(scan: LayerScan) {
        counts.reads += 1;
        try {
          await cache?.put(scan);
        } catch (error) {
          onError(cacheWriteError(scan.digest, error));
        }
      },
    },
  };
}

/** BuildKit reads `<Dockerfile>.dockerignore` first, then `.dockerignore` at the context root. */
export async function hasDockerignore(contextDir: string, dockerfile: string): Promise<boolean> {
  for (const file of [`${dockerfile}.dockerignore`, path.join(contextDir, '.dockerignore')]) {
    try {
      await access(file);
      return true;
    } catch {
      // next candidate
    }
  }
  return false;
}

export async function analyzeLayout(input: AnalyzeLayoutInput): Promise<PlatformAnalysis[]> {
  const results: PlatformAnalysis[] = [];
  // One platform at a time: a layer two platforms share is read once, then a cache hit.
  for (const platform of input.platforms) {
    const { cache, counts } = countingCache(input.cache, input.onCacheError, input.scannedWhileMeasuring);
    try {
      const analysis = await analyzeImage({
        layers: platform.layers.map((layer) => ({
          blob: (input.openBlob ?? ((digest, size) => fileBlobReader(input.layoutDir, digest, size)))(layer.digest, layer.compressedBytes),
          mediaType: layer.mediaType,
          digest: layer.digest,
          dockerfile: layer.dockerfile,
          createdBy: layer.createdBy,
        })),
        ...(input.dockerfile ? { dockerfile: input.dockerfile } : {}),
        ...(input.contextHasDockerignore !== undefined ? { contextHasDockerignore: input.contextHasDockerignore } : {}),
        cache,
        layerBytes: platform.layers.map((layer) => layer.uncompressedBytes),
        ...(input.concurrency !== undefined ? { concurrency: input.concurrency } : {}),
        ...(input.busy !== undefined ? { busy: input.busy } : {}),
        // Without it (a measure that did not read the config), runs-as-root reads the Dockerfile.
        ...(platform.imageUser !== undefined ? { imageUser: platform.imageUser } : {}),
      });
      results.push({ analysis, error: null, layerCache: counts });
    } catch (error) {
      results.push({ analysis: null, error: error instanceof Error ? error.message : String(error), layerCache: counts });
    }
  }
  return results;
}
