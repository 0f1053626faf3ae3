/**
 * Measures every platform image of an OCI layout directory (`buildx --output type=oci,tar=false`).
 * Thin I/O: reads index/manifests/configs, then hands layer blobs to measureUncompressedSize.
 */
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import type { BlobReader, LayerMeasure, PlatformMeasure, UncompressedSize } from './types.js';
import type { CountedSizes } from './counted-sizes.js';
import { measureUncompressedSize, type LayerCounter } from './uncompressed-size.js';
import { mapHistoryToDockerfile, type DockerfileSource } from './dockerfile-lines.js';
import { layerConcurrencyFor } from './layer-concurrency.js';
import { summarizeImageConfig } from './image-config.js';
import {
  collectImageManifests,
  formatPlatform,
  pairHistoryWithLayers,
  platformOf,
  sumManifestSizes,
  type HistoryEntry,
  type ImageConfig,
  type OciDescriptor,
  type OciIndex,
} from './oci-manifests.js';
import type { DockerfileRef } from '../types.js';

export interface MeasureLayoutOptions {
  dockerfile?: DockerfileSource;
  target?: string;
  onProgress?: (msg: string) => void;
  /** Layers measured at once; default: chosen from the layers' sizes (layer-concurrency.ts). */
  concurrency?: number;
  /** Other heavy work on this machine meanwhile (builds, images measured), for that choice. */
  busy?: number;
  /**
   * Uncompressed sizes by layer digest, shared by the layouts of one run (head and base,
   * several targets): a digest names its content, so its size is measured once.
   */
  sizeMemo?: Map<string, Promise<UncompressedSize>>;
  /** Sizes counted by decompressing a layer in earlier runs, and where to keep new ones. */
  countedSizes?: CountedSizes;
  /** Decompresses a layer whose size nothing else proves (see SizeSources.countLayer). */
  countLayer?: LayerCounter;
  /**
   * Where layer blobs are read from when they are not files of the layout (an image in a
   * registry: only the bytes the size needs are fetched). Default: the layout's blob files.
   */
  openBlob?: BlobOpener;
}

/** A layer blob by digest and size, wherever it lives. */
export type BlobOpener = (digest: string, size: number) => BlobReader;

/** The path of a blob inside an OCI layout; rejects digests that would escape it. */
export function blobPath(layoutDir: string, digest: string): string {
  const match = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/.exec(digest);
  const [, algorithm, encoded] = match ?? [];
  if (algorithm === undefined || encoded === undefined) throw new Error(`invalid digest "${digest}" in OCI layout ${layoutDir}`);
  return join(layoutDir, 'blobs', algorithm, encoded);
}

/** A BlobReader over a blob file of an OCI layout. */
export function fileBlobReader(layoutDir: string, digest: string, size: number): BlobReader {
  const path = blobPath(layoutDir, digest);
  return {
    digest,
    size,
    async read(offset: number, length: number): Promise<Buffer> {
      const handle = await open(path, 'r');
      try {
        const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
        return buffer.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    },
    stream: () => createReadStream(path, { highWaterMark: 1024 * 1024 }),
  };
}

async function readJsonBlob(layoutDir: string, descriptor: OciDescriptor): Promise<unknown> {
  const path = blobPath(layoutDir, descriptor.digest);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(
      `OCI layout ${layoutDir}: blob ${descriptor.digest} is missing (${(error as Error).message}). ` +
        'If this layout came from a build that also used --load (or a second exporter), buildx 0.13 writes an ' +
        "index.json naming the other exporter's manifest: export the OCI layout in a build of its own.",
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`OCI layout ${layoutDir}: blob ${descriptor.digest} is not JSON (${(error as Error).message})`);
  }
}

