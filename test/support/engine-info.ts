/**
 * What the engine the tests run against is: Docker's version and image store, buildx's version,
 * and the builder buildx uses (BUILDX_BUILDER, else the current one) with its driver. Read once,
 * synchronously, so tests about one driver or store can be gated where they are declared
 * (`describe.runIf(engine.store === 'classic')`). scripts/run-tests.js prints the same facts at
 * the head of each part of the test log.
 */
import { execFileSync } from 'node:child_process';
import semver from 'semver';

export interface EngineInfo {
  dockerVersion: string;
  store: 'containerd' | 'classic';
  buildxVersion: string;
  builder: string;
  driver: string;
}

function run(args: string[], env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env });
}

export function readEngineInfo(env: NodeJS.ProcessEnv = process.env): EngineInfo {
  const dockerVersion = run(['version', '--format', '{{.Server.Version}}'], env).trim();
  const driverStatus = run(['info', '--format', '{{json .DriverStatus}}'], env);
  const store = driverStatus.includes('io.containerd.snapshotter.v1') ? 'containerd' : 'classic';
  const buildxVersion = semver.coerce(run(['buildx', 'version'], env).trim().split(/\s+/)[1] ?? '')?.version ?? '0.0.0';
  const inspect = run(['buildx', 'inspect'], env);
  const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(inspect)?.[1]?.trim() ?? '';
  return { dockerVersion, store, buildxVersion, builder: field('Name'), driver: field('Driver') };
}

/** One line for a log: `Docker 28.5.2 (containerd store), buildx 0.29.1, builder image-budget-dc (docker-container driver)`. */
export function describeEngine(info: EngineInfo): string {
  return `Docker ${info.dockerVersion} (${info.store} store), buildx ${info.buildxVersion}, builder ${info.builder} (${info.driver} driver)`;
}

export const engine: EngineInfo = readEngineInfo();

/** Docker's major version: 26 or 28 in the matrix. */
export const dockerMajor = semver.major(semver.coerce(engine.dockerVersion) ?? '0.0.0');

/** buildx speaks the GitHub Actions cache service v2 (what runners have since April 2025). */
export const buildxSpeaksGhaV2 = semver.gte(engine.buildxVersion, '0.21.0');

/** Whether this engine has the image a docker-container (or remote) builder runs, so none is pulled. */
export function hasLocalImage(ref: string): boolean {
  try {
    run(['image', 'inspect', ref]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether building eStargz layers is safe on this engine: only Docker 26's `docker` driver here.
 * stargz-snapshotter's footer writer panics in the Debian build of Docker 28's BuildKit and in
 * the source-built BuildKit v0.26 of the docker-container builder, killing dockerd or buildkitd.
 */
export const estargzExportWorks = engine.driver === 'docker' && dockerMajor < 28;

export const BUILDKIT_IMAGE = 'moby/buildkit:buildx-stable-1';
