/**
 * The action's inputs, read once into one typed object. Names live in INPUT; errors name the
 * input and the bad value. Nothing here runs at import time.
 */
import * as core from '@actions/core';
import path from 'node:path';
import { BASELINE_MODES, type BaselineMode } from '../sources/base-source.js';
import { defaultLayerCacheDir } from '../analysis/layer-cache.js';
import {
  inputLines,
  parseRunBuildSettings,
  RunSettingError,
  type ParsedRunBuildSettings,
  type RawRunBuildSettings,
} from '../config/run-build-settings.js';
import { COMMENT_MODES, type CommentMode } from '../publish/comment-policy.js';
import { imageFromInputs } from '../sources/given-image/action-inputs.js';

export const INPUT = {
  config: 'config',
  workingDirectory: 'working-directory',
  builder: 'builder',
  parallel: 'parallel',
  cacheFrom: 'cache-from',
  cacheTo: 'cache-to',
  reportPath: 'report-path',
  summary: 'summary',
  mode: 'mode',
  baseline: 'baseline',
  baselineReport: 'baseline-report',
  baselineImage: 'baseline-image',
  githubToken: 'github-token',
  comment: 'comment',
  commentKey: 'comment-key',
  commentAuthor: 'comment-author',
  overrideLabel: 'override-label',
  reports: 'reports',
  allowPrivilegedBuild: 'allow-privileged-build',
  /** The older name of `allow-privileged-build`, still honoured. */
  allowPullRequestTarget: 'allow-pull-request-target',
  analyze: 'analyze',
  cacheDir: 'cache-dir',
  buildArgs: 'build-args',
  labels: 'labels',
  secrets: 'secrets',
  secretFiles: 'secret-files',
  secretEnvs: 'secret-envs',
  ssh: 'ssh',
  buildContexts: 'build-contexts',
  network: 'network',
  addHosts: 'add-hosts',
  allow: 'allow',
  shmSize: 'shm-size',
  ulimit: 'ulimit',
  noCache: 'no-cache',
  pull: 'pull',
  annotations: 'annotations',
  provenance: 'provenance',
  sbom: 'sbom',
  allowOutsidePaths: 'allow-outside-paths',
  image: 'image',
  digest: 'digest',
  metadata: 'metadata',
  registryToken: 'registry-token',
} as const;

/** `check` builds and measures; `comment` posts a saved report (workflow_run); `aggregate` merges matrix jobs' reports. */
export const MODES = ['check', 'comment', 'aggregate'] as const;
export type Mode = (typeof MODES)[number];

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
  mode: Mode;
  baseline: BaselineMode;
  baselineReport?: string;
  baselineImage?: string;
  githubToken: string;
  comment: CommentMode;
  commentKey: string;
  /** Login whose comments are ours (e.g. `my-app[bot]`); detected from the token when unset. */
  commentAuthor?: string;
  overrideLabel: string;
  /** Report files for `comment` and `aggregate`: paths or globs, one per line. */
  reports: string[];
  /** Build under `pull_request_target` / `workflow_run` (either input name set to true). */
  allowPrivilegedBuild: boolean;
  /** Layer analysis on/off (runCheck's `analyze`). */
  analyze: boolean;
  /** Layer cache directory, absolute (runCheck's `cacheDir`). */
  cacheDir: string;
  /** build-push-action's build inputs, for every image; `secretValues` still to be written to files. */
  buildSettings: ParsedRunBuildSettings;
  /** Budget-file paths may resolve outside the working directory. */
  allowOutsidePaths: boolean;
  /** What `image`/`digest`/`metadata` name (build-push-action's outputs): the `image: from-input` entry's image. */
  givenImage: string | null;
  /** `registry-token`: a registry login for registries the docker config has none for. */
  registryToken?: string;
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

