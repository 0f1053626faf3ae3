/**
 * The entry point: read each layer once (or take it from the cache), merge, compute our figures
 * and dive's, and find hints. The only I/O is reading blobs and the cache.
 */
import pLimit from 'p-limit';
import { computeDiveFigures } from './dive-efficiency.js';
import { readDockerfile } from './dockerfile-info.js';
import { largestDirectories, largestFiles, listFinalFiles, mergeLayers, type FinalFile } from './file-tree.js';
import { findHints, isIntermediateStage } from './hints.js';
import type { LayerCache } from './layer-cache.js';
import { hiddenLockfileProject } from './package-lock.js';
import { scanLayer } from './read-layer.js';
import { layerConcurrencyFor } from '../measure/layer-concurrency.js';
import type { AnalysisLayerInput, ImageAnalysis, LayerScan } from './types.js';

/** Files and directories listed as the largest. */
export const DEFAULT_TOP = 20;

export interface AnalyzeImageInput {
  layers: AnalysisLayerInput[];
  dockerfile?: { path: string; text: string; target?: string };
  contextHasDockerignore?: boolean;
  cache?: LayerCache;
  /** Hint ids to leave out (the image's `ignoreHints`). */
  ignoreHints?: readonly string[];
  top?: number;
  minWasteBytes?: number;
  /** The image config's `User` ('' when unset); see HintInput.imageUser. */
  imageUser?: string;
  /**
   * Layers read at once (each one bounded stream); default: chosen from their sizes
   * (measure/layer-concurrency.ts), compressed ones unless `layerBytes` gives better.
   */
  concurrency?: number;
  /** Per layer, the bytes reading it goes through (its uncompressed size, when measured). */
  layerBytes?: readonly number[];
  /** Other heavy work on this machine meanwhile, for the default concurrency. */
  busy?: number;
}

/**
 * The dev packages of each npm hidden lockfile still in the final image, by project directory:
 * the copy the layer that wrote the final file read.
 */
function finalDevPackages(files: readonly FinalFile[], scans: readonly LayerScan[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  // Most images have no hidden lockfile: then no final file needs looking at.
  if (!scans.some((scan) => scan.packageLocks?.length)) return out;
  for (const file of files) {
    if (file.kind !== 'file') continue;
    const project = hiddenLockfileProject(file.path);
    if (project === null) continue;
    const lock = scans[file.addedBy]?.packageLocks?.find((l) => l.path === file.path);
    if (lock?.devPackages) out.set(project, new Set(lock.devPackages));
  }
  return out;
}

async function readScan(layer: AnalysisLayerInput, cache: LayerCache | undefined): Promise<LayerScan> {
  const scan = await scanLayer(layer.blob.stream(), { mediaType: layer.mediaType, digest: layer.digest });
  await cache?.put(scan);
  return scan;
}

export async function analyzeImage(input: AnalyzeImageInput): Promise<ImageAnalysis> {
  const top = input.top ?? DEFAULT_TOP;
  // Parse first: a bad target should fail before minutes of reading.
  const dockerfile = input.dockerfile ? readDockerfile(input.dockerfile) : null;
  // The cache first: how many layers to read at once depends on those left to read.
  const byDigest = new Map<string, LayerScan | null>();
  for (const layer of input.layers) {
    if (!byDigest.has(layer.digest)) byDigest.set(layer.digest, (await input.cache?.get(layer.digest)) ?? null);
  }
  const toRead = new Map<string, { layer: AnalysisLayerInput; bytes: number }>();
  input.layers.forEach((layer, index) => {
    if (byDigest.get(layer.digest) !== null || toRead.has(layer.digest)) return;
    toRead.set(layer.digest, { layer, bytes: input.layerBytes?.[index] ?? layer.blob.size });
  });
  // Layers are read independently (the merge below puts them in order): where the cores allow,
  // zlib decodes one on the thread pool while this thread parses another's tar.
  const reads = [...toRead.values()];
  const limit = pLimit(
    input.concurrency ??
      layerConcurrencyFor(
        reads.map((read) => read.bytes),
        input.busy,
      ),
  );
  const readScans = new Map(
    await Promise.all(reads.map(async ({ layer }) => [layer.digest, await limit(() => readScan(layer, input.cache))] as const)),
  );
  const scans = input.layers.map((layer) => {
    const scan = byDigest.get(layer.digest) ?? readScans.get(layer.digest);
    if (!scan) throw new Error(`layer ${layer.digest}: neither cached nor read`);
    return scan;
  });
  const entries = scans.map((s) => s.entries);
  const merged = mergeLayers(entries);
  const files = listFinalFiles(merged.root);
  const hints = findHints({
    files,
    events: merged.events,
    layers: input.layers,
    dockerfile,
    ...(input.contextHasDockerignore !== undefined ? { contextHasDockerignore: input.contextHasDockerignore } : {}),
    ...(input.ignoreHints ? { ignore: input.ignoreHints } : {}),
    ...(input.minWasteBytes !== undefined ? { minWasteBytes: input.minWasteBytes } : {}),
    ...(input.imageUser !== undefined ? { imageUser: input.imageUser } : {}),
    devPackages: finalDevPackages(files, scans),
  });
  return {
    wastedBytes: merged.wastedBytes,
    efficiency: merged.totalFileBytes === 0 ? 1 : merged.finalFileBytes / merged.totalFileBytes,
    hints,
    dive: computeDiveFigures(entries),
    totalFileBytes: merged.totalFileBytes,
    finalFileBytes: merged.finalFileBytes,
    largestFiles: largestFiles(files, top),
    largestDirectories: largestDirectories(files, top),
    layers: input.layers.map((layer, index) => {
      const delta = merged.layers[index];
      if (delta === undefined) throw new Error(`layer ${index} (${layer.digest}) has no merged figures`);
      return { index, digest: layer.digest, dockerfile: layer.dockerfile, createdBy: layer.createdBy, ...delta };
    }),
    dockerfileStages: dockerfile ? dockerfile.stages.length : null,
    builderTarget: dockerfile ? isIntermediateStage(dockerfile) : false,
  };
}
