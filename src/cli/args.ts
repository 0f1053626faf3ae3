/**
 * The CLI's commands, their flags and help texts, and the parsing of argv against them (pure):
 * each command accepts only its own flags, a mistyped one gets a suggestion, one of the other
 * command is named as such.
 */
import { parseArgs } from 'node:util';
import { suggestName } from '../config/suggest-name.js';
import { VERSION } from '../version.js';
import { UsageError } from './usage-error.js';

type Flag =
  { type: 'string'; default?: string; short?: string; multiple?: boolean } | { type: 'boolean'; default?: boolean; short?: string };

/** Flags every command takes. */
const COMMON = {
  config: { type: 'string', default: '.github/image-budget.yml' },
  builder: { type: 'string' },
  parallel: { type: 'string', default: '2' },
  verbose: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false, short: 'h' },
} as const satisfies Record<string, Flag>;

/**
 * Build options for every image, as docker buildx build's (see buildSettingsFromFlags in
 * main.ts): both commands build.
 */
const BUILD_OPTIONS = {
  'build-arg': { type: 'string', multiple: true },
  label: { type: 'string', multiple: true },
  secret: { type: 'string', multiple: true },
  ssh: { type: 'string', multiple: true },
  'build-context': { type: 'string', multiple: true },
  network: { type: 'string' },
  'add-host': { type: 'string', multiple: true },
  allow: { type: 'string', multiple: true },
  'shm-size': { type: 'string' },
  ulimit: { type: 'string', multiple: true },
  'no-cache': { type: 'boolean', default: false },
  pull: { type: 'boolean', default: false },
  annotation: { type: 'string', multiple: true },
  provenance: { type: 'string' },
  sbom: { type: 'string' },
  'allow-outside-paths': { type: 'boolean', default: false },
} as const satisfies Record<string, Flag>;

export const CHECK_OPTIONS = {
  ...COMMON,
  json: { type: 'string' },
  markdown: { type: 'string' },
  base: { type: 'string' },
  'baseline-report': { type: 'string' },
  'baseline-image': { type: 'string' },
  'no-analyze': { type: 'boolean', default: false },
  'cache-dir': { type: 'string' },
  // A given image and registry logins, as the action's `image` and `registry-token` inputs.
  image: { type: 'string' },
  'registry-token': { type: 'string' },
  ...BUILD_OPTIONS,
} as const satisfies Record<string, Flag>;

export const INIT_OPTIONS = {
  ...COMMON,
  headroom: { type: 'string', default: '20' },
  update: { type: 'boolean', default: false },
  force: { type: 'boolean', default: false },
  ...BUILD_OPTIONS,
} as const satisfies Record<string, Flag>;

const GLOBAL_OPTIONS = {
  help: { type: 'boolean', default: false, short: 'h' },
  version: { type: 'boolean', default: false, short: 'v' },
} as const satisfies Record<string, Flag>;

export const COMMANDS = { check: CHECK_OPTIONS, init: INIT_OPTIONS } as const;
export type Command = keyof typeof COMMANDS;

const EXIT_CODES = 'Exit codes: 0 within budget · 1 over budget or a build failed · 2 config or usage error.';

const COMMON_HELP = `  --config PATH      budget file (default .github/image-budget.yml)
  --builder NAME     buildx builder to use (default: the current one)
  --parallel N       images measured at once, and built at once outside the job's one bake (default 2)
  --verbose          stream the build output as it happens
  -h, --help         this help`;

const BUILD_HELP = `Build options for every image (as docker buildx build's, under the budget file's own; the
repeatable ones may be given several times):
  --build-arg K=V  --label K=V  --secret id=ID,src=FILE|env=VAR  --ssh default|ID=PATH
  --build-context NAME=PATH|docker-image://REF|oci-layout://PATH  --network default|none|host
  --add-host HOST:IP  --allow ENTITLEMENT  --shm-size SIZE  --ulimit NAME=SOFT[:HARD]
  --no-cache  --pull  --annotation [TYPE:]K=V  --provenance VALUE  --sbom VALUE
  --allow-outside-paths  let budget-file paths (contexts, Dockerfiles, secret files) leave the repository`;

export const USAGE = `image-budget ${VERSION} — keep container images small

Usage:
  image-budget check [options]   build, measure and compare every image with its budget
  image-budget init  [options]   write a budget file from sizes measured now
  image-budget --version

Run \`image-budget check --help\` or \`image-budget init --help\` for a command's options.

${EXIT_CODES}`;

export const CHECK_HELP = `image-budget check — build every image the budget file names, measure it and compare it
with its budget (and with a baseline, when asked).

Usage:
  image-budget check [--config PATH] [--json PATH|-] [--markdown PATH|-] [--base REF] [options]

Options:
${COMMON_HELP}
  --json PATH|-      write the JSON report (schemaVersion 1) there; - for stdout
  --markdown PATH|-  write the markdown report (the job summary) there; - for stdout
                     (with -, the table and the progress go to stderr)
  --base REF         compare with git REF, built in a worktree the same way (budgets from REF)
  --baseline-report PATH     compare with a saved JSON report instead
  --baseline-image TEMPLATE  compare with images in a registry, e.g. ghcr.io/acme/{image}:main
  --no-analyze       skip the layer analysis (wasted bytes, efficiency, hints)
  --cache-dir PATH   layer scans and counted sizes (default ~/.cache/image-budget/layers)
  --image REF        the image built elsewhere that the entry saying \`image: from-input\` measures
                     (no build): a registry reference (tag or digest), docker-daemon://NAME:TAG
                     or oci-layout://PATH, as the action's \`image\` input
  --registry-token TOKEN  registry password or token, tried after anonymous access and the docker
                     config's logins, as the password of $GITHUB_ACTOR (given images and
                     --baseline-image); never printed

${BUILD_HELP}

Colour on a terminal; NO_COLOR turns it off, FORCE_COLOR on.
${EXIT_CODES}`;

