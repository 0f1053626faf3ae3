/**
 * `docker buildx bake --print` JSON → ordinary build entries (ImageConfig), so a bake target or a
 * compose service builds like any other entry. Pure. Reads both shapes buildx prints: 0.13's
 * (secrets, ssh, cache and attestations as spec strings) and the structured one of later
 * versions (objects). One target gives one entry named as the budget-file entry; a group gives
 * one per target, named `<entry>/<target>`.
 */
import path from 'node:path';
import { z } from 'zod';
import { parseSecretSpec, parseSshSpec, resolveBuildContext } from './build-options.js';
import type { BuildDefinition, BuildOptions, ImageConfig, SecretSpec, SshSpec } from './types.js';

export class BakeDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BakeDefinitionError';
  }
}

const spec = z.union([z.string(), z.record(z.string(), z.unknown())]);
const nullableMap = z.record(z.string(), z.string().nullable());

const bakeTarget = z.looseObject({
  context: z.string().optional(),
  contexts: z.record(z.string(), z.string()).optional(),
  dockerfile: z.string().optional(),
  'dockerfile-inline': z.string().optional(),
  args: nullableMap.optional(),
  labels: nullableMap.optional(),
  'cache-from': z.array(spec).optional(),
  target: z.string().optional(),
  secret: z.array(spec).optional(),
  ssh: z.array(spec).optional(),
  platforms: z.array(z.string()).optional(),
  pull: z.boolean().optional(),
  'no-cache': z.boolean().optional(),
  network: z.string().optional(),
  'shm-size': z.string().optional(),
  ulimits: z.array(z.string()).optional(),
  annotations: z.array(z.string()).optional(),
  attest: z.array(spec).optional(),
  'extra-hosts': z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
  entitlements: z.array(z.string()).optional(),
});
type BakeTarget = z.infer<typeof bakeTarget>;

const bakePrint = z.looseObject({
  group: z.record(z.string(), z.looseObject({ targets: z.array(z.string()).optional() })).optional(),
  target: z.record(z.string(), bakeTarget).optional(),
});
export type BakePrint = z.infer<typeof bakePrint>;

/** A structured spec (`{ type: "gha", scope: "x" }`) as the string buildx also reads. */
function specString(value: string | Record<string, unknown>): string {
  if (typeof value === 'string') return value;
  return Object.entries(value)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
    .join(',');
}

/** docker's size syntax (units.RAMInBytes: k, m, g, t, p; optional b / ib; binary). */
export function parseDockerSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?$/i.exec(text.trim());
  if (!match) return undefined;
  const power = ' kmgtp'.indexOf((match[2] || ' ').toLowerCase());
  return Math.round(Number(match[1]) * 1024 ** power);
}

/** The targets `name` stands for: itself, or a group's targets (groups may nest). */
function targetNames(printed: BakePrint, name: string, seen = new Set<string>()): string[] | undefined {
  if (printed.target?.[name]) return [name];
  const group = printed.group?.[name];
  if (!group || seen.has(name)) return undefined;
  seen.add(name);
  return [...new Set((group.targets ?? []).flatMap((member) => targetNames(printed, member, seen) ?? []))];
}

interface Where {
  /** What the messages call the definition: `bake file docker-bake.hcl, target \`api\``. */
  describe: (target: string) => string;
  /** Directory the printed paths are relative to (where bake ran). */
  dir: string;
  /** Directory secret files and ssh keys resolve against. */
  secretsDir: string;
}

function toSecrets(raw: BakeTarget['secret'], where: Where, at: string): SecretSpec[] {
  return (raw ?? []).map((item) => {
    const parsed = parseSecretSpec(specString(item), where.secretsDir);
    if ('problem' in parsed) throw new BakeDefinitionError(`${at}: ${parsed.problem}`);
    return parsed.value;
  });
}

function toSsh(raw: BakeTarget['ssh'], where: Where, at: string): SshSpec[] {
  return (raw ?? []).map((item) => {
    const text =
      typeof item === 'string'
        ? item
        : `${typeof item.id === 'string' ? item.id : 'default'}${Array.isArray(item.paths) && item.paths.length > 0 ? `=${item.paths.join(',')}` : ''}`;
    const parsed = parseSshSpec(text, where.secretsDir);
    if ('problem' in parsed) throw new BakeDefinitionError(`${at}: ${parsed.problem}`);
    return parsed.value;
  });
}

/** `attest` entries → the --provenance / --sbom values they mean. */
function toAttestations(raw: BakeTarget['attest']): Pick<BuildOptions, 'provenance' | 'sbom'> {
  const out: Pick<BuildOptions, 'provenance' | 'sbom'> = {};
  for (const item of raw ?? []) {
    const fields = new Map(
      specString(item)
        .split(',')
        .map((part) => {
          const eq = part.indexOf('=');
          return [eq < 0 ? part : part.slice(0, eq), part.slice(eq + 1)];
        }),
    );
    const type = fields.get('type');
    if (type !== 'provenance' && type !== 'sbom') continue;
    fields.delete('type');
    const disabled = fields.get('disabled') === 'true';
    fields.delete('disabled');
    const rest = [...fields].map(([k, v]) => `${k}=${v}`).join(',');
    out[type] = disabled ? 'false' : rest || 'true';
  }
  return out;
}

function definedMap(raw: Record<string, string | null> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(raw ?? {}).filter((entry): entry is [string, string] => entry[1] !== null));
}

