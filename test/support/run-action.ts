/**
 * Runs a bundled action entry point exactly as the Actions runner does: a separate node
 * process, inputs as INPUT_* variables, GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files and a real
 * event payload at GITHUB_EVENT_PATH.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface ActionRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** RUNNER_TEMP of the run (outputs, summary, event, default report): remove it when done. */
  runnerDir: string;
}

/** Parses the `name<<DELIMITER ... DELIMITER` blocks @actions/core writes to GITHUB_OUTPUT. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i] ?? '');
    if (heredoc) {
      const [, name = '', delimiter] = heredoc;
      const value: string[] = [];
      for (i += 1; i < lines.length && lines[i] !== delimiter; i += 1) value.push(lines[i] ?? '');
      outputs[name] = value.join('\n');
    } else {
      const simple = /^([^=]+)=(.*)$/.exec(lines[i] ?? '');
      if (simple) outputs[simple[1] ?? ''] = simple[2] ?? '';
    }
  }
  return outputs;
}

const DOCKER_VARIABLES = ['DOCKER_CONFIG', 'DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_CERT_PATH', 'DOCKER_TLS_VERIFY', 'BUILDX_BUILDER'];

function dockerEnvironment(): Record<string, string> {
  return Object.fromEntries(DOCKER_VARIABLES.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])));
}

export async function runActionProcess(options: {
  entry: string;
  workspace: string;
  inputs: Record<string, string>;
  eventName: string;
  event: unknown;
  env?: Record<string, string>;
}): Promise<ActionRun> {
  const runnerDir = await mkdtemp(path.join(os.tmpdir(), 'ib-runner-'));
  const outputFile = path.join(runnerDir, 'output');
  const summaryFile = path.join(runnerDir, 'summary');
  const eventFile = path.join(runnerDir, 'event.json');
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  await writeFile(eventFile, JSON.stringify(options.event));

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? runnerDir,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_EVENT_NAME: options.eventName,
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    RUNNER_TEMP: runnerDir,
    // The engine and builder this test run is on reach the action as a runner's would.
    ...dockerEnvironment(),
    ...options.env,
  };
  for (const [name, value] of Object.entries(options.inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;

  const child = spawn(process.execPath, [options.entry], { cwd: options.workspace, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exitCode = await new Promise<number>((resolve) =>
    child.on('close', (code) => {
      resolve(code ?? -1);
    }),
  );
  return {
    exitCode,
    stdout,
    stderr,
    outputs: parseOutputFile(await readFile(outputFile, 'utf8')),
    summary: await readFile(summaryFile, 'utf8'),
    runnerDir,
  };
}
