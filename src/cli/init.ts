/**
 * `image-budget init`: find the Dockerfiles, build and measure each named stage, and write a
 * budget file with budgets = measured size + headroom. `--update` re-measures the images of an
 * existing file and moves its max/warn values, keeping comments and layout.
 */
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildAndMeasure, type JobMeasurement } from '../sources/build-and-measure.js';
import { findDockerfiles, listStages, renderBudgetFile, updateBudgets } from '../config/init.js';
import { NO_BUILD_OPTIONS } from '../config/build-options.js';
import { loadBudgetFile } from '../config/load-budget-file.js';
import { formatSize } from '../config/size.js';
import type { BudgetFile, ImageConfig } from '../config/types.js';
import type { RunBuildSettings } from '../plan/plan-builds.js';
import { prepareBuilder } from '../docker/prepare-builder.js';
import type { Logger } from '../logger.js';
import { hasGhaCacheCredentials } from '../run.js';
import { UsageError } from './usage-error.js';

export interface InitOptions {
  configPath: string;
  workdir: string;
  headroomPercent: number;
  update: boolean;
  force: boolean;
  builder?: string;
  parallel: number;
  env: NodeJS.ProcessEnv;
  /** The build flags, under each image's own (as check applies them). */
  buildSettings?: RunBuildSettings;
  /** Budget-file paths of `--update`'s file may leave `workdir`. */
  allowOutsidePaths?: boolean;
}

type Sizes = Map<string | null, { compressedBytes: number; uncompressedBytes: number }>;

/** `services/api/Dockerfile` → `api`; `Dockerfile.worker` → `<dir>-worker`. */
export function imageNameFor(dockerfile: string, workdir: string): string {
  const dir = path.basename(path.dirname(dockerfile)) || path.basename(workdir);
  const base = path.basename(dockerfile);
  const suffix = base === 'Dockerfile' ? '' : base.replace(/^Dockerfile\.|\.Dockerfile$/g, '');
  const name = `${dir}${suffix ? `-${suffix}` : ''}`
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '');
  return name || 'image';
}

function imageConfig(name: string, dockerfile: string, targets: (string | undefined)[], budgetFilePath: string): ImageConfig {
  return {
    name,
    source: { kind: 'build' },
    context: path.dirname(dockerfile),
    dockerfile,
    targets,
    platforms: [],
    buildArgs: {},
    labels: {},
    cache: { mode: 'auto', from: [], to: [] },
    options: NO_BUILD_OPTIONS,
    budget: {},
    targetBudgets: {},
    platformBudgets: {},
    location: { file: budgetFilePath, line: 1, column: 1 },
  };
}