export async function measureOciLayout(layoutDir: string, opts: MeasureLayoutOptions = {}): Promise<PlatformMeasure[]> {
  const progress = opts.onProgress ?? (() => {});
  const indexPath = join(layoutDir, 'index.json');
  let index: OciIndex;
  try {
    index = JSON.parse(await readFile(indexPath, 'utf8')) as OciIndex;
  } catch (error) {
    throw new Error(`cannot read ${indexPath}: ${(error as Error).message}`);
  }
  const refs = await collectImageManifests(index, (d) => readJsonBlob(layoutDir, d), indexPath);

  const images = [];
  for (const ref of refs) {
    const config = (await readJsonBlob(layoutDir, ref.manifest.config)) as ImageConfig;
    const platform = platformOf(ref.descriptor, config);
    if (!platform)
      throw new Error(`${ref.descriptor.digest}: no platform in the index nor os/architecture in config ${ref.manifest.config.digest}`);
    if (platform.os === 'unknown' && platform.architecture === 'unknown') continue; // attestation without annotation
    images.push({ ref, config, platform: formatPlatform(platform) });
  }
  if (images.length === 0) throw new Error(`${indexPath}: no image manifest for any platform (only attestations?)`);

  // Platforms share layers (same base, same COPY), and so do targets and the baseline:
  // measure each digest once.
  const sizes = opts.sizeMemo ?? new Map<string, Promise<UncompressedSize>>();
  const toMeasure = new Map(images.flatMap(({ ref }) => ref.manifest.layers).map((layer) => [layer.digest, layer.size]));
  for (const digest of sizes.keys()) toMeasure.delete(digest);
  const limit = pLimit(opts.concurrency ?? layerConcurrencyFor([...toMeasure.values()], opts.busy));
  const needed = new Map<string, Promise<UncompressedSize>>();
  for (const { ref } of images) {
    for (const layer of ref.manifest.layers) {
      const known = sizes.get(layer.digest);
      if (known !== undefined) {
        needed.set(layer.digest, known);
        continue;
      }
      const size = limit(async () => {
        const started = Date.now();
        if (opts.openBlob === undefined) {
          await stat(blobPath(layoutDir, layer.digest)).catch(() => {
            throw new Error(`OCI layout ${layoutDir}: layer blob ${layer.digest} is missing`);
          });
        }
        const blob = (opts.openBlob ?? ((digest, size) => fileBlobReader(layoutDir, digest, size)))(layer.digest, layer.size);
        const size = await measureUncompressedSize(blob, layer.mediaType, {
          annotations: layer.annotations,
          counted: opts.countedSizes,
          countLayer: opts.countLayer,
        });
        const why = size.why === undefined ? '' : `: ${size.why}`;
        progress(`layer ${layer.digest.slice(0, 19)}: ${size.bytes} bytes uncompressed (${size.source}${why}, ${Date.now() - started} ms)`);
        return size;
      });
      sizes.set(layer.digest, size);
      needed.set(layer.digest, size);
    }
  }

  // All at once, so one failing layer cannot leave the others' rejections unhandled.
  const measured = new Map(await Promise.all([...needed].map(async ([digest, size]) => [digest, await size] as const)));

  const measures: PlatformMeasure[] = [];
  for (const { ref, config, platform } of images) {
    const history = config.history ?? [];
    const entryOfLayer = pairHistoryWithLayers(history, ref.manifest.layers.length);
    if (history.length > 0 && entryOfLayer.every((entry) => entry === null) && ref.manifest.layers.length > 0) {
      progress(`${platform}: config history does not line up with ${ref.manifest.layers.length} layers; no createdBy`);
    }
    const lines = mapLines(history, opts, progress);
    const layers: LayerMeasure[] = [];
    for (const [position, layer] of ref.manifest.layers.entries()) {
      const size = measured.get(layer.digest);
      if (size === undefined) throw new Error(`layer ${layer.digest} of ${platform} was not measured`);
      const entry = entryOfLayer[position] ?? null;
      layers.push({
        digest: layer.digest,
        mediaType: layer.mediaType,
        compressedBytes: layer.size,
        uncompressedBytes: size.bytes,
        uncompressedSource: size.source,
        createdBy: entry === null ? null : (history[entry]?.created_by ?? null),
        dockerfile: entry === null ? null : (lines[entry] ?? null),
      });
    }
    measures.push({
      platform,
      manifestDigest: ref.descriptor.digest,
      configDigest: ref.manifest.config.digest,
      compressedBytes: sumManifestSizes(ref.manifest),
      uncompressedBytes: layers.reduce((sum, layer) => sum + layer.uncompressedBytes, 0),
      layerCount: layers.length,
      layers,
      imageUser: typeof config.config?.User === 'string' ? config.config.User : '',
      imageConfig: summarizeImageConfig(config.config),
    });
  }
  return sortPlatformMeasures(measures);
}

/** Dockerfile lines are a nicety: a Dockerfile we cannot map must not cost the sizes. */
function mapLines(history: HistoryEntry[], opts: MeasureLayoutOptions, progress: (msg: string) => void): (DockerfileRef | null)[] {
  if (!opts.dockerfile) return [];
  try {
    return mapHistoryToDockerfile(history, opts.dockerfile, opts.target);
  } catch (error) {
    progress(`warning: no Dockerfile lines: ${(error as Error).message}`);
    return [];
  }
}

/** Stable order: by platform string, then manifest digest (two variants of one platform). */
export function sortPlatformMeasures(measures: PlatformMeasure[]): PlatformMeasure[] {
  return [...measures].sort((a, b) => a.platform.localeCompare(b.platform) || a.manifestDigest.localeCompare(b.manifestDigest));
}
