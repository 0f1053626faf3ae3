/**
 * The only place image-budget starts a process. Everything docker/buildx goes through
 * `runCommand`, so tests, logging and "docker is missing" errors have one choke point.
 */
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

export async function runCommand(command: string, args: string[], options: RunOptions = {}): Promise<CommandResult> {
  const env = options.env ? { ...processEnv(), ...options.env } : undefined;
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
