/**
 * `image-budget check|init`: the same pipeline as the action, for a terminal.
 * Exit codes: 0 within budget, 1 over budget or a build failed, 2 config or usage error.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BaseRefError } from '../baseline/locate-base.js';
import { ConfigError } from '../config/config-error.js';
import { BuildxError } from '../docker/buildx-info.js';
import { renderJobSummary } from '../report/job-summary.js';
import { reportTextOptions } from '../report/report-head.js';
import { renderTerminalReport } from '../report/terminal.js';
import { runCheck, type CheckOptions } from '../run.js';
import { VERSION } from '../version.js';
import { runInit } from './init.js';
import { prepareRunSettings, type PreparedRunSettings } from '../config/prepare-run-settings.js';
import { parseRunBuildSettings, RunSettingError } from '../config/run-build-settings.js';
import { UsageError } from './usage-error.js';
import { createTerminalLogger } from './terminal-logger.js';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export const USAGE = `image-budget ${VERSION} — keep container images small

Usage:
  image-budget check [--config PATH] [--json PATH] [--markdown PATH] [--base REF] [options]
  image-budget init  [--config PATH] [--headroom PERCENT] [--update] [--force] [options]

check   Build every image the budget file names, measure it and compare it with its budget.
init    Write a budget file for the Dockerfiles found here (each named stage), with budgets
        set from sizes measured now plus headroom; --update rewrites the max/warn values of an
        existing file the same way, keeping its comments and layout.

Options:
  --config PATH      budget file (default .github/image-budget.yml)
  --json PATH        write the JSON report (schemaVersion 1) there
  --markdown PATH    write the markdown report there
  --base REF         compare with git REF, built in a worktree the same way (budgets from REF)
  --baseline-report PATH   compare with a saved JSON report instead
  --baseline-image TEMPLATE  compare with images in a registry, e.g. ghcr.io/acme/{image}:main
  --builder NAME     buildx builder to use (default: the current one)
  --parallel N       builds at once (default 2)
  --no-analyze       skip the layer analysis (wasted bytes, efficiency, hints)
  --cache-dir PATH   layer scans and counted sizes (default ~/.cache/image-budget/layers)
  --headroom PCT     init: budget = measured size + PCT percent (default 20)

Build options for every image (check; as docker buildx build's, under the budget file's own;
the repeatable ones may be given several times):
  --build-arg K=V  --label K=V  --secret id=ID,src=FILE|env=VAR  --ssh default|ID=PATH
  --build-context NAME=PATH|docker-image://REF|oci-layout://PATH  --network default|none|host
  --add-host HOST:IP  --allow ENTITLEMENT  --shm-size SIZE  --ulimit NAME=SOFT[:HARD]
  --no-cache  --pull  --annotation [TYPE:]K=V  --provenance VALUE  --sbom VALUE
  --allow-outside-paths  let budget-file paths (contexts, Dockerfiles, secret files) leave the repository
  --verbose          print the full build logs
  --version, --help

Exit codes: 0 within budget · 1 over budget or a build failed · 2 config or usage error.`;

const OPTIONS = {
  config: { type: 'string', default: '.github/image-budget.yml' },
  json: { type: 'string' },
  markdown: { type: 'string' },
  builder: { type: 'string' },
  base: { type: 'string' },
  'baseline-report': { type: 'string' },
  'baseline-image': { type: 'string' },
  parallel: { type: 'string', default: '2' },
  'no-analyze': { type: 'boolean', default: false },
  'cache-dir': { type: 'string' },
  headroom: { type: 'string', default: '20' },
  update: { type: 'boolean', default: false },
  force: { type: 'boolean', default: false },
  verbose: { type: 'boolean', default: false },
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
  help: { type: 'boolean', default: false },
  version: { type: 'boolean', default: false },
} as const;

function positiveNumber(flag: string, raw: string, integer: boolean): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < (integer ? 1 : 0) || (integer && !Number.isInteger(value))) {
    throw new UsageError(`--${flag}: expected ${integer ? 'a whole number ≥ 1' : 'a number ≥ 0'}, got "${raw}"`);
  }
  return value;
}

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const usage =
      error instanceof UsageError || error instanceof ConfigError || error instanceof BuildxError || error instanceof BaseRefError;
    io.stderr.write(`image-budget: ${message}\n${error instanceof UsageError ? '\nRun `image-budget --help` for usage.\n' : ''}`);
    return usage ? EXIT.usage : EXIT.failed;
  }
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.version) {
    io.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  const command = positionals[0];
  if (values.help || command === undefined || command === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return values.help || command === 'help' ? EXIT.ok : EXIT.usage;
  }
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);

  const logger = createTerminalLogger({ verbose: values.verbose, stream: io.stderr });
  const parallel = positiveNumber('parallel', values.parallel, true);

  if (command === 'init') {
    return runInit(
      {
        configPath: path.resolve(io.cwd, values.config),
        workdir: io.cwd,
        headroomPercent: positiveNumber('headroom', values.headroom, false),
        update: values.update,
        force: values.force,
        builder: values.builder,
        parallel,
        env: io.env,
      },
      logger,
      io.stdout,
    );
  }
  if (command !== 'check') throw new UsageError(`unknown command "${command}" (expected check or init)`);

  const buildSettings = await buildSettingsFromFlags(values, io);
  const { report, outcome } = await runCheck(
    {
      configPath: values.config,
      workdir: io.cwd,
      builder: values.builder,
      parallel,
      env: io.env,
      baseline: baselineFromFlags(values, io.cwd),
      analyze: !values['no-analyze'],
      ...(values['cache-dir'] !== undefined ? { cacheDir: path.resolve(io.cwd, values['cache-dir']) } : {}),
      buildSettings,
      allowOutsidePaths: values['allow-outside-paths'],
    },
    logger,
  ).finally(() => buildSettings.remove());
  io.stdout.write(`\n${renderTerminalReport(report)}`);
  if (values.json) await writeOutput(path.resolve(io.cwd, values.json), `${JSON.stringify(report, null, 2)}\n`);
  if (values.markdown) await writeOutput(path.resolve(io.cwd, values.markdown), renderJobSummary(report, reportTextOptions(report)));
  return outcome.exitCode;
}

const FLAG_OF_SETTING: Record<string, string> = {
  'build-args': 'build-arg',
  labels: 'label',
  secret: 'secret',
  'secret-files': 'secret',
  'secret-envs': 'secret',
  'build-contexts': 'build-context',
};

type ParsedFlags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

async function buildSettingsFromFlags(values: ParsedFlags, io: CliIo): Promise<PreparedRunSettings> {
  try {
    const parsed = parseRunBuildSettings(
      {
        'build-args': values['build-arg'],
        labels: values.label,
        'secret-specs': values.secret,
        ssh: values.ssh,
        'build-contexts': values['build-context'],
        network: values.network,
        'add-hosts': values['add-host'],
        allow: values.allow,
        'shm-size': values['shm-size'],
        ulimit: values.ulimit,
        'no-cache': values['no-cache'],
        pull: values.pull,
        annotations: values.annotation,
        provenance: values.provenance,
        sbom: values.sbom,
      },
      io.cwd,
    );
    return await prepareRunSettings(parsed, { workdir: io.cwd, env: io.env });
  } catch (error) {
    if (error instanceof RunSettingError) throw new UsageError(`--${FLAG_OF_SETTING[error.setting] ?? error.setting}: ${error.message}`);
    throw error;
  }
}

function baselineFromFlags(
  values: { base?: string; 'baseline-report'?: string; 'baseline-image'?: string },
  cwd: string,
): CheckOptions['baseline'] {
  const chosen = [values.base, values['baseline-report'], values['baseline-image']].filter((v) => v !== undefined);
  if (chosen.length > 1) throw new UsageError('choose one of --base, --baseline-report and --baseline-image');
  if (values.base !== undefined) return { mode: 'build', baseRef: values.base };
  if (values['baseline-report'] !== undefined) return { mode: 'report', reportPath: path.resolve(cwd, values['baseline-report']) };
  if (values['baseline-image'] !== undefined) return { mode: 'registry', imageTemplate: values['baseline-image'] };
  return undefined;
}

async function writeOutput(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
}
