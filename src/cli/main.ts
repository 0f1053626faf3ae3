/**
 * `image-budget check|init`: the same pipeline as the action, for a terminal.
 * Exit codes: 0 within budget, 1 over budget or a build failed, 2 config or usage error.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BaseRefError } from '../baseline/locate-base.js';
import { ConfigError } from '../config/config-error.js';
import { FROM_INPUT, givenImageProblem } from '../config/image-reference.js';
import { BuildxError } from '../docker/buildx-info.js';
import { renderJobSummary } from '../report/job-summary.js';
import { reportTextOptions } from '../report/report-head.js';
import { renderTerminalReport } from '../report/terminal.js';
import { runCheck, type CheckOptions } from '../run.js';
import { VERSION } from '../version.js';
import { parseCli, USAGE } from './args.js';
import { runInit } from './init.js';
import { prepareRunSettings, type PreparedRunSettings } from '../config/prepare-run-settings.js';
import { parseRunBuildSettings, RunSettingError } from '../config/run-build-settings.js';
import { UsageError } from './usage-error.js';
import { createTerminalLogger, useColor } from './terminal-logger.js';

export { USAGE };

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** `--json -`, `--markdown -`: the report goes to stdout. */
const STDOUT = '-';

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
    const help = error instanceof UsageError ? `\nRun \`image-budget ${commandOf(argv)}--help\` for usage.\n` : '';
    io.stderr.write(`image-budget: ${message}\n${help}`);
    return usage ? EXIT.usage : EXIT.failed;
  }
}

/** `check ` when argv names a command, for the help hint of an error. */
function commandOf(argv: string[]): string {
  const command = argv.find((a) => !a.startsWith('-'));
  return command === 'check' || command === 'init' ? `${command} ` : '';
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCli(argv);
  if (parsed.kind === 'version') {
    io.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  if (parsed.kind === 'help') {
    (parsed.exitCode === 0 ? io.stdout : io.stderr).write(`${parsed.text}\n`);
    return parsed.exitCode;
  }
  const { values } = parsed;
  const color = useColor(io.stderr, io.env);
  const logger = createTerminalLogger({ verbose: values.verbose, stream: io.stderr, color });
  const parallel = positiveNumber('parallel', values.parallel, true);

  if (parsed.kind === 'init') {
    const init = parsed.values;
    const headroomPercent = positiveNumber('headroom', init.headroom, false);
    const buildSettings = await buildSettingsFromFlags(init, io);
    return runInit(
      {
        configPath: path.resolve(io.cwd, init.config),
        workdir: io.cwd,
        headroomPercent,
        update: init.update,
        force: init.force,
        builder: init.builder,
        parallel,
        env: io.env,
        buildSettings,
        allowOutsidePaths: init['allow-outside-paths'],
      },
      logger,
      io.stdout,
    ).finally(() => buildSettings.remove());
  }

  const check = parsed.values;
  if (check.json === STDOUT && check.markdown === STDOUT)
    throw new UsageError('--json - and --markdown - both want stdout: give one of them a file');
  // With a report on stdout, the table joins the progress on stderr.
  const reportOnStdout = check.json === STDOUT || check.markdown === STDOUT;
  const table = reportOnStdout ? io.stderr : io.stdout;
  // Every flag is read before the secret files are written: a usage error leaves none behind.
  const baseline = baselineFromFlags(check, io.cwd);
  const givenImage = givenImageFromFlag(check.image);
  const buildSettings = await buildSettingsFromFlags(check, io);
  const { report, outcome } = await runCheck(
    {
      configPath: check.config,
      workdir: io.cwd,
      builder: check.builder,
      parallel,
      env: io.env,
      baseline,
      analyze: !check['no-analyze'],
      ...(check['cache-dir'] !== undefined ? { cacheDir: path.resolve(io.cwd, check['cache-dir']) } : {}),
      buildSettings,
      allowOutsidePaths: check['allow-outside-paths'],
      givenImage,
      // Empty, as an unset `$TOKEN` gives, is no token: the action's input reads the same.
      registryToken: check['registry-token'] || null,
    },
    logger,
  ).finally(() => buildSettings.remove());
  table.write(`\n${renderTerminalReport(report, { color: reportOnStdout ? color : useColor(io.stdout, io.env) })}`);
  if (check.json) await writeOutput(io, check.json, `${JSON.stringify(report, null, 2)}\n`);
  if (check.markdown) await writeOutput(io, check.markdown, renderJobSummary(report, reportTextOptions(report)));
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

/** The build flags both commands take (BUILD_OPTIONS in args.ts). */
type BuildFlags = Extract<ReturnType<typeof parseCli>, { kind: 'check' | 'init' }>['values'];

async function buildSettingsFromFlags(values: BuildFlags, io: CliIo): Promise<PreparedRunSettings> {
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

/** `--image`: what the `image: from-input` entry measures, checked as the budget file's `image:` is. */
function givenImageFromFlag(value: string | undefined): string | null {
  if (value === undefined) return null;
  const image = value.trim();
  if (image === '') throw new UsageError('--image: empty; give a registry reference, docker-daemon://NAME:TAG or oci-layout://PATH');
  if (image === FROM_INPUT) throw new UsageError(`--image: ${FROM_INPUT} is what the budget file says; give the image it stands for`);
  const problem = givenImageProblem(image);
  if (problem !== null) throw new UsageError(`--image: ${problem}`);
  return image;
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

async function writeOutput(io: CliIo, target: string, text: string): Promise<void> {
  if (target === STDOUT) {
    io.stdout.write(text);
    return;
  }
  const file = path.resolve(io.cwd, target);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
}
