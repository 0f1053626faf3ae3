/**
 * Layer analysis: what in an image is waste and how to slim it. Documented in docs/analysis.md.
 * `ImageAnalysis` is the full result; the report carries a bounded copy (report-analysis.ts).
 */
import type { BlobReader } from '../measure/types.js';
import type { DockerfileRef, Hint } from '../types.js';
import type { HintId } from './hint-ids.js';

export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';

/** One tar entry of a layer, as read. `path` keeps whiteout names (`.wh.x`) as they are. */
export interface LayerEntry {
  /** Normalised: no leading `./` or `/`, no trailing `/`. */
  path: string;
  type: EntryType;
  /** Bytes of the body (0 for everything but regular files). */
  size: number;
  /** Symlink or hard-link target (hard-link targets normalised like `path`). */
  linkTarget: string | null;
  mode: number;
  uid: number;
}

/** An npm hidden lockfile (`node_modules/.package-lock.json`) a layer wrote. */
export interface PackageLockScan {
  path: string;
  /** Its `packages` keys marked `"dev": true`; null when it could not be read as a lockfile. */
  devPackages: string[] | null;
}

/** What one layer holds: enough to rebuild the merged tree without reading the blob again. */
export interface LayerScan {
  digest: string;
  entries: LayerEntry[];
  /** Absent when the layer has none. */
  packageLocks?: PackageLockScan[];
  /**
   * Every decompressed byte of the layer: its uncompressed size, counted by the same read, so
   * a layer whose size takes decompressing is decompressed once (see scan-while-counting.ts).
   * Absent in scans made without counting.
   */
  uncompressedBytes?: number;
}

/** The input of `analyzeImage`, one per layer in manifest order. */
export interface AnalysisLayerInput {
  blob: BlobReader;
  mediaType: string;
  digest: string;
  dockerfile: DockerfileRef | null;
  createdBy: string | null;
}

export interface PathBytes {
  path: string;
  bytes: number;
}

export interface LayerChangeSummary {
  count: number;
  bytes: number;
  /** Largest paths first, at most TOP_PATHS. */
  top: PathBytes[];
}

export interface LayerAnalysis {
  index: number;
  digest: string;
  dockerfile: DockerfileRef | null;
  createdBy: string | null;
  /** Regular-file bytes this layer's tar carries (hard links and symlinks add none). */
  addedFileBytes: number;
  /** Files at paths that did not exist below. */
  added: LayerChangeSummary;
  /** Files that replaced an existing path; `bytes` are the new bytes, `replacedBytes` the old. */
  changed: LayerChangeSummary & { replacedBytes: number };
  /** Files of lower layers this layer deleted (whiteouts, opaque dirs, replaced dirs). */
  removed: LayerChangeSummary;
}

/** A file's bytes added by one layer and gone from the final image because of another. */
export interface WasteEvent {
  kind: 'deleted' | 'overwritten';
  path: string;
  bytes: number;
  addedBy: number;
  removedBy: number;
}

/** The analyser's result; `toReportAnalysis` turns it into the report's bounded `Analysis`. */
export interface ImageAnalysis {
  /** Σ file bytes added by all layers − file bytes of the final filesystem. */
  wastedBytes: number;
  /** finalFileBytes / totalFileBytes (1 when nothing was added). */
  efficiency: number;
  hints: AnalysisHint[];
  /** dive's own figures, reproduced from its source, so `dive --ci` can be matched. */
  dive: { efficiency: number; wastedBytes: number; userFileBytes: number };
  totalFileBytes: number;
  finalFileBytes: number;
  largestFiles: PathBytes[];
  largestDirectories: PathBytes[];
  layers: LayerAnalysis[];
  /** Stages (FROMs) of the Dockerfile, null when the analysis had no Dockerfile. */
  dockerfileStages: number | null;
  /** The built stage is one another stage builds on or copies from (see isIntermediateStage). */
  builderTarget: boolean;
}

export interface AnalysisHint extends Hint {
  id: HintId;
  /** For hints about a file that one layer added and a later one removed: the later layer. */
  removedBy?: { layer: string; dockerfile: DockerfileRef | null };
}
