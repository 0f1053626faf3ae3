/**
 * The budget file's buildx options (secrets, ssh, build contexts, network, …) → `BuildOptions`:
 * specs parsed, paths made absolute, defaults merged under the image. Pure; problems come back
 * as messages per list item so the caller can point at them.
 */
import path from 'node:path';
import type { RawBuildOptions } from './schema.js';
import { parseSize } from './size.js';
import type { BuildOptions, SecretSpec, SshSpec } from './types.js';

export const NO_BUILD_OPTIONS: BuildOptions = Object.freeze({
  secrets: [],
  ssh: [],
  buildContexts: {},
  addHosts: [],
  allow: [],
  ulimits: [],
  noCache: false,
  pull: false,
  annotations: [],
});

/** A problem with one value; `at` is the path below the options' parent (e.g. ['secrets', 0]). */
export interface OptionProblem {
  at: (string | number)[];
  message: string;
}

type Parsed<T> = { value: T } | { problem: string };

/** `a=b,c=d` → entries; buildx's own spec syntax (no quoting: none of our values needs commas). */
function specFields(spec: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of spec.split(',')) {
    const at = part.indexOf('=');
    fields.set(at < 0 ? part : part.slice(0, at), at < 0 ? '' : part.slice(at + 1));
  }
  return fields;
}

/** `id=ID,src=FILE` / `id=ID,env=VAR` (also `source=`, `type=file|env`), as buildx reads `--secret`. */
export function parseSecretSpec(spec: string, workdir: string): Parsed<SecretSpec> {
  const fields = specFields(spec);
  const unknown = [...fields.keys()].filter((key) => !['id', 'type', 'src', 'source', 'env'].includes(key));
  const [firstUnknown] = unknown;
  if (firstUnknown !== undefined) return { problem: `unknown secret field \`${firstUnknown}\`; expected id, src, env (or type, source)` };
  const id = fields.get('id');
  if (!id) return { problem: 'a secret needs `id=ID`' };
  const type = fields.get('type');
  if (type !== undefined && type !== 'file' && type !== 'env') return { problem: `secret type \`${type}\`: expected file or env` };
  const src = fields.get('src') ?? fields.get('source');
  const env = fields.get('env') ?? (type === 'env' ? (src ?? id) : undefined);
  if (env !== undefined && type !== 'env' && src !== undefined)
    return { problem: `secret \`${id}\`: give either src=FILE or env=VAR, not both` };
  if (env !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(env)) return { problem: `secret \`${id}\`: \`${env}\` is not an environment variable name` };
    return { value: { id, env } };
  }
  if (!src) return { problem: `secret \`${id}\`: give its source, src=FILE or env=VAR` };
  return { value: { id, src: path.resolve(workdir, src) } };
}

/** `default`, `ID` (the agent) or `ID=PATH[,PATH]`, as buildx reads `--ssh`. */
export function parseSshSpec(spec: string, workdir: string): Parsed<SshSpec> {
  const at = spec.indexOf('=');
  if (at < 0) return { value: { id: spec, paths: [] } };
  const paths = spec
    .slice(at + 1)
    .split(',')
    .filter((p) => p !== '');
  if (paths.length === 0) return { problem: `ssh \`${spec.slice(0, at)}\`: give a socket or key path after \`=\`` };
  return { value: { id: spec.slice(0, at), paths: paths.map((p) => path.resolve(workdir, p)) } };
}

/** Schemes buildx takes as they are; anything else is a local directory. */
const REMOTE_CONTEXT = /^(docker-image:\/\/|https?:\/\/|git@|ssh:\/\/|git:\/\/)/;
const OCI_LAYOUT = 'oci-layout://';

/** A build context value with local paths made absolute (`oci-layout://` keeps its `:tag`/`@digest`). */
export function resolveBuildContext(value: string, workdir: string): string {
  if (REMOTE_CONTEXT.test(value)) return value;
  if (value.startsWith(OCI_LAYOUT)) {
    const rest = value.slice(OCI_LAYOUT.length);
    // Always matches: the layout path, then an optional tag or digest.
    const [, layout = rest, reference = ''] = /^(.*?)((?:@sha256:[0-9a-f]+|:[\w][\w.-]*)?)$/.exec(rest) ?? [];
    return `${OCI_LAYOUT}${path.resolve(workdir, layout)}${reference}`;
  }
  return path.resolve(workdir, value);
}

/** The local path a build context reads, if it is one. */
export function localContextPath(value: string): string | undefined {
  if (REMOTE_CONTEXT.test(value)) return undefined;
  if (value.startsWith(OCI_LAYOUT)) return /^(.*?)(?:@sha256:[0-9a-f]+|:[\w][\w.-]*)?$/.exec(value.slice(OCI_LAYOUT.length))?.[1];
  return value;
}