function toImage(entry: ImageConfig, definition: BuildDefinition, name: string, bake: BakeTarget, where: Where): ImageConfig {
  const at = where.describe(name);
  if (bake['dockerfile-inline'] !== undefined)
    throw new BakeDefinitionError(`${at}: dockerfile-inline is not supported; put the Dockerfile in a file and name it in \`dockerfile\``);
  const contextText = bake.context ?? '.';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(contextText) || contextText.startsWith('git@') || contextText.startsWith('target:'))
    throw new BakeDefinitionError(`${at}: context ${contextText} is not a local directory; image-budget builds local contexts only`);
  const context = path.resolve(where.dir, contextText);
  const buildContexts: Record<string, string> = {};
  for (const [contextName, value] of Object.entries(bake.contexts ?? {})) {
    if (value.startsWith('target:'))
      throw new BakeDefinitionError(
        `${at}: context \`${contextName}\` = ${value} links another bake target, which image-budget does not build`,
      );
    buildContexts[contextName] = resolveBuildContext(value.replace(/^cwd:\/\//, ''), where.dir);
  }
  let shmSize: number | undefined;
  if (bake['shm-size'] !== undefined) {
    shmSize = parseDockerSize(bake['shm-size']);
    if (shmSize === undefined) throw new BakeDefinitionError(`${at}: shm-size ${bake['shm-size']} is not a size`);
  }
  const options: BuildOptions = {
    secrets: toSecrets(bake.secret, where, at),
    ssh: toSsh(bake.ssh, where, at),
    buildContexts,
    ...(bake.network !== undefined ? { network: bake.network } : {}),
    addHosts: Object.entries(bake['extra-hosts'] ?? {}).flatMap(([host, ips]) =>
      (Array.isArray(ips) ? ips : ips.split(',')).map((ip) => `${host}=${ip}`),
    ),
    allow: bake.entitlements ?? [],
    ...(shmSize !== undefined ? { shmSize } : {}),
    ulimits: bake.ulimits ?? [],
    noCache: bake['no-cache'] ?? false,
    pull: bake.pull ?? false,
    annotations: bake.annotations ?? [],
    ...toAttestations(bake.attest),
  };
  return {
    ...entry,
    source: {
      kind: 'build',
      definedBy:
        definition.kind === 'bake'
          ? { kind: 'bake', files: definition.files, target: name, entry: entry.name }
          : { kind: 'compose', files: definition.files, service: name, entry: entry.name },
    },
    context,
    dockerfile: path.resolve(context, bake.dockerfile ?? 'Dockerfile'),
    targets: [bake.target],
    platforms: bake.platforms ?? [],
    buildArgs: definedMap(bake.args),
    labels: definedMap(bake.labels),
    // Only the cache a build reads: a check run does not export the team's cache.
    cache: { mode: 'auto', from: (bake['cache-from'] ?? []).map(specString), to: [] },
    options,
    stages: 'none',
  };
}

export interface BakeConversion {
  /** The budget-file entry (a `bake` or `compose` source): its name, budgets, analyze, location. */
  entry: ImageConfig;
  definition: BuildDefinition;
  /** The parsed `--print` output. */
  printed: unknown;
  /** Directory bake ran in: the printed relative paths are relative to it. */
  dir: string;
  /** Directory secret files and ssh keys resolve against (default `dir`). */
  secretsDir?: string;
  /** Messages show the files relative to this (the repository root; default `dir`). */
  root?: string;
}

/** `bake file docker-bake.hcl, target \`api\``: how messages name a definition (files relative to `root`). */
export function describeDefinition(definition: BuildDefinition, root: string, target = requestedName(definition)): string {
  const files = definition.files.map((file) => path.relative(root, file) || file).join(', ');
  return definition.kind === 'bake' ? `bake file ${files}, target \`${target}\`` : `compose file ${files}, service \`${target}\``;
}

/** The bake target or group, or the compose service, an entry names. */
export function requestedName(definition: BuildDefinition): string {
  return definition.kind === 'bake' ? definition.target : definition.service;
}

/** The entry's images, one per bake target it stands for. Throws BakeDefinitionError. */
export function bakeToImages({ entry, definition, printed, dir, secretsDir, root }: BakeConversion): ImageConfig[] {
  const requested = requestedName(definition);
  const what = definition.kind === 'bake' ? 'target' : 'service';
  const describe = (target: string) => describeDefinition(definition, root ?? dir, target);
  const parsed = bakePrint.safeParse(printed);
  if (!parsed.success)
    throw new BakeDefinitionError(`${describe(requested)}: \`docker buildx bake --print\` gave output image-budget does not read`);
  const names = targetNames(parsed.data, requested);
  if (!names || names.length === 0) {
    const known = Object.keys(parsed.data.target ?? {});
    throw new BakeDefinitionError(`${describe(requested)} not found${known.length > 0 ? ` (${what}s: ${known.join(', ')})` : ''}`);
  }
  const where: Where = { describe, dir, secretsDir: secretsDir ?? dir };
  const single = names.length === 1 && names[0] === requested;
  return names.map((name) => {
    const target = parsed.data.target?.[name];
    if (target === undefined) throw new BakeDefinitionError(`${describe(name)}: not in \`docker buildx bake --print\`'s targets`);
    const image = toImage(entry, definition, name, target, where);
    return { ...image, name: single ? entry.name : `${entry.name}/${name}` };
  });
}
