/**
 * The builds of one job as one `docker buildx bake` definition (JSON): one bake target per
 * planned build, saying what that build's `docker buildx build` argv says, with the same OCI
 * layout output. Secrets and ssh are the same `id=…,src=FILE` / `id=…,env=VAR` references the
 * argv gives: bake reads the values where buildx would, and none is in the file. Pure.
 *
 * Only attributes buildx 0.13 reads are written; a build that needs another (network, hosts,
 * entitlements, attestations, raw build flags) is built on its own (`soloReason`).
 */
import type { BuildJob } from './plan-builds.js';
import { secretFlag, sshFlag } from './plan-builds.js';

export interface BakeTarget {
  context: string;
  dockerfile: string;
  target?: string;
  platforms?: string[];
  args?: Record<string, string>;
  labels?: Record<string, string>;
  contexts?: Record<string, string>;
  secret?: string[];
  ssh?: string[];
  'shm-size'?: string;
  ulimits?: string[];
  'no-cache'?: boolean;
  pull?: boolean;
  annotations?: string[];
  'cache-from'?: string[];
  'cache-to'?: string[];
  output: string[];
}

export interface BakeDefinition {
  target: Record<string, BakeTarget>;
}

export interface BakePlan {
  definition: BakeDefinition;
  /** The bake target of each job, aligned with the jobs given. */
  names: string[];
}

/** bake reads JSON strings as HCL templates: `${` and `%{` are escaped so every value stays as written. */
export function bakeLiteral(text: string): string {
  // Replacer functions: in a replacement string `$$` would mean one `$`.
  return text.replaceAll('${', () => '$${').replaceAll('%{', () => '%%{');
}

const TEMPLATE = /\$\{|%\{/;

/** Why `job` cannot be a target of the job's bake definition, or null when it can. */
export function soloReason(job: BuildJob): string | null {
  const { options, spec } = job;
  if (spec.extraArgs.length > 0) return 'extra build flags';
  if (options.network !== undefined) return 'network';
  if (options.addHosts.length > 0) return 'add-hosts';
  if (options.allow.length > 0) return 'allow';
  if (options.provenance !== undefined) return 'provenance';
  if (options.sbom !== undefined) return 'sbom';
  // A map key is a template too, and an escaped one might not read back the same.
  const keys = [...Object.keys(spec.buildArgs), ...Object.keys(spec.labels), ...Object.keys(options.buildContexts)];
  if (keys.some((key) => TEMPLATE.test(key))) return 'a name with `${` or `%{`';
  return null;
}

/** A bake target name (letters, digits, `_`, `-`) for a job id, unique among `taken`. */
export function bakeTargetName(id: string, taken: ReadonlySet<string>): string {
  const base = id.replace(/[^a-zA-Z0-9_-]/g, '_');
  let name = base;
  for (let n = 2; taken.has(name); n += 1) name = `${base}-${String(n)}`;
  return name;
}

const literalMap = (map: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(map).map(([key, value]) => [key, bakeLiteral(value)]));

/** One build as a bake target: the attributes its argv sets, nothing else. */
export function bakeTarget(job: BuildJob): BakeTarget {
  const { image, options, spec } = job;
  const list = (values: string[]): string[] => values.map(bakeLiteral);
  const target: BakeTarget = { context: bakeLiteral(image.context), dockerfile: bakeLiteral(image.dockerfile), output: [] };
  if (job.target !== undefined) target.target = bakeLiteral(job.target);
  if (job.platforms.length > 0) target.platforms = list(job.platforms);
  if (Object.keys(spec.buildArgs).length > 0) target.args = literalMap(spec.buildArgs);
  if (Object.keys(spec.labels).length > 0) target.labels = literalMap(spec.labels);
  if (Object.keys(options.buildContexts).length > 0) target.contexts = literalMap(options.buildContexts);
  if (options.secrets.length > 0) target.secret = list(options.secrets.map(secretFlag));
  if (options.ssh.length > 0) target.ssh = list(options.ssh.map(sshFlag));
  if (options.shmSize !== undefined) target['shm-size'] = String(options.shmSize);
  if (options.ulimits.length > 0) target.ulimits = list(options.ulimits);
  if (options.noCache) target['no-cache'] = true;
  if (options.pull) target.pull = true;
  if (options.annotations.length > 0) target.annotations = list(options.annotations);
  if (spec.cacheFrom.length > 0) target['cache-from'] = list(spec.cacheFrom);
  if (spec.cacheTo.length > 0) target['cache-to'] = list(spec.cacheTo);
  target.output = [bakeLiteral(`type=oci,dest=${job.layoutDir},tar=false`)];
  return target;
}

/** The bake definition of `jobs` (each one `soloReason` accepts). */
export function planBake(jobs: readonly BuildJob[]): BakePlan {
  const target: Record<string, BakeTarget> = {};
  const names: string[] = [];
  for (const job of jobs) {
    const name = bakeTargetName(job.id, new Set(names));
    names.push(name);
    target[name] = bakeTarget(job);
  }
  return { definition: { target }, names };
}

/** `docker buildx bake` for the plan: every target, one metadata file, plain progress. */
export function bakeArgv(plan: BakePlan, files: { definition: string; metadata: string }, builder?: string): string[] {
  const argv = ['buildx', 'bake', '--progress=plain'];
  if (builder) argv.push('--builder', builder);
  argv.push('--metadata-file', files.metadata, '-f', files.definition, ...plan.names);
  return argv;
}
