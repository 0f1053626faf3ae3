/**
 * Build settings for every image of a run, from the action's inputs or the CLI's flags, named and
 * written as docker/build-push-action's inputs are (one item per line; `add-hosts` and `allow` also
 * comma-separated), so `${{ steps.meta.outputs.labels }}` can be passed as it is. Pure: values are
 * parsed here, files and variables are checked by checkRunBuildSettings.
 */
import path from 'node:path';
import { NO_BUILD_OPTIONS, parseSecretSpec, parseSshSpec, resolveBuildContext } from './build-options.js';
import { parseSize, SIZE_PATTERN } from './size.js';
import type { BuildOptions, SecretSpec } from './types.js';

/** The raw text of each setting, by its build-push-action input name. */
export interface RawRunBuildSettings {
  'build-args'?: string[];
  labels?: string[];
  /** `id=VALUE`: the value itself (action only; it is written to a private file, never to argv). */
  secrets?: string[];
  /** `id=PATH`. */
  'secret-files'?: string[];
  /** `id=VAR`. */
  'secret-envs'?: string[];
  /** The budget file's spec syntax: `id=ID,src=FILE` / `id=ID,env=VAR` (CLI `--secret`). */
  'secret-specs'?: string[];
  ssh?: string[];
  'build-contexts'?: string[];
  network?: string;
  'add-hosts'?: string[];
  allow?: string[];
  'shm-size'?: string;
  ulimit?: string[];
  'no-cache'?: boolean;
  pull?: boolean;
  annotations?: string[];
  provenance?: string;
  sbom?: string;
}

export interface ParsedRunBuildSettings {
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  options: BuildOptions;
  /** Secrets given by value: to be written to private files before the build (see secret-files.ts). */
  secretValues: { id: string; value: string }[];
}

export class RunSettingError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(message);
    this.name = 'RunSettingError';
  }
}

/** Lines of a multi-line input, blanks and `#` comments dropped. */
export function inputLines(raw: string, { commas = false } = {}): string[] {
  return raw
    .split(/\r?\n/)
    .flatMap((line) => (commas ? line.split(',') : [line]))
    .map((item) => item.trim())
    .filter((item) => item.length > 0 && !item.startsWith('#'));
}

/** `KEY=VALUE` → [KEY, VALUE]; the value may contain `=` (and, for a secret, anything at all). */
function keyValue(setting: string, item: string, what: string, { quiet = false } = {}): [string, string] {
  const at = item.indexOf('=');
  // A secret's item is never echoed back: it holds the value.
  if (at <= 0) throw new RunSettingError(setting, `expected ${what}${quiet ? '' : `, got "${item}"`}`);
  return [item.slice(0, at), item.slice(at + 1)];
}

const MAP = (setting: string, items: string[] | undefined): Record<string, string> =>
  Object.fromEntries((items ?? []).map((item) => keyValue(setting, item, 'KEY=VALUE')));

export function parseRunBuildSettings(raw: RawRunBuildSettings, workdir: string): ParsedRunBuildSettings {
  const secrets: SecretSpec[] = [];
  for (const item of raw['secret-files'] ?? []) {
    const [id, file] = keyValue('secret-files', item, 'id=PATH');
    secrets.push({ id, src: path.resolve(workdir, file) });
  }
  for (const item of raw['secret-envs'] ?? []) {
    const [id, env] = keyValue('secret-envs', item, 'id=VARIABLE');
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(env))
      throw new RunSettingError('secret-envs', `secret \`${id}\`: "${env}" is not an environment variable name`);
    secrets.push({ id, env });
  }
  for (const item of raw['secret-specs'] ?? []) {
    const parsed = parseSecretSpec(item, workdir);
    if ('problem' in parsed) throw new RunSettingError('secret', parsed.problem);
    secrets.push(parsed.value);
  }
  const secretValues = (raw.secrets ?? []).map((item) => {
    const [id, value] = keyValue('secrets', item, 'id=VALUE lines', { quiet: true });
    return { id, value };
  });
  const ssh = (raw.ssh ?? []).map((item) => {
    const parsed = parseSshSpec(item, workdir);
    if ('problem' in parsed) throw new RunSettingError('ssh', parsed.problem);
    return parsed.value;
  });
  const buildContexts = Object.fromEntries(
    (raw['build-contexts'] ?? []).map((item) => {
      const [name, value] = keyValue('build-contexts', item, 'name=PATH or name=docker-image://…');
      return [name, resolveBuildContext(value, workdir)];
    }),
  );
  const network = raw.network || undefined;
  if (network !== undefined && !['default', 'none', 'host'].includes(network))
    throw new RunSettingError('network', `expected default, none or host, got "${network}"`);
  const shm = raw['shm-size'] || undefined;
  if (shm !== undefined && !new RegExp(SIZE_PATTERN).test(shm))
    throw new RunSettingError('shm-size', `expected a size like "64MiB" or a number of bytes, got "${shm}"`);
  const options: BuildOptions = {
    ...NO_BUILD_OPTIONS,
    secrets,
    ssh,
    buildContexts,
    ...(network !== undefined ? { network } : {}),
    addHosts: raw['add-hosts'] ?? [],
    allow: raw.allow ?? [],
    ...(shm !== undefined ? { shmSize: parseSize(shm) } : {}),
    ulimits: raw.ulimit ?? [],
    noCache: raw['no-cache'] ?? false,
    pull: raw.pull ?? false,
    annotations: raw.annotations ?? [],
    ...(raw.provenance ? { provenance: raw.provenance } : {}),
    ...(raw.sbom ? { sbom: raw.sbom } : {}),
  };
  return { buildArgs: MAP('build-args', raw['build-args']), labels: MAP('labels', raw.labels), options, secretValues };
}