/** Sizes per target; with several platforms the largest one sets the budget. */
function sizesByTarget(measurements: JobMeasurement[]): Map<string, Sizes> {
  const byImage = new Map<string, Sizes>();
  for (const m of measurements) {
    if (m.platforms.length === 0) continue;
    const sizes: Sizes = byImage.get(m.job.image.name) ?? new Map<string | null, { compressedBytes: number; uncompressedBytes: number }>();
    sizes.set(m.job.target ?? null, {
      compressedBytes: Math.max(...m.platforms.map((p) => p.compressedBytes)),
      uncompressedBytes: Math.max(...m.platforms.map((p) => p.uncompressedBytes)),
    });
    byImage.set(m.job.image.name, sizes);
  }
  return byImage;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

export async function runInit(options: InitOptions, logger: Logger, stdout: NodeJS.WritableStream): Promise<number> {
  const relativeConfig = path.relative(options.workdir, options.configPath);
  if (!options.update && !options.force && (await exists(options.configPath))) {
    throw new UsageError(`${relativeConfig} already exists: use --update to adjust its budgets, or --force to overwrite it.`);
  }

  let budgetFile: BudgetFile;
  if (options.update) {
    budgetFile = await loadBudgetFile(options.configPath, {
      workdir: options.workdir,
      allowOutsidePaths: options.allowOutsidePaths,
      env: options.env,
    });
  } else {
    const dockerfiles = await findDockerfiles(options.workdir);
    if (dockerfiles.length === 0)
      throw new UsageError(
        `no Dockerfile found under ${options.workdir}: run init where your Dockerfiles are (it looks for Dockerfile, Dockerfile.* and *.Dockerfile)`,
      );
    const images: ImageConfig[] = [];
    const usedNames = new Set<string>();
    for (const dockerfile of dockerfiles) {
      const stages = listStages(await readFile(dockerfile, 'utf8'));
      const named = stages.filter((s) => s.name !== null).map((s) => s.name as string);
      const last = stages.at(-1);
      const targets: (string | undefined)[] = last && last.name === null ? [...named, undefined] : named.length > 0 ? named : [undefined];
      let name = imageNameFor(dockerfile, options.workdir);
      for (let i = 2; usedNames.has(name); i += 1) name = `${imageNameFor(dockerfile, options.workdir)}-${i}`;
      usedNames.add(name);
      images.push(imageConfig(name, dockerfile, targets, options.configPath));
      logger.info(`found ${path.relative(options.workdir, dockerfile)}: ${targets.map((t) => t ?? '(last stage)').join(', ')}`);
    }
    budgetFile = { version: 1, path: options.configPath, images };
  }

  const { buildx, builder, launcher, dispose } = await prepareBuilder(options.builder, logger);
  const outputDir = await mkdtemp(path.join(os.tmpdir(), 'image-budget-init-'));
  let measurements: JobMeasurement[];
  try {
    measurements = await buildAndMeasure(budgetFile, {
      workDir: outputDir,
      workdir: options.workdir,
      builder,
      launcher,
      parallel: options.parallel,
      logger,
      ...(options.buildSettings ? { run: options.buildSettings } : {}),
      cache: {
        buildxVersion: buildx.version,
        driver: buildx.driver,
        cacheExport: buildx.features.cacheExport,
        ghaCredentials: hasGhaCacheCredentials(options.env),
      },
    });
  } finally {
    await rm(outputDir, { recursive: true, force: true });
    await dispose();
  }
  const failed = measurements.filter((m) => m.error !== null);
  for (const m of failed) logger.error(`${m.job.id}: ${m.error}`);
  const sizes = sizesByTarget(measurements);

  if (options.update) {
    const text = await readFile(options.configPath, 'utf8');
    const { text: updated, changes } = updateBudgets(text, sizes, options.headroomPercent);
    await writeFile(options.configPath, updated);
    for (const c of changes) {
      stdout.write(`${c.image}${c.target ? `:${c.target}` : ''} ${c.field}: ${c.from ?? '(none)'} → ${c.to}\n`);
    }
    stdout.write(`${relativeConfig}: ${changes.length} budget(s) updated with ${options.headroomPercent}% headroom.\n`);
  } else {
    const images = budgetFile.images
      .filter((image) => sizes.has(image.name))
      .map((image) => ({
        name: image.name,
        context: path.relative(options.workdir, image.context) || '.',
        dockerfile: path.relative(image.context, image.dockerfile),
        targets: image.targets.map((t) => t ?? null),
        sizes: sizes.get(image.name) as Sizes,
      }));
    await mkdir(path.dirname(options.configPath), { recursive: true });
    await writeFile(options.configPath, renderBudgetFile(images, options.headroomPercent));
    for (const image of images) {
      for (const [target, size] of image.sizes) {
        stdout.write(
          `${image.name}${target ? `:${target}` : ''}: ${formatSize(size.compressedBytes)} compressed, ${formatSize(size.uncompressedBytes)} uncompressed\n`,
        );
      }
    }
    stdout.write(`wrote ${relativeConfig} (${images.length} image(s), budgets = measured + ${options.headroomPercent}%).\n`);
  }
  return failed.length > 0 ? 1 : 0;
}
