/** Runs one planned build and reports what happened; never throws for a failed build. */
import { mkdir, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import type { BuildJob } from '../plan/plan-builds.js';
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
}

/** The interesting part of a failed BuildKit log: the ERROR lines and what precedes them. */
export function summarizeBuildFailure(log: string): string {
  const lines = log.trimEnd().split('\n');
  const errorAt = lines.findIndex((line) => /^ERROR:|^error:|failed to solve/i.test(line));
  if (errorAt >= 0) return lines.slice(Math.max(0, errorAt - 8), errorAt + 6).join('\n');
  return tailLines(log, 14);
}

export function countCachedSteps(log: string): number {
  return log.split('\n').filter((line) => /^#\d+ CACHED$/.test(line.trim())).length;
}

export async function runBuild(job: BuildJob, onLine?: (line: string) => void): Promise<BuildResult> {
  // A stale layout from an earlier run would be merged with the new one: start clean.
  await rm(job.layoutDir, { recursive: true, force: true });
  await mkdir(job.layoutDir, { recursive: true });
  if (job.blobStore) {
    await mkdir(job.blobStore, { recursive: true });
    await symlink(job.blobStore, path.join(job.layoutDir, 'blobs'), 'dir');
  }
  const started = Date.now();
  const lines: string[] = [];
  const result = await runCommand('docker', job.argv, {
    onLine: (line) => {
      lines.push(line);
      onLine?.(line);
    },
  });
  const log = lines.join('\n');
  const ok = result.exitCode === 0;
  return {
    job,
    ok,
    durationMs: Date.now() - started,
    log,
    error: ok ? null : summarizeBuildFailure(log || result.stderr),
    cachedSteps: countCachedSteps(log),
  };
}
