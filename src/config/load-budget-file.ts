/** Reads the budget file and checks that what it points at exists. The I/O half of config. */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { execBytes, MAX_ARG_STRLEN, systemArgMax } from '../docker/exec.js';
import { BakeDefinitionError, describeDefinition } from './bake-definition.js';
import { BuildPathChecker } from './check-build-paths.js';
import { ConfigError, type ConfigIssue } from './config-error.js';
import { listStages } from './list-stages.js';
import { formatPath } from './locate-node.js';
import { parseBudgetDocument, type ParsedBudgetFile } from './parse-budget-file.js';
import { resolveBakeEntry } from './read-bake-definition.js';
import { suggestName } from './suggest-name.js';
import type { BudgetFile, ImageConfig } from './types.js';

async function kindOf(target: string): Promise<'file' | 'directory' | 'missing' | 'other'> {
  try {
    const info = await stat(target);
    return info.isFile() ? 'file' : info.isDirectory() ? 'directory' : 'other';
  } catch {
    return 'missing';
  }
}

export interface LoadOptions {
  workdir: string;
  /** Let contexts, Dockerfiles, secret files and build contexts resolve outside `workdir`. */
  allowOutsidePaths?: boolean;
  /** The environment builds get (env-sourced secrets, SSH_AUTH_SOCK). Default: this process's. */
  env?: NodeJS.ProcessEnv;
  /**
   * Where secret files and ssh keys resolve and must stay; default `workdir`. A base build
   * passes the head's working directory: secrets are the runner's, not the base commit's.
   */
  secretsWorkdir?: string;
}

/** Far above any real budget file; keeps a wrong `--config` from reading a huge file into memory. */
export const MAX_BUDGET_FILE_BYTES = 8 * 1024 * 1024;

function wholeFileError(file: string, message: string): ConfigError {
  return new ConfigError([{ file, line: 0, column: 0, path: '', message }]);
}

