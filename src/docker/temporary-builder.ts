/**
 * A `docker-container` builder for one run, for when the builder at hand cannot export OCI
 * layouts (the `docker` driver on the classic image store). Created, bootstrapped (BuildKit's
 * image, moby/buildkit:buildx-stable-1, is pulled unless the engine has it), used for every build
 * of the run, removed afterwards. It runs in the host's network, as the `docker` driver's builds
 * reach it: a registry service on `localhost` (a common job setup) works from it.
 */
import { randomBytes } from 'node:crypto';
import { BuildxError, buildxFailureReason, type BuildxInfo } from './buildx-info.js';
import { runCommand } from './exec.js';

const TEMPORARY_BUILDER_PREFIX = 'image-budget-';

export interface TemporaryBuilder {
  name: string;
  /** Removes the builder and its BuildKit container; never throws (a leftover is only untidy). */
  remove: () => Promise<void>;
}

const HOW_TO_AVOID =
  'To avoid this, add docker/setup-buildx-action before this step (on GitHub; locally `docker buildx create --use`) and pass ' +
  'its builder as `builder` (--builder), or turn on the containerd image store in Docker.';

/** What the user reads when the run switches to a temporary builder. */
export function temporaryBuilderNotice(buildx: Pick<BuildxInfo, 'builder'>, name: string): string {
  return (
    `builder "${buildx.builder}" uses the docker driver on the classic image store, which cannot export the OCI images ` +
    `image-budget measures: building with a temporary docker-container builder "${name}" instead (it pulls moby/buildkit unless the engine has it, ` +
    `runs in the host network, starts with an empty cache and is removed afterwards). ${HOW_TO_AVOID}`
  );
}

/** Why the run stops when the temporary builder cannot be made. */
export function temporaryBuilderFailure(buildx: Pick<BuildxInfo, 'builder'>, name: string, step: string, reason: string): string {
  return (
    `builder "${buildx.builder}" uses the docker driver on the classic image store, which cannot export the OCI images ` +
    `image-budget measures, and the temporary docker-container builder "${name}" that would replace it failed to ${step}: ` +
    `${reason}\n${HOW_TO_AVOID}`
  );
}

/** A fresh name, so concurrent runs on one machine never share (or remove) each other's builder. */
export function temporaryBuilderName(): string {
  return `${TEMPORARY_BUILDER_PREFIX}${randomBytes(4).toString('hex')}`;
}

/** `docker buildx create` for the temporary builder. */
export function temporaryBuilderCreateArgs(name: string): string[] {
  return ['buildx', 'create', '--driver', 'docker-container', '--driver-opt', 'network=host', '--name', name];
}

export async function createTemporaryBuilder(buildx: Pick<BuildxInfo, 'builder'>, name: string): Promise<TemporaryBuilder> {
  const remove = async (): Promise<void> => {
    await runCommand('docker', ['buildx', 'rm', name]).catch(() => undefined);
  };
  const created = await runCommand('docker', temporaryBuilderCreateArgs(name));
  if (created.exitCode !== 0) {
    throw new BuildxError(temporaryBuilderFailure(buildx, name, 'be created', buildxFailureReason(created.stderr || created.stdout)));
  }
  const booted = await runCommand('docker', ['buildx', 'inspect', '--bootstrap', '--builder', name]);
  if (booted.exitCode !== 0) {
    await remove();
    throw new BuildxError(temporaryBuilderFailure(buildx, name, 'start', buildxFailureReason(booted.stderr || booted.stdout)));
  }
  return { name, remove };
}
