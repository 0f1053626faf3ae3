/**
 * Turns the budget file into build jobs: one per image and target, all platforms in one
 * build, each with its complete `docker buildx build` argv. Pure, so the argv can be
 * tested as a table.
 */
import path from 'node:path';
import { mergeBuildOptions, NO_BUILD_OPTIONS } from '../config/build-options.js';
import type { BudgetFile, BuildOptions, ImageConfig, SecretSpec, SshSpec } from '../config/types.js';
import { chooseCache, type CacheEnvironment } from './cache.js';

export interface BuildJob {
  /** `api` or `api:runtime`: unique within a run, used in logs. */
  id: string;
  image: ImageConfig;
  target: string | undefined;
  platforms: string[];
  /** OCI layout directory the build writes: what measurement reads. */
  layoutDir: string;
  metadataFile: string;
  /** Blob directory shared by this run's layouts (see PlanOptions.blobStore). */
  blobStore?: string;
  /** Arguments after `docker`. */
  argv: string[];
  /** The image's build options merged over the run's: what the argv says (the secrets' sources, never their values). */
  options: BuildOptions;
  /** Environment for the buildx process (BUILD_ENV). */
  env: Record<string, string>;
  warnings: string[];
  /** What the argv says beyond `options`, as data: a bake definition is written from it (plan-bake.ts). */
  spec: BuildSpec;
}

export interface BuildSpec {
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  cacheFrom: string[];
  cacheTo: string[];
  /** PlanOptions.extraArgs: flags passed through as they are. */
  extraArgs: string[];
}

/**
 * buildx does work for the provenance attestation that measuring then leaves out: a default
 * attestation per platform (docker-container driver) and, for a context in a git checkout,
 * half a dozen git commands per build to fill in its source fields. Neither changes the image
 * measured; `--provenance`/`--attest` in the build flags still add attestations on purpose.
 */
const BUILD_ENV: Readonly<Record<string, string>> = { BUILDX_NO_DEFAULT_ATTESTATIONS: '1', BUILDX_GIT_INFO: 'false' };

export interface PlanOptions {
  /** Scratch directory for layouts and metadata; one sub-directory per job. */
  workDir: string;
  builder?: string;
  cache: CacheEnvironment;
  /** Extra cache specs from the action inputs, applied to every image. */
  extraCacheFrom?: string[];
  extraCacheTo?: string[];
  /** Extra `docker buildx build` flags for tests and power users (e.g. `--provenance=false`). */
  extraArgs?: string[];
  /**
   * A directory every layout's `blobs/` links to: buildx skips blobs already there, so layers
   * shared by targets, platforms and the baseline are written once per run.
   */
  blobStore?: string;
  /** False: import the cache, never export it (the baseline build; see CacheChoice). */
  exportCache?: boolean;
  /** Build settings for every image (action inputs, CLI flags), under each image's own. */
  run?: RunBuildSettings;
}

export interface RunBuildSettings {
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  options: BuildOptions;
}

/** The `--secret` value: where buildx reads the secret, never the secret itself. */
export function secretFlag(secret: SecretSpec): string {
  return 'src' in secret ? `id=${secret.id},src=${secret.src}` : `id=${secret.id},env=${secret.env}`;
}

export function sshFlag(ssh: SshSpec): string {
  return ssh.paths.length > 0 ? `${ssh.id}=${ssh.paths.join(',')}` : ssh.id;
}

/** The flags for the options beyond the basics, in one fixed order. */
export function buildOptionFlags(options: BuildOptions): string[] {
  const argv: string[] = [];
  for (const secret of options.secrets) argv.push('--secret', secretFlag(secret));
  for (const ssh of options.ssh) argv.push('--ssh', sshFlag(ssh));
  for (const [name, value] of Object.entries(options.buildContexts)) argv.push('--build-context', `${name}=${value}`);
  if (options.network !== undefined) argv.push('--network', options.network);
  for (const host of options.addHosts) argv.push('--add-host', host);
  for (const entitlement of options.allow) argv.push('--allow', entitlement);
  if (options.shmSize !== undefined) argv.push('--shm-size', String(options.shmSize));
  for (const ulimit of options.ulimits) argv.push('--ulimit', ulimit);
  if (options.noCache) argv.push('--no-cache');
  if (options.pull) argv.push('--pull');
  for (const annotation of options.annotations) argv.push('--annotation', annotation);
  // Joined with `=`: the values (`mode=max`, `false`) would otherwise read as the next argument.
  if (options.provenance !== undefined) argv.push(`--provenance=${options.provenance}`);
  if (options.sbom !== undefined) argv.push(`--sbom=${options.sbom}`);
  return argv;
}

export function jobId(image: string, target: string | undefined): string {
  return target ? `${image}:${target}` : image;
}

function safeDirName(id: string): string {
  return id.replace(/[^a-zA-Z0-9._-]/g, '_');
}

export function planBuilds(file: BudgetFile, options: PlanOptions): BuildJob[] {
  return file.images.flatMap((image) => image.targets.map((target) => planBuild(image, target, options)));
}

export function planBuild(image: ImageConfig, target: string | undefined, options: PlanOptions): BuildJob {
  const id = jobId(image.name, target);
  const dir = path.join(options.workDir, safeDirName(id));
  const layoutDir = path.join(dir, 'oci');
  const metadataFile = path.join(dir, 'metadata.json');
  const cacheConfig = {
    ...image.cache,
    from: [...image.cache.from, ...(options.extraCacheFrom ?? [])],
    to: [...image.cache.to, ...(options.extraCacheTo ?? [])],
  };
  const cache = chooseCache(cacheConfig, image.name, target, options.cache, { export: options.exportCache });

  const argv = ['buildx', 'build', '--progress=plain'];
  if (options.builder) argv.push('--builder', options.builder);
  argv.push('--file', image.dockerfile);
  if (target) argv.push('--target', target);
  if (image.platforms.length > 0) argv.push('--platform', image.platforms.join(','));
  const buildArgs = { ...options.run?.buildArgs, ...image.buildArgs };
  const labels = { ...options.run?.labels, ...image.labels };
  for (const [key, value] of Object.entries(buildArgs)) argv.push('--build-arg', `${key}=${value}`);
  for (const [key, value] of Object.entries(labels)) argv.push('--label', `${key}=${value}`);
  const buildOptions = mergeBuildOptions(options.run?.options ?? NO_BUILD_OPTIONS, image.options);
  argv.push(...buildOptionFlags(buildOptions));
  for (const spec of cache.from) argv.push('--cache-from', spec);
  for (const spec of cache.to) argv.push('--cache-to', spec);
  argv.push('--output', `type=oci,dest=${layoutDir},tar=false`);
  argv.push('--metadata-file', metadataFile);
  argv.push(...(options.extraArgs ?? []));
  argv.push(image.context);

  return {
    id,
    image,
    target,
    platforms: image.platforms,
    layoutDir,
    metadataFile,
    blobStore: options.blobStore,
    argv,
    options: buildOptions,
    env: { ...BUILD_ENV },
    warnings: cache.warnings,
    spec: { buildArgs, labels, cacheFrom: cache.from, cacheTo: cache.to, extraArgs: options.extraArgs ?? [] },
  };
}