/** The file's text; only a regular file is opened (a FIFO or device would block or never end). */
async function readBudgetText(file: string, absolute: string): Promise<string> {
  const advice = `create it (\`image-budget init\` writes one) or point the \`config\` input (--config) at it`;
  try {
    const info = await stat(absolute);
    if (!info.isFile()) {
      const kind = info.isDirectory() ? 'a directory' : 'not a regular file';
      throw wholeFileError(file, `the budget file at ${absolute} is ${kind}; ${advice}`);
    }
    if (info.size > MAX_BUDGET_FILE_BYTES) {
      throw wholeFileError(
        file,
        `the budget file at ${absolute} is ${String(info.size)} bytes; at most ${String(MAX_BUDGET_FILE_BYTES)} are read`,
      );
    }
    return await readFile(absolute, 'utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'budget file not found' : `cannot read the budget file (${code ?? String(error)})`;
    throw wholeFileError(file, `${why} at ${absolute}; ${advice}`);
  }
}

export async function loadBudgetFile(file: string, opts: LoadOptions): Promise<BudgetFile> {
  const absolute = path.resolve(opts.workdir, file);
  const text = await readBudgetText(file, absolute);

  const parsed = parseBudgetDocument(text, {
    path: file,
    workdir: opts.workdir,
    secretsWorkdir: opts.secretsWorkdir,
  });
  const issues: ConfigIssue[] = [];
  const missingPaths = new Set<string>();
  const checker = new BuildPathChecker({
    workdir: path.resolve(opts.workdir),
    secretsWorkdir: path.resolve(opts.secretsWorkdir ?? opts.workdir),
    allowOutsidePaths: opts.allowOutsidePaths ?? false,
    env: opts.env ?? process.env,
  });
  const images = await resolveBakeEntries(parsed, file, opts, issues);
  for (const image of images) {
    if (image.source.kind === 'image' && image.source.dockerfile !== undefined) {
      if ((await kindOf(image.source.dockerfile)) === 'file') continue;
      const where = parsed.locate(['images', image.name, 'dockerfile']);
      issues.push({
        file,
        line: where.line,
        column: where.column,
        path: formatPath(['images', image.name, 'dockerfile']),
        message: `dockerfile ${path.relative(opts.workdir, image.source.dockerfile)} is not a file`,
      });
      continue;
    }
    // Only image-budget's own builds read a context and Dockerfile.
    if (image.source.kind !== 'build') continue;
    const { problems, contextOk } = await checker.check(image);
    if (!contextOk) missingPaths.add(image.name);
    const definedBy = image.source.definedBy;
    if (definedBy) {
      // The bake or compose file says these paths: point at the entry's `bake:` / `compose:`.
      const at = ['images', definedBy.entry, definedBy.kind];
      const where = parsed.locate(at);
      const what = describeDefinition(definedBy, opts.workdir);
      for (const problem of problems)
        issues.push({ file, line: where.line, column: where.column, path: formatPath(at), message: `${what}: ${problem.message}` });
      continue;
    }
    for (const problem of problems) {
      const own = ['images', image.name, problem.field];
      const at = parsed.locate(own).found || !parsed.locate(['defaults', problem.field]).found ? own : ['defaults', problem.field];
      const where = parsed.locate(at);
      const defaulted = where.found || at[0] === 'defaults' ? '' : ` (the default; set \`${problem.field}\` to change it)`;
      issues.push({ file, line: where.line, column: where.column, path: formatPath(at), message: `${problem.message}${defaulted}` });
    }
  }
  // Stage checks need a readable Dockerfile: only for images whose paths are fine, and that
  // name a stage (a target, or a budget per stage under `stages: all`).
  for (const image of images) {
    // A bake target's stage is the bake file's business: buildx reports it for that image.
    if (missingPaths.has(image.name) || image.source.kind !== 'build' || image.source.definedBy) continue;
    if (image.stages !== 'all' && image.targets.every((target) => target === undefined)) continue;
    const names = stageNames(await readFile(image.dockerfile, 'utf8'));
    issues.push(...checkTargets(image, names, file, parsed, opts.workdir));
    if (image.stages === 'all') issues.push(...checkStageOverrides(image, names, file, parsed));
  }
  issues.push(...checkCommandLineLimits(parsed, file));
  if (issues.length > 0) throw new ConfigError(issues);
  return { ...parsed.budgetFile, images };
}

/** Bake and compose entries replaced by the build entries their definitions give; a problem is an issue at the entry's field. */
async function resolveBakeEntries(
  parsed: ParsedBudgetFile,
  file: string,
  opts: LoadOptions,
  issues: ConfigIssue[],
): Promise<ImageConfig[]> {
  const images: ImageConfig[] = [];
  for (const image of parsed.budgetFile.images) {
    const kind = image.source.kind;
    if (kind !== 'bake' && kind !== 'compose') {
      images.push(image);
      continue;
    }
    try {
      images.push(...(await resolveBakeEntry(image, { workdir: path.resolve(opts.workdir), secretsWorkdir: opts.secretsWorkdir })));
    } catch (error) {
      if (!(error instanceof BakeDefinitionError)) throw error;
      const at = ['images', image.name, kind];
      const where = parsed.locate(at);
      issues.push({ file, line: where.line, column: where.column, path: formatPath(at), message: error.message });
    }
  }
  return images;
}

/** Room left for buildx's other arguments (tags, outputs, cache flags, paths). */
const OTHER_ARGUMENTS_BYTES = 64 * 1024;

/** One value the budget file puts on buildx's command line, and where it is written. */
interface CommandLineValue {
  flag: string;
  /** What the message shows of the value: `KEY=…`, never the value itself. */
  shown: string;
  argument: string;
  /** The field in the image, or in `defaults` when the image does not set it. */
  field: (string | number)[];
}

function commandLineValues(image: BudgetFile['images'][number]): CommandLineValue[] {
  const short = (key: string) => (key.length > 40 ? `${key.slice(0, 40)}…` : key);
  const pairs = (name: string, flag: string, values: Record<string, string>) =>
    Object.entries(values).map(([key, value]) => ({ flag, shown: `${short(key)}=…`, argument: `${key}=${value}`, field: [name, key] }));
  return [
    ...pairs('build-args', '--build-arg', image.buildArgs),
    ...pairs('labels', '--label', image.labels),
    // The image's list, or the defaults' when it has none: the index is the same in either.
    ...image.options.annotations.map((annotation, index) => ({
      flag: '--annotation',
      shown: `${short(annotation.split('=')[0] ?? '')}=…`,
      argument: annotation,
      field: ['annotations', index],
    })),
  ];
}

/**
 * Build args, labels and annotations go to `docker buildx build` as arguments: one over the
 * kernel's limit for a single argument, or all of them with the environment over ARG_MAX, would
 * fail the spawn (E2BIG). Secrets never do: they pass as file paths or variable names.
 */
function checkCommandLineLimits(parsed: ParsedBudgetFile, file: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const environment = Object.entries(process.env).reduce((n, [k, v]) => n + (v === undefined ? 0 : execBytes(`${k}=${v}`)), 0);
  const room = systemArgMax() - environment - OTHER_ARGUMENTS_BYTES;
  for (const image of parsed.budgetFile.images) {
    let total = 0;
    for (const { flag, shown, argument, field } of commandLineValues(image)) {
      const bytes = Buffer.byteLength(argument, 'utf8');
      total += execBytes(flag) + execBytes(argument);
      if (bytes + 1 <= MAX_ARG_STRLEN) continue;
      const own = ['images', image.name, ...field];
      const at = parsed.locate(own).found ? own : ['defaults', ...field];
      const where = parsed.locate(at);
      issues.push({
        file,
        line: where.line,
        column: where.column,
        path: formatPath(at),
        message: `\`${flag} ${shown}\` is ${String(bytes)} bytes, over the system's ${String(MAX_ARG_STRLEN)}-byte limit for one command-line argument; pass large values in a file (a build context or secret) instead`,
      });
    }
    if (total > room) {
      const at = ['images', image.name];
      const where = parsed.locate(at);
      issues.push({
        file,
        line: where.line,
        column: where.column,
        path: formatPath(at),
        message: `build args, labels and annotations take ${String(total)} bytes of the command line; with the environment that is over the system's limit (ARG_MAX ${String(systemArgMax())})`,
      });
    }
  }
  return issues;
}

/** Named stages of a Dockerfile, lowercase as BuildKit matches `--target`. */
function stageNames(dockerfileText: string): string[] {
  return listStages(dockerfileText)
    .map((s) => s.name)
    .filter((n): n is string => n !== null);
}

/** Every `target`/`targets` entry must name a stage, or buildx fails the build much later. */
function checkTargets(
  image: ImageConfig,
  stages: readonly string[],
  file: string,
  parsed: Pick<ParsedBudgetFile, 'locate'>,
  workdir: string,
): ConfigIssue[] {
  const single = parsed.locate(['images', image.name, 'target']).found;
  const issues: ConfigIssue[] = [];
  image.targets.forEach((target, index) => {
    if (target === undefined || stages.includes(target.toLowerCase())) return;
    const at = single ? ['images', image.name, 'target'] : ['images', image.name, 'targets', index];
    const where = parsed.locate(at);
    const guess = suggestName(target, stages);
    issues.push({
      file,
      line: where.line,
      column: where.column,
      path: formatPath(at),
      message:
        `Dockerfile ${path.relative(workdir, image.dockerfile)} has no stage named \`${target}\`; ` +
        `stages: ${stages.join(', ') || 'none named (name one with `FROM … AS name`)'}${guess ? `; did you mean \`${guess}\`?` : ''}`,
    });
  });
  return issues;
}

/** With `stages: all`, `budget.targets` may name any stage of the Dockerfile, and only those. */
function checkStageOverrides(image: ImageConfig, names: readonly string[], file: string, parsed: ParsedBudgetFile): ConfigIssue[] {
  const keys = Object.keys(image.targetBudgets);
  if (keys.length === 0) return [];
  const known = [...new Set([...names, ...image.targets.filter((t): t is string => t !== undefined)])];
  return keys
    .filter((key) => !known.includes(key.toLowerCase()))
    .map((key) => {
      const at = ['images', image.name, 'budget', 'targets', key];
      const where = parsed.locate(at);
      const guess = suggestName(key, known);
      return {
        file,
        line: where.line,
        column: where.column,
        path: formatPath(at),
        message: `override for stage \`${key}\`, which is not a named stage of ${path.basename(image.dockerfile)} (stages: ${known.join(', ') || 'none named'})${guess ? `; did you mean \`${guess}\`?` : ''}`,
      };
    });
}
