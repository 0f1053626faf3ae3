/**
 * The types every stage shares, at the bottom of the import graph: each stage imports them
 * downward and none of them imports a stage. Most are the JSON report (schemaVersion 1): the
 * CLI's `--json`, the action's `report` output, the input of `baseline: report` and of
 * `aggregate`. Documented in docs/report.md; field names are a public contract — add fields,
 * never rename.
 */

/** A Dockerfile line: `path` as reports show it (relative to the working directory). */
export interface DockerfileRef {
  path: string;
  line: number;
  /** The instruction as written in the Dockerfile, all its lines (see sourceText in measure/dockerfile-lines.ts). */
  source?: string;
}

export type Status = 'ok' | 'warn' | 'over' | 'error';

export interface ReportLayer {
  digest: string;
  compressedBytes: number;
  uncompressedBytes: number;
  createdBy: string | null;
  dockerfile: DockerfileRef | null;
}

/** The budget that applied to one entry, sizes in bytes, after overrides were merged. */
export interface ReportBudget {
  max: { compressed?: number; uncompressed?: number } | null;
  warn: { compressed?: number; uncompressed?: number } | null;
  maxLayers: number | null;
  maxIncrease?: { metric: 'compressed' | 'uncompressed'; bytes?: number; percent?: number } | null;
  warnIncrease?: { metric: 'compressed' | 'uncompressed'; bytes?: number; percent?: number } | null;
}

/** One reason for a status other than ok, e.g. "compressed 31.2 MB > max 25 MB". */
export interface Finding {
  status: Exclude<Status, 'ok'>;
  rule: string;
  message: string;
}

export interface Hint {
  id: string;
  path: string;
  bytes: number;
  dockerfile: DockerfileRef | null;
  layer?: string;
  message?: string;
  fix?: string;
  /** Deleted/overwritten hints: the later layer that removed the bytes. */
  removedBy?: { layer: string; dockerfile: DockerfileRef | null };
}

/** Files and their bytes, for one kind of change of a layer. */
export interface FileChange {
  files: number;
  bytes: number;
}

/** What one layer did to the filesystem below it (analysis.layers[], manifest order). */
export interface AnalysisLayer {
  digest: string;
  dockerfile: DockerfileRef | null;
  /** Files at paths that did not exist below. */
  added: FileChange;
  /** Files that replaced an existing path: their bytes, and the bytes of what they replaced. */
  changed: FileChange & { replacedBytes: number };
  /** Files of lower layers it deleted (whiteouts, opaque directories, a file replacing a directory). */
  removed: FileChange;
}

export interface Analysis {
  wastedBytes: number;
  efficiency: number;
  hints: Hint[];
  /** dive's own figures (its algorithm), to compare with `dive --ci`; userFileBytes: file bytes of every layer but the first. */
  dive?: { efficiency: number; wastedBytes: number; userFileBytes?: number };
  totalFileBytes?: number;
  finalFileBytes?: number;
  /** Top 10 of the final filesystem. */
  largestFiles?: { path: string; bytes: number }[];
  largestDirectories?: { path: string; bytes: number }[];
  /** Hints left out to keep the report small (the largest are kept). */
  hintsOmitted?: number;
  /** Layers answered by the layer cache vs read from their blobs, for this image. */
  layerCache?: { hits: number; reads: number };
  /** Per layer, manifest order: what it added, changed and removed. */
  layers?: AnalysisLayer[];
  [extra: string]: unknown;
}

/** One row of the per-stage table (`stages: all`), shown on the image's target entries. */
export interface StageRow {
  /** Stage name (lower-case, as BuildKit compares them); null for the unnamed last stage. */
  name: string | null;
  /** Whether this row is the entry's own target. */
  current: boolean;
  compressedBytes: number;
  uncompressedBytes: number;
  wastedBytes: number | null;
  hasToolchain: boolean;
  hintIds: string[];
}

/**
 * The fields of an image config a reviewer recognises (see measure/image-config.ts), so a change
 * that touches no layer can say what it changed. A field left out is unset. Label and env values
 * are never kept: each is a fingerprint that compares only with fingerprints of the same
 * `valuesKey` (one run), so nothing can be read or guessed from it.
 */
export interface ImageConfigSummary {
  /** `[key, fingerprint of the value]`, sorted by key. */
  labels?: [string, string][];
  /** `[name, fingerprint of the value]`, sorted by name: values can hold tokens. */
  env?: [string, string][];
  /** Id of the run key the fingerprints were made with. */
  valuesKey?: string;
  entrypoint?: string[];
  cmd?: string[];
  user?: string;
  workingDir?: string;
  /** e.g. `8080/tcp`, sorted. */
  exposedPorts?: string[];
  volumes?: string[];
  stopSignal?: string;
  /** The healthcheck as JSON (test, intervals, retries). */
  healthcheck?: string;
  shell?: string[];
  onBuild?: string[];
}

export type ConfigField =
  | 'label'
  | 'env'
  | 'entrypoint'
  | 'cmd'
  | 'user'
  | 'workingDir'
  | 'exposedPort'
  | 'volume'
  | 'stopSignal'
  | 'healthcheck'
  | 'shell'
  | 'onBuild';

