/**
 * The only place image-budget starts a process. Everything docker/buildx goes through
 * `runCommand`, so tests, logging and "docker is missing" errors have one choke point.
 */
import { spawnSync } from 'node:child_process';
import { getExecOutput } from '@actions/exec';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Called with each output line (stdout and stderr) as it arrives: build progress. */
  onLine?: (line: string) => void;
  /** Written to the command's stdin. */
  input?: string;
}

export class CommandNotFoundError extends Error {
  constructor(readonly command: string) {
    super(`\`${command}\` was not found on PATH`);
    this.name = 'CommandNotFoundError';
  }
}

/** Linux's MAX_ARG_STRLEN: no single argument or `NAME=value` may be longer (terminator included). */
export const MAX_ARG_STRLEN = 128 * 1024;

/** Room kept under ARG_MAX for what the kernel adds (program path, auxv, alignment). */
const ARG_MAX_RESERVE = 8 * 1024;

let argMax: number | undefined;

/** The system's ARG_MAX (`getconf ARG_MAX`), read once; 2 MiB, Linux's usual value, when unknown. */
export function systemArgMax(): number {
  if (argMax === undefined) {
    const result = spawnSync('getconf', ['ARG_MAX'], { encoding: 'utf8', timeout: 5000 });
    // No getconf on PATH (or it timed out): spawnSync then reports an error and no output.
    const value = result.error === undefined ? Number(result.stdout.trim()) : Number.NaN;
    argMax = Number.isSafeInteger(value) && value > 0 ? value : 2 * 1024 * 1024;
  }
  return argMax;
}

/** Bytes a string takes on the new process's stack: UTF-8, its terminator and its pointer. */
export function execBytes(text: string): number {
  return Buffer.byteLength(text, 'utf8') + 1 + 8;
}

/** The command line and environment are too big to start the process (spawn would fail with E2BIG). */
export class ArgumentListTooLongError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArgumentListTooLongError';
  }
}

function short(text: string): string {
  return text.length > 40 ? `${JSON.stringify(text.slice(0, 40))}…` : JSON.stringify(text);
}

/** Throws ArgumentListTooLongError when `command args` with `env` would exceed the system limits. */
export function checkArgumentLimits(command: string, args: readonly string[], env: Record<string, string | undefined>): void {
  let total = execBytes(command);
  for (const arg of args) {
    if (Buffer.byteLength(arg, 'utf8') + 1 > MAX_ARG_STRLEN) {
      throw new ArgumentListTooLongError(
        `\`${command}\` argument ${short(arg)} is ${String(Buffer.byteLength(arg, 'utf8'))} bytes, over the system's ${String(MAX_ARG_STRLEN)}-byte limit for one argument`,
      );
    }
    total += execBytes(arg);
  }
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    const entry = `${name}=${value}`;
    if (Buffer.byteLength(entry, 'utf8') + 1 > MAX_ARG_STRLEN) {
      throw new ArgumentListTooLongError(
        `environment variable ${short(name)} is ${String(Buffer.byteLength(entry, 'utf8'))} bytes, over the system's ${String(MAX_ARG_STRLEN)}-byte limit for one variable`,
      );
    }
    total += execBytes(entry);
  }
  const limit = systemArgMax() - ARG_MAX_RESERVE;
  if (total > limit) {
    throw new ArgumentListTooLongError(
      `\`${command}\` with its arguments and environment takes ${String(total)} bytes, over the system's limit of ${String(limit)} (ARG_MAX)`,
    );
  }
}

export async function runCommand(command: string, args: string[], options: RunOptions = {}): Promise<CommandResult> {
  const env = options.env ? { ...processEnv(), ...options.env } : undefined;
  // Checked here so an oversized command is an error naming the argument, not a `spawn E2BIG` crash.
  checkArgumentLimits(command, args, env ?? process.env);
  try {
    return await getExecOutput(command, args, {
      cwd: options.cwd,
      env,
      silent: true,
      ignoreReturnCode: true,
      ...(options.input !== undefined ? { input: Buffer.from(options.input) } : {}),
      listeners: options.onLine ? { stdline: options.onLine, errline: options.onLine } : undefined,
    });
  } catch (error) {
    // @actions/exec throws before spawning when the executable is not on PATH.
    if (error instanceof Error && /Unable to locate executable file/.test(error.message)) {
      throw new CommandNotFoundError(command);
    }
    throw error;
  }
}

function processEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  return env;
}

/** Last lines of a failed command's output: enough to explain, short enough to read. */
export function tailLines(text: string, count = 20): string {
  const lines = text.trimEnd().split('\n');
  return lines.slice(-count).join('\n');
}