export const INIT_HELP = `image-budget init — write a budget file for the Dockerfiles found here (each named stage), with
budgets set from sizes measured now plus headroom; --update rewrites the max/warn values of an
existing file the same way, keeping its comments and layout.

Usage:
  image-budget init [--config PATH] [--headroom PERCENT] [--update] [--force] [options]

Options:
${COMMON_HELP}
  --headroom PCT     budget = measured size + PCT percent (default 20)
  --update           adjust the budgets of the existing file instead of writing a new one
  --force            overwrite an existing file

${BUILD_HELP}
(init measures with them; the file it writes does not record them: give \`check\` the same)

Exit codes: 0 written · 1 a build failed · 2 config or usage error.`;

export const HELP: Record<Command, string> = { check: CHECK_HELP, init: INIT_HELP };

export type ParsedArgs =
  | { kind: 'version' }
  | { kind: 'help'; text: string; exitCode: 0 | 2 }
  | { kind: 'check'; values: ReturnType<typeof parseCommand<typeof CHECK_OPTIONS>> }
  | { kind: 'init'; values: ReturnType<typeof parseCommand<typeof INIT_OPTIONS>> };

function flagNames(options: Record<string, Flag>): string[] {
  return Object.keys(options);
}

/** The problem with one unknown flag: its suggestion, or the command it belongs to. */
function unknownFlag(flag: string, command: Command | null): UsageError {
  const name = flag.replace(/^-+/, '').split('=')[0] ?? '';
  const where = command ? `image-budget ${command}` : 'image-budget';
  const own = command ? flagNames(COMMANDS[command]) : flagNames(GLOBAL_OPTIONS);
  const other = (Object.keys(COMMANDS) as Command[]).find((c) => c !== command && flagNames(COMMANDS[c]).includes(name));
  if (!command && other) return new UsageError(`--${name} goes after the command: \`image-budget ${other} --${name} …\``);
  if (command && other) return new UsageError(`--${name} is an option of \`image-budget ${other}\`, not of \`${where}\``);
  const suggestion = suggestName(name, own);
  return new UsageError(`unknown option --${name} for \`${where}\`${suggestion ? `; did you mean --${suggestion}?` : ''}`);
}

/** Every `--flag` (and `-x`) before a `--` must be one the command knows. */
function checkFlags(argv: readonly string[], options: Record<string, Flag>, command: Command | null): void {
  const shorts = new Set(Object.values(options).flatMap((o) => (o.short ? [o.short] : [])));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === undefined || arg === '--') return;
    if (arg.startsWith('--')) {
      const name = arg.slice(2).replace(/=.*$/s, '');
      const spec = (options as Record<string, Flag | undefined>)[name];
      if (!spec) throw unknownFlag(arg, command);
      // A string flag's value may be `-` (stdout): skip it, whatever it looks like.
      if (spec.type === 'string' && !arg.includes('=')) i++;
    } else if (/^-[^-]/.test(arg) && arg !== '-' && !shorts.has(arg.slice(1))) {
      throw unknownFlag(arg, command);
    }
  }
}

function parseCommand<T extends Record<string, Flag>>(argv: string[], options: T, command: Command) {
  checkFlags(argv, options, command);
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}" for \`image-budget ${command}\``);
    return values;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(error instanceof Error ? error.message.replace(/\. To specify a positional.*$/s, '') : String(error));
  }
}

/** argv (without node and the script) → what to do; throws UsageError for anything it cannot take. */
export function parseCli(argv: string[]): ParsedArgs {
  const commandAt = argv.findIndex((a) => !a.startsWith('-'));
  const first = commandAt === -1 ? undefined : argv[commandAt];
  if (first === undefined || commandAt > 0) {
    // Only global flags before a command: --help, --version.
    const globals = commandAt === -1 ? argv : argv.slice(0, commandAt);
    checkFlags(globals, GLOBAL_OPTIONS, null);
    const { values } = parseArgs({ args: globals, options: GLOBAL_OPTIONS, strict: true });
    if (values.version) return { kind: 'version' };
    if (values.help && first !== undefined && first in COMMANDS) return { kind: 'help', text: HELP[first as Command], exitCode: 0 };
    if (first === undefined) return { kind: 'help', text: USAGE, exitCode: values.help ? 0 : 2 };
  }
  if (first === 'help') {
    const topic = argv[commandAt + 1];
    if (topic === undefined) return { kind: 'help', text: USAGE, exitCode: 0 };
    if (topic in COMMANDS) return { kind: 'help', text: HELP[topic as Command], exitCode: 0 };
    throw new UsageError(`unknown command "${topic}" (expected check or init)`);
  }
  if (!(first in COMMANDS)) {
    const suggestion = suggestName(first, Object.keys(COMMANDS));
    throw new UsageError(`unknown command "${first}"${suggestion ? `; did you mean \`${suggestion}\`?` : ' (expected check or init)'}`);
  }
  const command = first as Command;
  const rest = argv.slice(commandAt + 1);
  if (command === 'check') {
    const values = parseCommand(rest, CHECK_OPTIONS, 'check');
    if (values.help) return { kind: 'help', text: CHECK_HELP, exitCode: 0 };
    return { kind: 'check', values };
  }
  const values = parseCommand(rest, INIT_OPTIONS, 'init');
  if (values.help) return { kind: 'help', text: INIT_HELP, exitCode: 0 };
  return { kind: 'init', values };
}