/** One difference of the image config against the base (see compare/config-diff.ts). */
export interface ConfigChange {
  field: ConfigField;
  kind: 'added' | 'removed' | 'changed';
  /** The label key, env name, port or volume; absent for the single-valued fields. */
  key?: string;
  /** The values as shown (JSON for lists); never set for labels and env. */
  from?: string;
  to?: string;
}

export interface Baseline {
  commit: string | null;
  compressedBytes: number;
  uncompressedBytes: number;
  layers?: ReportLayer[];
}

export interface ReportEntry {
  name: string;
  target: string | null;
  platform: string;
  compressedBytes: number | null;
  uncompressedBytes: number | null;
  layerCount: number | null;
  status: Status;
  findings: Finding[];
  budget: ReportBudget;
  layers: ReportLayer[];
  manifestDigest: string | null;
  /**
   * The digest of the image the build produced, as buildx reported it: the index for a
   * multi-platform build (shared by its platform entries), else the manifest. null on error.
   */
  imageDigest?: string | null;
  /** Set when status is `error`: why there is no measurement. */
  error: string | null;
  baseline?: Baseline | null;
  delta?: { compressedBytes: number; uncompressedBytes: number } | null;
  analysis?: Analysis | null;
  /** Against the baseline: new in the PR, removed by it, changed or unchanged. */
  change?: 'new' | 'removed' | 'changed' | 'unchanged' | null;
  /** Layer-by-layer comparison with the baseline (see src/compare/layer-diff.ts). */
  layerDiff?: LayerDiffRow[];
  /** "Why it grew": the layers that grew most, with their Dockerfile line. */
  contributors?: Contributor[];
  /** Things worth saying that are not findings, e.g. "max-increase skipped: no baseline". */
  notes?: string[];
  /** The image config's fields a reviewer recognises; absent in reports of earlier versions. */
  imageConfig?: ImageConfigSummary;
  /** What the image config changed against the baseline, when both sides recorded it. */
  configChanges?: ConfigChange[];
  /** `stage`: built only for the stage report (`stages: all`), informational unless budgeted. */
  kind?: 'target' | 'stage';
  /** Every stage built for this image on this platform (`stages: all`), Dockerfile order. */
  stages?: StageRow[];
  /** A single-stage Dockerfile whose image ships a toolchain (see `multi-stage-candidate`). */
  singleStageWithToolchain?: boolean;
}

export interface Report {
  schemaVersion: 1;
  tool: { name: 'image-budget'; version: string };
  createdAt: string;
  /** Commit the images were built from, when known. */
  commit: string | null;
  config: string;
  overBudget: boolean;
  /** Where the baseline came from (absent when none was asked for). */
  baseline?: { mode: string; commit: string | null; note: string; unavailable: string | null } | null;
  /** Budget fields the PR changes (they apply once merged, or now with the override label). */
  budgetChanges?: BudgetChange[];
  /** The PR the report was made for: `comment` mode checks it against the workflow run. */
  pullRequest?: { number: number; headSha: string | null };
  images: ReportEntry[];
  [extra: string]: unknown;
}

/** A budget field the PR changes ("api: max 25 MB → 40 MB in this PR"). */
export interface BudgetChange {
  image: string;
  /** Set for a change in a per-target override. */
  target: string | null;
  /** Set for a change in a per-platform override. */
  platform: string | null;
  /** Path in `Budget`, e.g. `max.compressed`, `maxIncrease`; in `init --update`'s changes the key as the file writes it (`max` for `max: 25MB`). */
  field: string;
  /** Short name for the comment, e.g. `max`, `max uncompressed`, `max-increase`. */
  label: string;
  /** Formatted values; null when the field is not set on that side. */
  from: string | null;
  to: string | null;
}

/**
 * What the layer diff needs of a layer: a measured layer, a report's layer and a registry
 * read all fit, and the report must not differ with where the base came from.
 */
export type DiffLayer = ReportLayer;

export type LayerState = 'unchanged' | 'changed' | 'added' | 'removed';
export type LayerMatch = 'digest' | 'dockerfile' | 'created-by';

export interface LayerDiffRow {
  state: LayerState;
  /** How base and head were paired; null for added/removed. */
  match: LayerMatch | null;
  base: DiffLayer | null;
  head: DiffLayer | null;
  /** head − base; an added layer counts fully, a removed one negatively. */
  delta: { compressedBytes: number; uncompressedBytes: number };
  instruction: string | null;
  dockerfile: DockerfileRef | null;
}

export interface Contributor {
  /** `Dockerfile:12`, or null when the layer has no Dockerfile line (a base image layer). */
  location: string | null;
  instruction: string | null;
  createdBy: string | null;
  state: 'changed' | 'added';
  deltaBytes: number;
  baseBytes: number | null;
  headBytes: number;
}

/** One measured image × target × platform, from any source: what the comparison reads. */
export interface SizedEntry {
  name: string;
  target: string | null;
  platform: string;
  compressedBytes: number;
  uncompressedBytes: number;
  layers: readonly DiffLayer[];
  imageConfig?: ImageConfigSummary;
}

/**
 * An image × target (× platform) a source could not give a size for: its build failed, its
 * registry image could not be read. Not the same as "new in the PR".
 */
export interface MissingBaseline {
  name: string;
  target: string | null;
  /** null: every platform of that image and target. */
  platform: string | null;
  /** e.g. `base build failed (ERROR: process "/bin/sh -c exit 3" did not complete …)`. */
  reason: string;
}
