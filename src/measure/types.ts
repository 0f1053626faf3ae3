/** Sizes measured from manifests and layer blobs; never from `docker image inspect`. */

import type { DockerfileRef, ImageConfigSummary } from '../types.js';

export interface LayerMeasure {
  digest: string;
  mediaType: string;
  /** Blob size from the manifest: bytes a pull transfers. */
  compressedBytes: number;
  /** Size of the uncompressed tar stream. */
  uncompressedBytes: number;
  /** How the uncompressed size was learned, for the curious and for tests. */
  uncompressedSource: 'gzip-trailer' | 'zstd-frame-header' | 'stream' | 'uncompressed' | 'cache';
  /** The image config `history` entry that created this layer. */
  createdBy: string | null;
  dockerfile: DockerfileRef | null;
}

export interface PlatformMeasure {
  platform: string;
  manifestDigest: string;
  configDigest: string;
  /** Layers + config blob: what a pull transfers (the manifest itself is not counted). */
  compressedBytes: number;
  /** Sum of the uncompressed layer sizes. */
  uncompressedBytes: number;
  layerCount: number;
  layers: LayerMeasure[];
  /** The image config's `User` ('' when unset); absent where the config was not read. */
  imageUser?: string;
  /** The config's fields a reviewer recognises (see image-config.ts); absent where it was not read. */
  imageConfig?: ImageConfigSummary;
}

/**
 * Random access to one blob, wherever it lives: a file in an OCI layout, or a registry
 * blob read with HTTP range requests. Lets the same size logic serve both without a pull.
 */
export interface BlobReader {
  digest: string;
  size: number;
  /** Reads `length` bytes at `offset` (may return fewer at the end of the blob). */
  read(offset: number, length: number): Promise<Buffer>;
  /** The whole blob as a stream, for when only reading it all gives the answer. */
  stream(): NodeJS.ReadableStream;
}

export interface UncompressedSize {
  bytes: number;
  source: LayerMeasure['uncompressedSource'];
  /** Why the format's own metadata could not tell, when the blob was streamed (for progress lines). */
  why?: string;
}
