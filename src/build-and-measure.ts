/**
 * build → measure for every job of a budget file, with bounded parallelism. Used for the
 * PR's head and, unchanged, for the baseline worktree, so both sides are built and measured
 * the same way. One failed build never stops the others.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import type { BudgetFile } from './config/types.js';
import { runBuild, type BuildResult } from './docker/build.js';
import type { Logger } from './logger.js';
import { measureOciLayout } from './measure/measure-layout.js';
import type { PlatformMeasure } from './measure/types.js';
import { planBuilds, type BuildJob, type PlanOptions } from './plan/plan-builds.js';

export interface JobMeasurement {
  job: BuildJob;
  build: BuildResult;
  /** Dockerfile path relative to the working directory, as reports show it. */
  dockerfilePath: string;
  platforms: PlatformMeasure[];
  /** Set when the build or the measurement failed. */
  error: string | null;
}

export interface BuildAndMeasureOptions extends PlanOptions {
  /** Paths in reports are shown relative to this directory. */
  workdir: string;
  parallel: number;
  logger: Logger;
  /** Prefix for log lines, e.g. "base" for the baseline build. */
  label?: string;
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export async function buildAndMeasure(file: BudgetFile, options: BuildAndMeasureOptions): Promise<JobMeasurement[]> {
  const { logger } = options;
  const jobs = planBuilds(file, options);
  const prefix = options.label ? `${options.label}: ` : '';
  for (const warning of new Set(jobs.flatMap((job) => job.warnings))) logger.warning(warning);

  const limit = pLimit(Math.max(1, options.parallel));
  let started = 0;
  return Promise.all(
    jobs.map((job) =>
      limit(async (): Promise<JobMeasurement> => {
        started += 1;
        const platforms = job.platforms.length > 0 ? job.platforms.join(', ') : 'default platform';
        logger.progress(`${prefix}[${started}/${jobs.length}] building ${job.id} (${platforms})`);
        const build = await runBuild(job);
        const dockerfilePath = path.relative(options.workdir, job.image.dockerfile) || job.image.dockerfile;
        logger.group(`${prefix}docker ${job.argv.slice(0, 2).join(' ')} ${job.id} — ${build.ok ? 'done' : 'FAILED'} in ${formatSeconds(build.durationMs)}`, `$ docker ${job.argv.join(' ')}\n${build.log}`);
        if (!build.ok) {
          logger.error(`${prefix}build of ${job.id} failed:\n${build.error ?? ''}`, { file: dockerfilePath, title: `image-budget: build of ${job.id} failed` });
          return { job, build, dockerfilePath, platforms: [], error: `build failed: ${build.error ?? 'unknown error'}` };
        }
        try {
          const text = await readFile(job.image.dockerfile, 'utf8');
          const measured = await measureOciLayout(job.layoutDir, {
            dockerfile: { path: dockerfilePath, text },
            target: job.target,
          });
          logger.progress(`${prefix}measured ${job.id}: ${measured.length} platform(s), built in ${formatSeconds(build.durationMs)}, ${build.cachedSteps} step(s) cached`);
          return { job, build, dockerfilePath, platforms: measured, error: null };
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          logger.error(`${prefix}measuring ${job.id} failed: ${message}`);
          return { job, build, dockerfilePath, platforms: [], error: `measurement failed: ${message}` };
        }
      }),
    ),
  );
}
