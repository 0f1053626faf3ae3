/** The budget file after validation: every size already parsed to bytes, defaults applied. */

/** Which size a limit applies to. `compressed` (bytes a pull transfers) is the default. */
export type SizeMetric = 'compressed' | 'uncompressed';

/** A size limit on one or both metrics, in bytes. */
export interface SizeLimit {
  compressed?: number;
  uncompressed?: number;
}

/** A limit on growth against the baseline: bytes, or percent of the baseline size. */
export interface DeltaLimit {
  metric: SizeMetric;
  bytes?: number;
  percent?: number;
}

export interface Budget {
  max?: SizeLimit;
  warn?: SizeLimit;
  maxLayers?: number;
  /** Delta budgets (issue #3): growth against the baseline. */
  maxIncrease?: DeltaLimit;
  warnIncrease?: DeltaLimit;
  /** Layer-analysis budgets (issue #4). */
  minEfficiency?: number;
  maxWasted?: number;
  maxWastedPercent?: number;
  /** Which figures min-efficiency, max-wasted and max-wasted-percent read: ours (default) or dive's. */
  wasteFigures?: 'exact' | 'dive';
  forbid?: string[];
  /** Hint ids silenced for this image. */
  ignoreHints?: string[];
}

/** Where a value came from in the budget file, so later errors can point at it. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface CacheConfig {
  /**
   * `auto`: the GitHub Actions cache when the builder, buildx and the runner can use it, else no
   * cache flags (the builder's own cache still applies); `off`: no cache flags, `from`/`to` included.
   */
  mode: 'auto' | 'off';
  from: string[];
  to: string[];
}

/** `--secret`: its value from a file or an environment variable, never from the budget file. */
export type SecretSpec = { id: string; src: string } | { id: string; env: string };

/** `--ssh`: `default` (the agent at SSH_AUTH_SOCK) or an id with agent sockets or key files. */
export interface SshSpec {
  id: string;
  /** Absolute; empty: the agent at SSH_AUTH_SOCK. */
  paths: string[];
}

/**
 * The buildx flags beyond context, Dockerfile, target, platforms, args, labels and cache,
 * named as buildx and docker/build-push-action name them. Paths are absolute.
 */
export interface BuildOptions {
  secrets: SecretSpec[];
  ssh: SshSpec[];
  /** `--build-context name=value`: an absolute directory, or `docker-image://…`, `oci-layout://<abs>`, a URL. */
  buildContexts: Record<string, string>;
  network?: string;
  /** `host:ip`. */
  addHosts: string[];
  /** Entitlements such as `network.host`, `security.insecure`. */
  allow: string[];
  /** Bytes. */
  shmSize?: number;
  /** `name=soft[:hard]`. */
  ulimits: string[];
  noCache: boolean;
  pull: boolean;
  /** `[type:]key=value`, type one of manifest, index, manifest-descriptor, index-descriptor. */
  annotations: string[];
  /** `--provenance` / `--sbom` values (`false`, `true`, `mode=max`, …); unset: buildx's default. */
  provenance?: string;
  sbom?: string;
}

/** A bake or compose definition an entry's build comes from. Files are absolute paths. */
export type BuildDefinition = { kind: 'bake'; files: string[]; target: string } | { kind: 'compose'; files: string[]; service: string };

/**
 * Where an entry's image comes from.
 * - `build`: image-budget builds it from the ImageConfig's build fields. `definedBy` says when
 *   those fields were read from a bake or compose file (at load time), and from which budget-file
 *   entry (a group gives several images, named `<entry>/<target>`).
 * - `image`: an already-built image; `ref` as written (`{sha}`/`{pr}` not yet replaced): a
 *   registry reference, a local store image, or `oci-layout://path`. `dockerfile` (absolute)
 *   only when the entry gives one.
 * - `bake` / `compose`: as parsed, before loadBudgetFile resolves them into `build` entries;
 *   nothing after loading sees these.
 */
export type ImageSource =
  | { kind: 'build'; definedBy?: BuildDefinition & { entry: string } }
  | { kind: 'image'; ref: string; dockerfile?: string }
  | BuildDefinition;

export interface ImageConfig {
  name: string;
  source: ImageSource;
  /**
   * Absolute paths. Build fields: for an `image` entry `context` is the repository root and
   * `dockerfile` the given Dockerfile or the default `<root>/Dockerfile` (see `source.dockerfile`).
   */
  context: string;
  dockerfile: string;
  /** Stages to build; `[undefined]` means the Dockerfile's last stage. */
  targets: (string | undefined)[];
  platforms: string[];
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  cache: CacheConfig;
  options: BuildOptions;
  /** `all`: also build every named stage that is not a target, as informational entries (default `none`). */
  stages?: 'all' | 'none';
  /** Run the layer analysis for this image (default true; the run-wide switch can still turn it off). */
  analyze?: boolean;
  budget: Budget;
  /** Overrides merged over `budget`, most specific last: image, then target, then platform. */
  targetBudgets: Record<string, Budget>;
  platformBudgets: Record<string, Budget>;
  location: SourceLocation;
}

export interface BudgetFile {
  version: 1;
  /** Absolute path of the file that was read. */
  path: string;
  images: ImageConfig[];
}