function byId<T extends { id: string }>(...lists: T[][]): T[] {
  const merged = new Map<string, T>();
  for (const list of lists) for (const item of list) merged.set(item.id, item);
  return [...merged.values()];
}

function parseList<T>(specs: string[] | undefined, field: string, parse: (spec: string) => Parsed<T>, problems: OptionProblem[]): T[] {
  const values: T[] = [];
  (specs ?? []).forEach((spec, index) => {
    const parsed = parse(spec);
    if ('value' in parsed) values.push(parsed.value);
    else problems.push({ at: [field, index], message: parsed.problem });
  });
  return values;
}

function attestationValue(raw: boolean | string | undefined): string | undefined {
  return raw === undefined ? undefined : String(raw);
}

export interface ParsedBuildOptions {
  options: BuildOptions;
  /** Problems in the defaults' options (`at` below `defaults`) and the image's (below the image). */
  defaultsProblems: OptionProblem[];
  imageProblems: OptionProblem[];
}

/** The image's options over the defaults': secrets and ssh by id, build contexts by name, the rest whole. */
export function toBuildOptions(
  defaults: RawBuildOptions | undefined,
  image: RawBuildOptions,
  workdir: string,
  secretsWorkdir = workdir,
): ParsedBuildOptions {
  const defaultsProblems: OptionProblem[] = [];
  const imageProblems: OptionProblem[] = [];
  const secrets = (raw: RawBuildOptions | undefined, problems: OptionProblem[]) =>
    parseList(raw?.secrets, 'secrets', (spec) => parseSecretSpec(spec, secretsWorkdir), problems);
  const ssh = (raw: RawBuildOptions | undefined, problems: OptionProblem[]) =>
    parseList(raw?.ssh, 'ssh', (spec) => parseSshSpec(spec, secretsWorkdir), problems);
  const contexts = (raw: RawBuildOptions | undefined): Record<string, string> =>
    Object.fromEntries(Object.entries(raw?.['build-contexts'] ?? {}).map(([name, value]) => [name, resolveBuildContext(value, workdir)]));
  const pick = <K extends keyof RawBuildOptions>(key: K): RawBuildOptions[K] => image[key] ?? defaults?.[key];
  const shmSize = pick('shm-size');
  const network = pick('network');
  const provenance = attestationValue(pick('provenance'));
  const sbom = attestationValue(pick('sbom'));
  const options: BuildOptions = {
    secrets: byId(secrets(defaults, defaultsProblems), secrets(image, imageProblems)),
    ssh: byId(ssh(defaults, defaultsProblems), ssh(image, imageProblems)),
    buildContexts: { ...contexts(defaults), ...contexts(image) },
    ...(network !== undefined ? { network } : {}),
    addHosts: pick('add-hosts') ?? [],
    allow: pick('allow') ?? [],
    ...(shmSize !== undefined ? { shmSize: parseSize(shmSize) } : {}),
    ulimits: pick('ulimit') ?? [],
    noCache: pick('no-cache') ?? false,
    pull: pick('pull') ?? false,
    annotations: pick('annotations') ?? [],
    ...(provenance !== undefined ? { provenance } : {}),
    ...(sbom !== undefined ? { sbom } : {}),
  };
  return { options, defaultsProblems, imageProblems };
}

/**
 * Run-wide options (action inputs, CLI flags) under an image's: the image's secrets, ssh and
 * contexts win by id/name, its lists and values replace the run's when it sets them.
 */
export function mergeBuildOptions(run: BuildOptions, image: BuildOptions): BuildOptions {
  const list = <T>(imageList: T[], runList: T[]): T[] => (imageList.length > 0 ? imageList : runList);
  return {
    secrets: byId(run.secrets, image.secrets),
    ssh: byId(run.ssh, image.ssh),
    buildContexts: { ...run.buildContexts, ...image.buildContexts },
    ...((image.network ?? run.network) !== undefined ? { network: image.network ?? run.network } : {}),
    addHosts: list(image.addHosts, run.addHosts),
    allow: list(image.allow, run.allow),
    ...((image.shmSize ?? run.shmSize) !== undefined ? { shmSize: image.shmSize ?? run.shmSize } : {}),
    ulimits: list(image.ulimits, run.ulimits),
    noCache: image.noCache || run.noCache,
    pull: image.pull || run.pull,
    annotations: list(image.annotations, run.annotations),
    ...((image.provenance ?? run.provenance) !== undefined ? { provenance: image.provenance ?? run.provenance } : {}),
    ...((image.sbom ?? run.sbom) !== undefined ? { sbom: image.sbom ?? run.sbom } : {}),
  };
}
