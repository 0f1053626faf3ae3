/**
 * The action's inputs, read once into one typed object. Names live in INPUT; errors name the
 * input and the bad value. Nothing here runs at import time.
 */
import * as core from '@actions/core';
import path from 'node:path';

export const INPUT = {
  config: 'config',
  workingDirectory: 'working-directory',
  builder: 'builder',
  parallel: 'parallel',
  cacheFrom: 'cache-from',
  cacheTo: 'cache-to',
  reportPath: 'report-path',
  summary: 'summary',
} as const;

export const DEFAULT_CONFIG = '.github/image-budget.yml';

export interface ActionInputs {
  config: string;
  workdir: string;
  builder?: string;
  parallel: number;
  cacheFrom: string[];
  cacheTo: string[];
  reportPath: string;
  summary: boolean;
}

export class InputError extends Error {
  constructor(input: string, message: string) {
    super(`input \`${input}\`: ${message}`);
    this.name = 'InputError';
  }
}

type ReadInput = (name: string) => string;

function parseBoolean(name: string, raw: string, fallback: boolean): boolean {
  if (raw === '') return fallback;
  if (/^(true|yes|on)$/i.test(raw)) return true;
  if (/^(false|no|off)$/i.test(raw)) return false;
  throw new InputError(name, `expected true or false, got "${raw}"`);
}

function parsePositiveInt(name: string, raw: string, fallback: number): number {
  if (raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new InputError(name, `expected a whole number ≥ 1, got "${raw}"`);
  return Number(raw);
}

/** One spec per line: cache specs contain commas, so lines are the only safe separator. */
function parseLines(raw: string): string[] {
  return raw
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'));
}

/** Pure: takes the raw input reader and the environment, so tests need no process state. */
export function parseInputs(read: ReadInput, env: NodeJS.ProcessEnv): ActionInputs {
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const workdir = path.resolve(workspace, read(INPUT.workingDirectory) || '.');
  const runnerTemp = env.RUNNER_TEMP || path.join(workdir, '.image-budget');
  const builder = read(INPUT.builder);
  return {
    config: read(INPUT.config) || DEFAULT_CONFIG,
    workdir,
    builder: builder || undefined,
    parallel: parsePositiveInt(INPUT.parallel, read(INPUT.parallel), 2),
    cacheFrom: parseLines(read(INPUT.cacheFrom)),
    cacheTo: parseLines(read(INPUT.cacheTo)),
    reportPath: path.resolve(workdir, read(INPUT.reportPath) || path.join(runnerTemp, 'image-budget', 'report.json')),
    summary: parseBoolean(INPUT.summary, read(INPUT.summary), true),
  };
}

export function getInputs(env: NodeJS.ProcessEnv = process.env): ActionInputs {
  return parseInputs((name) => core.getInput(name).trim(), env);
}
