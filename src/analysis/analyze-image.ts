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
import type { AnalysisLayerInput, ImageAnalysis, LayerScan } from './types.js';

/** Files and directories listed as the largest. */
export const DEFAULT_TOP = 20;

/** Layers read at once: each holds one bounded stream, so memory stays bounded. */
export const SCAN_CONCURRENCY = 2;

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

async function loadScan(layer: AnalysisLayerInput, cache: LayerCache | undefined): Promise<LayerScan> {
  const cached = await cache?.get(layer.digest);
  if (cached) return cached;
  const scan = await scanLayer(layer.blob.stream(), { mediaType: layer.mediaType, digest: layer.digest });
  await cache?.put(scan);
  return scan;
}

export async function analyzeImage(input: AnalyzeImageInput): Promise<ImageAnalysis> {
  const top = input.top ?? DEFAULT_TOP;
  // Parse first: a bad target should fail before minutes of reading.
  const dockerfile = input.dockerfile ? readDockerfile(input.dockerfile) : null;
  // Layers are read independently (the merge below puts them in order): two at a time keep
  // zlib's decoders busy on the thread pool while this thread parses the other layer's tar.
  const limit = pLimit(SCAN_CONCURRENCY);
  const byDigest = new Map<string, Promise<LayerScan>>();
  const scans = await Promise.all(
    input.layers.map((layer) => {
      let scan = byDigest.get(layer.digest);
      if (!scan) {
        scan = limit(() => loadScan(layer, input.cache));
        byDigest.set(layer.digest, scan);
      }
      return scan;
    }),
  );
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
