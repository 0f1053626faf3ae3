/**
 * Several planned builds through one `docker buildx bake`: buildx starts once and BuildKit gets
 * every build in one session, where one `docker buildx build` per build pays buildx's start, a
 * session and the context transfers each time. Each build bake delivers comes back as the
 * per-build path's BuildResult (its own log, its cached steps, its metadata file, its OCI layout
 * where the build would have written it). A build bake did not deliver is absent from the
 * result: the caller builds it on its own. buildx writes no metadata file when any target fails,
 * so after a failed bake every build is done again on its own (the cached ones cost little),
 * and a failure is reported for its own image only.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bakeArgv, planBake } from '../plan/plan-bake.js';
import type { BuildJob } from '../plan/plan-builds.js';
import { secretRedactor } from '../secrets/redact.js';
import { BakeLogSplitter } from './bake-log.js';
import { cacheExportErrors, countCachedSteps, prepareLayout, summarizeBuildFailure, type BuildResult } from './build.js';
import { DOCKER_BUILDX, type BuildxLauncher } from './buildx-launcher.js';
import { runCommand } from './exec.js';

export interface BakeBatchOptions {
  builder?: string;
  launcher?: BuildxLauncher;
  /** Scratch directory: the definition and metadata files go in a directory of their own below it, removed after. */
  workDir: string;
  /** Each output line, as the build's own `docker buildx build` would print it; `job` null for bake's own lines. */
  onLine?: (job: BuildJob | null, line: string) => void;
  /** A build's layout is written (bake may still be running the others). */
  onExported?: (job: BuildJob) => void;
}

export interface BakeBatch {
  /** The builds bake delivered, by job id. */
  builds: Map<string, BuildResult>;
  /** Why bake failed (the end of its output); null when it succeeded. */
  error: string | null;
  /** The command that ran, after `docker`, for logs. */
  argv: string[];
}

async function readMetadata(file: string): Promise<Record<string, unknown> | null> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export async function bakeBuilds(jobs: readonly BuildJob[], options: BakeBatchOptions): Promise<BakeBatch> {
  const plan = planBake(jobs);
  await Promise.all(jobs.map(prepareLayout));
  const dir = await mkdtemp(path.join(options.workDir, '.bake-'));
  try {
    const files = { definition: path.join(dir, 'bake.json'), metadata: path.join(dir, 'metadata.json') };
    await writeFile(files.definition, JSON.stringify(plan.definition, null, 2));
    const argv = bakeArgv(plan, files, options.builder);
    const jobOf = new Map(plan.names.map((name, index) => [name, jobs[index]]));
    const logs = new Map<string, string[]>(plan.names.map((name) => [name, []]));
    const shared: string[] = [];
    const splitter = new BakeLogSplitter(new Set(plan.names));
    // Secret values never reach the log, streamed or kept.
    const redact = await secretRedactor(jobs.flatMap((job) => job.options.secrets));
    const launcher = options.launcher ?? DOCKER_BUILDX;
    const started = Date.now();
    const result = await runCommand(launcher.command, launcher.args(argv), {
      // The definition is image-budget's own, its paths the ones the argv would give: bake's
      // check of files outside its directory (`--allow=fs.read=…`) guards against other files.
      env: Object.assign({ BUILDX_BAKE_ENTITLEMENTS_FS: '0' }, ...jobs.map((job) => job.env)) as Record<string, string>,
      onLine: (raw) => {
        const { target, line, exported } = splitter.read(redact(raw));
        const job = target === null ? undefined : jobOf.get(target);
        (target === null ? shared : (logs.get(target) ?? shared)).push(line);
        options.onLine?.(job ?? null, line);
        if (job && exported) options.onExported?.(job);
      },
    });
    const durationMs = Date.now() - started;
    const builds = new Map<string, BuildResult>();
    const metadata = result.exitCode === 0 ? await readMetadata(files.metadata) : null;
    for (const [index, name] of plan.names.entries()) {
      const job = jobs[index];
      const entry = metadata?.[name];
      if (!job || typeof entry !== 'object' || entry === null) continue;
      await writeFile(job.metadataFile, JSON.stringify(entry));
      const log = (logs.get(name) ?? []).join('\n');
      builds.set(job.id, {
        job,
        ok: true,
        durationMs,
        log,
        error: null,
        cachedSteps: countCachedSteps(log),
        cacheExportErrors: cacheExportErrors(log),
        bake: { argv, target: name },
      });
    }
    const error = result.exitCode === 0 ? null : summarizeBuildFailure(shared.join('\n') || redact(result.stderr));
    return { builds, error, argv };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