function parseChoice<T extends string>(name: string, raw: string, choices: readonly T[], fallback: T): T {
  if (raw === '') return fallback;
  if ((choices as readonly string[]).includes(raw)) return raw as T;
  throw new InputError(name, `expected one of ${choices.join(', ')}, got "${raw}"`);
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

function commentKey(raw: string): string {
  if (raw === '') return 'default';
  if (!/^[\w.:/-]{1,100}$/.test(raw))
    throw new InputError(INPUT.commentKey, `expected letters, digits and . _ : / - (at most 100), got "${raw}"`);
  return raw;
}

/** A GitHub login (letters, digits, single hyphens, ≤ 39), optionally a bot's `[bot]` suffix. */
function commentAuthor(raw: string): string | undefined {
  if (raw === '') return undefined;
  if (!/^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}(\[bot\])?$/.test(raw)) {
    throw new InputError(INPUT.commentAuthor, `expected a GitHub login such as my-app[bot] or octocat, got "${raw}"`);
  }
  return raw;
}

/** build-push-action's inputs of the same names; a bad one is an InputError naming it (never a secret's value). */
function buildSettings(read: ReadInput, workdir: string): ParsedRunBuildSettings {
  const lines = (name: string, commas = false) => inputLines(read(name), { commas });
  const text = (name: string) => read(name) || undefined;
  const raw: RawRunBuildSettings = {
    'build-args': lines(INPUT.buildArgs),
    labels: lines(INPUT.labels),
    secrets: lines(INPUT.secrets),
    'secret-files': lines(INPUT.secretFiles),
    'secret-envs': lines(INPUT.secretEnvs),
    ssh: lines(INPUT.ssh),
    'build-contexts': lines(INPUT.buildContexts),
    network: text(INPUT.network),
    'add-hosts': lines(INPUT.addHosts, true),
    allow: lines(INPUT.allow, true),
    'shm-size': text(INPUT.shmSize),
    ulimit: lines(INPUT.ulimit),
    'no-cache': parseBoolean(INPUT.noCache, read(INPUT.noCache), false),
    pull: parseBoolean(INPUT.pull, read(INPUT.pull), false),
    annotations: lines(INPUT.annotations),
    provenance: text(INPUT.provenance),
    sbom: text(INPUT.sbom),
  };
  try {
    return parseRunBuildSettings(raw, workdir);
  } catch (error) {
    if (error instanceof RunSettingError) throw new InputError(error.setting, error.message);
    throw error;
  }
}

/** build-push-action's outputs to one reference; an error names the input it is about. */
function givenImage(read: ReadInput): string | null {
  try {
    return imageFromInputs({ image: read(INPUT.image), digest: read(INPUT.digest), metadata: read(INPUT.metadata) });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const [, input = INPUT.image, rest = message] = /^input `([\w-]+)`: (.*)$/s.exec(message) ?? [];
    throw new InputError(input, rest);
  }
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
    mode: parseChoice(INPUT.mode, read(INPUT.mode), MODES, 'check'),
    baseline: parseChoice(INPUT.baseline, read(INPUT.baseline), BASELINE_MODES, 'build'),
    baselineReport: read(INPUT.baselineReport) ? path.resolve(workdir, read(INPUT.baselineReport)) : undefined,
    baselineImage: read(INPUT.baselineImage) || undefined,
    githubToken: read(INPUT.githubToken),
    comment: parseChoice(INPUT.comment, read(INPUT.comment), COMMENT_MODES, 'always'),
    commentKey: commentKey(read(INPUT.commentKey)),
    commentAuthor: commentAuthor(read(INPUT.commentAuthor)),
    overrideLabel: read(INPUT.overrideLabel) || 'image-budget:accept',
    reports: parseLines(read(INPUT.reports)),
    allowPrivilegedBuild: [INPUT.allowPrivilegedBuild, INPUT.allowPullRequestTarget]
      .map((name) => parseBoolean(name, read(name), false))
      .includes(true),
    analyze: parseBoolean(INPUT.analyze, read(INPUT.analyze), true),
    cacheDir: read(INPUT.cacheDir) ? path.resolve(workdir, read(INPUT.cacheDir)) : defaultLayerCacheDir(env),
    buildSettings: buildSettings(read, workdir),
    allowOutsidePaths: parseBoolean(INPUT.allowOutsidePaths, read(INPUT.allowOutsidePaths), false),
    givenImage: givenImage(read),
    registryToken: read(INPUT.registryToken) || undefined,
  };
}

export function getInputs(env: NodeJS.ProcessEnv = process.env): ActionInputs {
  // Masked before anything could print it.
  const token = core.getInput(INPUT.registryToken).trim();
  if (token) core.setSecret(token);
  return parseInputs((name) => core.getInput(name).trim(), env);
}
