/** Runs one planned build and reports what happened; never throws for a failed build. */
import { mkdir, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import type { BuildJob } from '../plan/plan-builds.js';
import { DOCKER_BUILDX, type BuildxLauncher } from './buildx-launcher.js';
import { secretRedactor } from '../secrets/redact.js';
import { runCommand, tailLines } from './exec.js';

export interface BuildResult {
  job: BuildJob;
  ok: boolean;
  durationMs: number;
  /** Full build output (progress=plain), for the log group. */
  log: string;
  /** Why the build failed: the last lines of its output. */
  error: string | null;
  /** Steps BuildKit answered from cache, counted from `#N CACHED` lines. */
  cachedSteps: number;
  /** Why a cache export failed in a build that still succeeded (`ignore-error=true`), one per export. */
  cacheExportErrors?: string[];
  /** Built as a target of one bake for several builds (not by the job's own argv): the bake's argv after `docker`, and the target. */
  bake?: { argv: string[]; target: string };
}

const ERROR_LINE = /^(?:#\d+ )?ERROR:|^error:|failed to solve/i;

/**
 * The interesting part of a failed BuildKit log: from a few lines before the first ERROR line
 * (the failing step's `#N ERROR:`, after its last output) to the last one (buildx's
 * `ERROR: failed to solve: …`), which BuildKit keeps a dozen lines apart.
 */
export function summarizeBuildFailure(log: string): string {
  const lines = log.trimEnd().split('\n');
  const first = lines.findIndex((line) => ERROR_LINE.test(line));
  if (first < 0) return tailLines(log, 14);
  const last = lines.findLastIndex((line) => ERROR_LINE.test(line));
  return lines.slice(Math.max(0, first - 8), Math.min(last + 6, first + 40)).join('\n');
}

export function countCachedSteps(log: string): number {
  return log.split('\n').filter((line) => /^#\d+ CACHED$/.test(line.trim())).length;
}

/**
 * The errors of cache exports in a build log (progress=plain): the `#N ERROR: …` line of a step
 * named `#N exporting to <cache>` / `#N exporting cache to <cache>`. With `ignore-error=true` the
 * build succeeds anyway and buildx says nothing else: the cache is simply not saved.
 */
export function cacheExportErrors(log: string): string[] {
  const exportSteps = new Map<string, string>();
  const errors: string[] = [];
  for (const line of log.split('\n')) {
    const step = /^#(\d+) (exporting (?:cache to .+|to GitHub Actions Cache))$/.exec(line.trim());
    const [, stepNumber, exporting] = step ?? [];
    if (stepNumber !== undefined && exporting !== undefined) {
      exportSteps.set(stepNumber, exporting);
      continue;
    }
    const [, errorStep, message] = /^#(\d+) ERROR: (.+)$/.exec(line.trim()) ?? [];
    const failedExport = errorStep === undefined ? undefined : exportSteps.get(errorStep);
    if (failedExport !== undefined && message !== undefined) errors.push(`${failedExport}: ${message}`);
  }
  return errors;
}

/** An empty layout directory for the build to write, its `blobs/` linked to the run's blob store. */
export async function prepareLayout(job: BuildJob): Promise<void> {
  // A stale layout from an earlier run would be merged with the new one: start clean.
  await rm(job.layoutDir, { recursive: true, force: true });
  await mkdir(job.layoutDir, { recursive: true });
  if (job.blobStore) {
    await mkdir(job.blobStore, { recursive: true });
    await symlink(job.blobStore, path.join(job.layoutDir, 'blobs'), 'dir');
  }
}

export async function runBuild(
  job: BuildJob,
  launcher: BuildxLauncher = DOCKER_BUILDX,
  options: { onLine?: (line: string) => void } = {},
): Promise<BuildResult> {
  await prepareLayout(job);
  const started = Date.now();
  const lines: string[] = [];
  const redact = await secretRedactor(job.options.secrets);
  const result = await runCommand(launcher.command, launcher.args(job.argv), {
    env: job.env,
    // Secret values never reach the log, streamed or kept.
    onLine: (line) => {
      const safe = redact(line);
      lines.push(safe);
      options.onLine?.(safe);
    },
  });
  const log = lines.join('\n');
  const ok = result.exitCode === 0;
  return {
    job,
    ok,
    durationMs: Date.now() - started,
    log,
    error: ok ? null : summarizeBuildFailure(log || redact(result.stderr)),
    cachedSteps: countCachedSteps(log),
    cacheExportErrors: ok ? cacheExportErrors(log) : [],
  };
}
