/**
 * What the builder can do. BuildKit inside dockerd reports `v0.0.0+unknown`, so we detect
 * features (from `docker buildx inspect`) rather than trusting versions; only buildx's own
 * version gates flags.
 */
import semver from 'semver';
import { CommandNotFoundError, runCommand, tailLines } from './exec.js';

export interface BuildxInfo {
  version: string;
  builder: string;
  driver: string;
  platforms: string[];
  features: {
    ociExporter: boolean;
    cacheExport: boolean;
    multiPlatform: boolean;
  };
  /** For the `docker` driver: whether dockerd uses the containerd image store. */
  containerdStore: boolean | null;
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
}

/** Parses the text of `DEBUG=1 docker buildx inspect` (the `Features:` block needs DEBUG on older buildx). */
export function parseBuildxInspect(output: string): InspectFacts {
  const facts: InspectFacts = { builder: '', driver: '', platforms: [], features: {} };
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
    else if (key === 'Platforms' && facts.platforms.length === 0) {
      facts.platforms = value.split(',').map((p) => p.trim().replace(/\*$/, '')).filter(Boolean);
    }
  }
  return facts;
}

/** `docker info` DriverStatus contains `driver-type=io.containerd.snapshotter.v1` under the containerd store. */
export function usesContainerdStore(driverStatus: unknown): boolean {
  return Array.isArray(driverStatus) && driverStatus.some((pair) => Array.isArray(pair) && pair[1] === 'io.containerd.snapshotter.v1');
}

export async function detectBuildx(builder?: string): Promise<BuildxInfo> {
  let versionOut;
  try {
    versionOut = await runCommand('docker', ['buildx', 'version']);
  } catch (error) {
    if (error instanceof CommandNotFoundError) {
      throw new BuildxError('docker is not installed or not on PATH: image-budget needs Docker with the buildx plugin (on GitHub, use an ubuntu runner or docker/setup-buildx-action).');
    }
    throw error;
  }
  if (versionOut.exitCode !== 0) {
    throw new BuildxError(`docker buildx is not available: \`docker buildx version\` failed:\n${tailLines(versionOut.stderr || versionOut.stdout)}\nInstall the buildx plugin or add docker/setup-buildx-action before this step.`);
  }
  const version = parseBuildxVersion(versionOut.stdout);
  if (!version) throw new BuildxError(`could not read the buildx version from: ${versionOut.stdout.trim()}`);
  if (semver.lt(version, MIN_BUILDX_VERSION)) {
    throw new BuildxError(`buildx ${version} is too old: image-budget needs buildx >= ${MIN_BUILDX_VERSION} for \`--output type=oci,tar=false\`. Upgrade Docker or use docker/setup-buildx-action.`);
  }

  const inspectArgs = ['buildx', 'inspect', ...(builder ? ['--builder', builder] : [])];
  const inspect = await runCommand('docker', inspectArgs, { env: { DEBUG: '1' } });
  if (inspect.exitCode !== 0) {
    const reason = tailLines(inspect.stderr || inspect.stdout, 5);
    throw new BuildxError(builder ? `builder "${builder}" (input \`builder\`) cannot be used: ${reason}` : `docker buildx inspect failed: ${reason}`);
  }
  const facts = parseBuildxInspect(inspect.stdout);

  let containerdStore: boolean | null = null;
  if (facts.driver === 'docker') {
    const info = await runCommand('docker', ['info', '--format', '{{json .DriverStatus}}']);
    if (info.exitCode === 0) containerdStore = usesContainerdStore(safeJson(info.stdout));
  }
  // Older buildx prints no Features block: infer from the driver.
  const exporterFallback = facts.driver !== 'docker' || containerdStore === true;
  return {
    version,
    builder: facts.builder || builder || 'default',
    driver: facts.driver,
    platforms: facts.platforms,
    features: {
      ociExporter: facts.features['OCI exporter'] ?? exporterFallback,
      cacheExport: facts.features['Cache export'] ?? exporterFallback,
      multiPlatform: facts.features['Multi-platform build'] ?? exporterFallback,
    },
    containerdStore,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
