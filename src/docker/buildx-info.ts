/**
 * What the builder can do. BuildKit inside dockerd reports `v0.0.0+unknown`, so we detect
 * features (from `docker buildx inspect`) rather than trusting versions; only buildx's own
 * version gates flags.
 */
import semver from 'semver';
import { buildxPluginPath } from './buildx-launcher.js';
import { CommandNotFoundError, runCommand, tailLines } from './exec.js';

export interface BuildxInfo {
  version: string;
  builder: string;
  driver: string;
  platforms: string[];
  /** The builder's BuildKit (`v0.0.0+unknown` in dockerd's); null when buildx does not say. */
  buildkitVersion: string | null;
  features: {
    ociExporter: boolean;
    cacheExport: boolean;
    multiPlatform: boolean;
  };
  /** For the `docker` driver: whether dockerd uses the containerd image store. */
  containerdStore: boolean | null;
  /** Where the docker CLI found the buildx plugin (see buildxLauncher); null when it did not say. */
  pluginPath: string | null;
}

/** Minimum buildx for `--output type=oci,dest=DIR,tar=false` (layout directory). */
export const MIN_BUILDX_VERSION = '0.10.0';

export class BuildxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuildxError';
  }
}

/** `github.com/docker/buildx v0.17.1 abc` or Debian's `github.com/docker/buildx 0.13.1+ds1 0.13.1+ds1-3`. */
export function parseBuildxVersion(output: string): string | null {
  const token = output.trim().split(/\s+/)[1];
  return token ? (semver.coerce(token)?.version ?? null) : null;
}

export interface InspectFacts {
  builder: string;
  driver: string;
  platforms: string[];
  features: Record<string, boolean>;
  /**
   * An `Error:` line: buildx exits 0 but cannot reach the builder (daemon down, wrong
   * DOCKER_HOST, a node that failed to start), and every build would fail.
   */
  error: string | null;
  /** The first node's `BuildKit version:` (`Buildkit:` on older buildx); null when not shown. */
  buildkitVersion: string | null;
}

/** Parses the text of `DEBUG=1 docker buildx inspect` (the `Features:` block needs DEBUG on older buildx). */
export function parseBuildxInspect(output: string): InspectFacts {
  const facts: InspectFacts = { builder: '', driver: '', platforms: [], features: {}, error: null, buildkitVersion: null };
  let inFeatures = false;
  for (const line of output.split('\n')) {
    const field = /^(\s*)([^:]+):\s*(.*)$/.exec(line);
    if (!field) continue;
    const [, indent = '', key = '', value = ''] = field;
    if (indent.length === 0) inFeatures = key === 'Features';
    if (inFeatures && indent.length > 0) {
      facts.features[key.trim()] = value.trim() === 'true';
      continue;
    }
    if (key === 'Name' && !facts.builder) facts.builder = value.trim();
    else if (key === 'Driver') facts.driver = value.trim();
    else if (key === 'Error' && facts.error === null && value.trim()) facts.error = value.trim();
    else if ((key === 'BuildKit version' || key === 'Buildkit') && facts.buildkitVersion === null && value.trim())
      facts.buildkitVersion = value.trim();
    else if (key === 'Platforms' && facts.platforms.length === 0) {
      facts.platforms = value
        .split(',')
        .map((p) => p.trim().replace(/\*$/, ''))
        .filter(Boolean);
    }
  }
  return facts;
}

/**
 * Why a buildx command failed, for a person: its `ERROR:` lines (DEBUG=1 adds a Go stack trace
 * after them, which explains nothing to a user), else its last lines.
 */
export function buildxFailureReason(output: string): string {
  const errors = output
    .split('\n')
    .filter((line) => /^ERROR:/.test(line))
    .map((line) => line.replace(/^ERROR:\s*/, '').trim());
  return errors.length > 0 ? errors.join('; ') : tailLines(output, 5);
}

/** What to say when `buildx inspect` reports an `Error:` for the builder. */
export function unreachableBuilderMessage(builder: string, error: string): string {
  const daemonDown = /cannot connect to the docker daemon|is the docker daemon running|no such file or directory|connection refused/i.test(
    error,
  );
  const what = daemonDown
    ? 'Start the Docker daemon (or fix DOCKER_HOST / the docker context) and run again.'
    : `Check the builder with \`docker buildx inspect --bootstrap ${builder}\`, or choose another one (input \`builder\`, --builder).`;
  return `buildx builder "${builder}" cannot be reached, so nothing can be built: ${error}\n${what}`;
}

