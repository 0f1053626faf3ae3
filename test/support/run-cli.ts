/** Runs the CLI as a user does (`npx image-budget` → bin → the committed bundle). */
import { spawn } from 'node:child_process';
import path from 'node:path';

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export const CLI_BIN = path.resolve('bin/image-budget.js');

export async function runCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd: options.cwd, env: options.env ?? process.env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exitCode = await new Promise<number>((resolve) =>
    child.on('close', (code) => {
      resolve(code ?? -1);
    }),
  );
  return { exitCode, stdout, stderr };
}