/** `docker info` DriverStatus contains `driver-type=io.containerd.snapshotter.v1` under the containerd store. */
export function usesContainerdStore(driverStatus: unknown): boolean {
  return Array.isArray(driverStatus) && driverStatus.some((pair) => Array.isArray(pair) && pair[1] === 'io.containerd.snapshotter.v1');
}

export async function detectBuildx(builder?: string): Promise<BuildxInfo> {
  // Three independent questions, asked at once (each docker call costs ~0.1 s): the answers
  // are read in order, so the first problem found is the one reported.
  const inspectArgs = ['buildx', 'inspect', ...(builder ? ['--builder', builder] : [])];
  const pendingInspect = runCommand('docker', inspectArgs, { env: { DEBUG: '1' } });
  // The image store, and where the buildx plugin is: the CLI lists its plugins even when the
  // daemon cannot be reached (then it exits 1 and the first line is `null`).
  const pendingInfo = runCommand('docker', ['info', '--format', '{{json .DriverStatus}}{{"\\n"}}{{json .ClientInfo.Plugins}}']);
  // Read below, or abandoned when an earlier answer already failed the run.
  pendingInspect.catch(() => {});
  pendingInfo.catch(() => {});
  let versionOut;
  try {
    versionOut = await runCommand('docker', ['buildx', 'version']);
  } catch (error) {
    if (error instanceof CommandNotFoundError) {
      throw new BuildxError(
        'docker is not installed or not on PATH: image-budget needs Docker with the buildx plugin (on GitHub, use an ubuntu runner or docker/setup-buildx-action).',
      );
    }
    throw error;
  }
  if (versionOut.exitCode !== 0) {
    throw new BuildxError(
      `docker buildx is not available: \`docker buildx version\` failed:\n${tailLines(versionOut.stderr || versionOut.stdout)}\nInstall the buildx plugin or add docker/setup-buildx-action before this step.`,
    );
  }
  const version = parseBuildxVersion(versionOut.stdout);
  if (!version) throw new BuildxError(`could not read the buildx version from: ${versionOut.stdout.trim()}`);
  if (semver.lt(version, MIN_BUILDX_VERSION)) {
    throw new BuildxError(
      `buildx ${version} is too old: image-budget needs buildx >= ${MIN_BUILDX_VERSION} for \`--output type=oci,tar=false\`. Upgrade Docker or use docker/setup-buildx-action.`,
    );
  }

  const inspect = await pendingInspect;
  if (inspect.exitCode !== 0) {
    const reason = buildxFailureReason(inspect.stderr || inspect.stdout);
    throw new BuildxError(
      builder
        ? `builder "${builder}" (input \`builder\`, --builder) cannot be used: ${reason}. \`docker buildx ls\` lists the builders there are.`
        : `docker buildx inspect failed: ${reason}`,
    );
  }
  const facts = parseBuildxInspect(inspect.stdout);
  if (facts.error !== null) throw new BuildxError(unreachableBuilderMessage(facts.builder || builder || 'default', facts.error));

  const info = await pendingInfo.catch(() => null);
  const [driverStatus = '', plugins = ''] = info?.stdout.split('\n') ?? [];
  const containerdStore = facts.driver === 'docker' && info?.exitCode === 0 ? usesContainerdStore(safeJson(driverStatus)) : null;
  return {
    version,
    builder: facts.builder || builder || 'default',
    driver: facts.driver,
    platforms: facts.platforms,
    buildkitVersion: facts.buildkitVersion,
    features: builderFeatures(facts, containerdStore),
    containerdStore,
    pluginPath: buildxPluginPath(safeJson(plugins)),
  };
}

/**
 * What the builder can do, from buildx's `Features:` block. Older buildx prints none: then the
 * driver tells. The `docker` driver on the classic image store can export none of it (no OCI
 * exporter, no cache export, one platform), whatever buildx claims: `docker info` decides.
 */
export function builderFeatures(facts: Pick<InspectFacts, 'driver' | 'features'>, containerdStore: boolean | null): BuildxInfo['features'] {
  if (facts.driver === 'docker' && containerdStore === false) return { ociExporter: false, cacheExport: false, multiPlatform: false };
  const fallback = facts.driver !== 'docker' || containerdStore === true;
  return {
    ociExporter: facts.features['OCI exporter'] ?? fallback,
    cacheExport: facts.features['Cache export'] ?? fallback,
    multiPlatform: facts.features['Multi-platform build'] ?? fallback,
  };
}

/** The `docker` driver on the classic image store: measuring needs another builder. */
export function needsTemporaryBuilder(buildx: Pick<BuildxInfo, 'driver' | 'features'>): boolean {
  return buildx.driver === 'docker' && !buildx.features.ociExporter;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
