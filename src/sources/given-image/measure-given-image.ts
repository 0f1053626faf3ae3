/**
 * Measures an image built elsewhere, with no build: the image is made into an OCI layout
 * (fetched from a registry, saved from the docker image store, or given as a layout directory
 * or tar) and measured and analysed exactly as a built image's layout is. Every failure is this
 * image's `error`: the other images are measured all the same.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { analyzeLayout, hasDockerignore, type PlatformAnalysis } from '../../analysis/analyze-layout.js';
import type { LayerCache } from '../../analysis/layer-cache.js';
import { countByScanning } from '../../analysis/scan-while-counting.js';
import { saveImage } from '../../docker/image-store.js';
import type { Logger } from '../../logger.js';
import type { CountedSizes } from '../../measure/counted-sizes.js';
import { measureOciLayout, type BlobOpener } from '../../measure/measure-layout.js';
import type { PlatformMeasure, UncompressedSize } from '../../measure/types.js';
import type { RegistryStats } from '../../baseline/registry-client.js';
import { fillPlaceholders, parseGivenImage, type PlaceholderValues } from '../../config/image-reference.js';
import type { LayerStore } from './layer-store.js';
import { openOciLayout, unpackTar } from './local-layout.js';
import { fetchRegistryLayout } from './registry-layout.js';

/** An image entry that gives `image:` instead of a build. */
export interface GivenImageEntry {
  name: string;
  /** The `image:` value as written: placeholders not filled yet. */
  image: string;
  /** Only these platforms of a multi-platform image; all of them when empty. */
  platforms: readonly string[];
  /** Absolute path of the Dockerfile the image was built from: layers get its lines. */
  dockerfile?: string;
  /** The stage of `dockerfile` the image was built from (its last stage when unset). */
  target?: string;
  /** Absolute build context, for the analysis' `.dockerignore` hint. */
  context?: string;
  /** The layer analysis for this image (default true). */
  analyze?: boolean;
}

export interface GivenImageContext {
  /** Relative `oci-layout://` paths and reported Dockerfile paths are relative to this. */
  workdir: string;
  /** A directory of this image's own for the layout (created). */
  scratchDir: string;
  layers: LayerStore;
  placeholders: PlaceholderValues;
  /** What the action's `image`/`digest`/`metadata` inputs name: the `from-input` entry's image. */
  fromInput?: string | null;
  registryToken?: string | null;
  insecureHosts?: readonly string[];
  /** Where DOCKER_CONFIG (credentials) is read from; default process.env. */
  env?: NodeJS.ProcessEnv;
  logger: Logger;
  /** Prefix for log lines, e.g. "base". */
  label?: string;
  sizeMemo?: Map<string, Promise<UncompressedSize>>;
  countedSizes?: CountedSizes;
  /** The layer analysis; absent when it is off for the run. */
  analysis?: { cache: LayerCache; scanned: Set<string> };
  registryStats?: RegistryStats;
  fetch?: typeof fetch;
  retryDelaysMs?: readonly number[];
}

export interface GivenImageMeasurement {
  entry: GivenImageEntry;
  /** The reference measured, placeholders filled (as reports and logs show it). */
  reference: string;
  platforms: PlatformMeasure[];
  analyses?: PlatformAnalysis[];
  error: string | null;
  /** Digest of the image measured (an index for a multi-platform image), when known. */
  imageDigest: string | null;
  /** The Dockerfile relative to the working directory, when one was given. */
  dockerfilePath: string | null;
}

interface Materialized {
  layoutDir: string;
  openBlob?: BlobOpener;
  digest: string | null;
}

export async function measureGivenImage(entry: GivenImageEntry, ctx: GivenImageContext): Promise<GivenImageMeasurement> {
  const prefix = ctx.label ? `${ctx.label}: ` : '';
  const dockerfilePath = entry.dockerfile ? path.relative(ctx.workdir, entry.dockerfile) || entry.dockerfile : null;
  let reference = entry.image;
  const started = Date.now();
  try {
    reference = resolveReference(entry, ctx);
    ctx.logger.progress(`${prefix}measuring ${entry.name} from ${reference} (given image, not built)`);
    const image = await materialize(reference, entry, ctx);
    const text = entry.dockerfile ? await readFile(entry.dockerfile, 'utf8') : null;
    const dockerfile = text !== null && dockerfilePath !== null ? { path: dockerfilePath, text } : undefined;
    const analysis = entry.analyze === false ? undefined : ctx.analysis;
    const cacheErrors = new Set<string>();
    const platforms = await measureOciLayout(image.layoutDir, {
      ...(dockerfile ? { dockerfile } : {}),
      ...(entry.target ? { target: entry.target } : {}),
      ...(ctx.sizeMemo ? { sizeMemo: ctx.sizeMemo } : {}),
      ...(ctx.countedSizes ? { countedSizes: ctx.countedSizes } : {}),
      ...(image.openBlob ? { openBlob: image.openBlob } : {}),
      ...(analysis ? { countLayer: countByScanning(analysis.cache, (m) => cacheErrors.add(m), analysis.scanned) } : {}),
    });
    const wanted = entry.platforms;
    const measured = wanted.length === 0 ? platforms : platforms.filter((p) => wanted.some((w) => samePlatform(w, p.platform)));
    if (measured.length === 0)
      throw new Error(`${reference}: no image for ${wanted.join(', ')} (it has ${platforms.map((p) => p.platform).join(', ')})`);
    const result: GivenImageMeasurement = { entry, reference, platforms: measured, error: null, imageDigest: image.digest, dockerfilePath };
    if (analysis) {
      result.analyses = await analyzeLayout({
        layoutDir: image.layoutDir,
        platforms: measured,
        ...(dockerfile ? { dockerfile: { ...dockerfile, ...(entry.target ? { target: entry.target } : {}) } } : {}),
        ...(entry.context && entry.dockerfile ? { contextHasDockerignore: await hasDockerignore(entry.context, entry.dockerfile) } : {}),
        cache: analysis.cache,
        scannedWhileMeasuring: analysis.scanned,
        onCacheError: (m) => cacheErrors.add(m),
        ...(image.openBlob ? { openBlob: image.openBlob } : {}),
      });
      result.analyses.forEach((a, i) => {
        if (a.error) ctx.logger.warning(`${prefix}layer analysis of ${entry.name} (${measured[i]?.platform ?? '?'}) failed: ${a.error}`);
      });
    }
    for (const message of [...cacheErrors].slice(0, 1)) ctx.logger.warning(`${prefix}${message}`);
    ctx.logger.progress(
      `${prefix}measured ${entry.name}: ${measured.length} platform(s) of ${reference} in ${((Date.now() - started) / 1000).toFixed(1)}s`,
    );
    return result;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    ctx.logger.error(`${prefix}measuring ${entry.name} (${reference}) failed: ${message}`);
    return { entry, reference, platforms: [], error: `measurement failed: ${message}`, imageDigest: null, dockerfilePath };
  }
}

/** The entry's image with `from-input` replaced by the inputs' and the placeholders filled. */
export function resolveReference(entry: GivenImageEntry, ctx: Pick<GivenImageContext, 'fromInput' | 'placeholders'>): string {
  const given = parseGivenImage(entry.image);
  if (given.kind !== 'from-input') return fillPlaceholders(entry.image.trim(), ctx.placeholders);
  if (!ctx.fromInput) throw new Error(`image: from-input, but the image, digest and metadata inputs name no image`);
  return fillPlaceholders(ctx.fromInput.trim(), ctx.placeholders);
}

async function materialize(reference: string, entry: GivenImageEntry, ctx: GivenImageContext): Promise<Materialized> {
  const given = parseGivenImage(reference);
  const layoutDir = path.join(ctx.scratchDir, 'layout');
  switch (given.kind) {
    case 'registry': {
      const layout = await fetchRegistryLayout(given.ref, {
        dir: layoutDir,
        layers: ctx.layers,
        platforms: entry.platforms,
        ...(ctx.registryToken ? { registryToken: ctx.registryToken } : {}),
        ...(ctx.env ? { env: ctx.env } : {}),
        ...(ctx.insecureHosts ? { insecureHosts: ctx.insecureHosts } : {}),
        ...(ctx.registryStats ? { stats: ctx.registryStats } : {}),
        ...(ctx.fetch ? { fetch: ctx.fetch } : {}),
        ...(ctx.retryDelaysMs ? { retryDelaysMs: ctx.retryDelaysMs } : {}),
      });
      return { layoutDir: layout.layoutDir, openBlob: layout.openBlob, digest: layout.digest };
    }
    case 'docker-daemon': {
      await mkdir(ctx.scratchDir, { recursive: true });
      const tarFile = path.join(ctx.scratchDir, 'saved.tar');
      await saveImage(given.ref, tarFile, entry.platforms.length === 1 ? entry.platforms[0] : undefined);
      const dir = await openOciLayout(await unpackTar(tarFile, layoutDir), reference);
      return { layoutDir: dir, digest: await topDigest(dir) };
    }
    case 'oci-layout': {
      const dir = await openOciLayout(path.resolve(ctx.workdir, given.path), path.join(ctx.scratchDir, 'unpacked'));
      return { layoutDir: dir, digest: await topDigest(dir) };
    }
    case 'from-input':
      throw new Error('the image, digest and metadata inputs cannot say from-input');
  }
}

/** The digest index.json names, when it names one image. */
async function topDigest(layoutDir: string): Promise<string | null> {
  const index: unknown = JSON.parse(await readFile(path.join(layoutDir, 'index.json'), 'utf8'));
  const manifests: unknown = typeof index === 'object' && index !== null && 'manifests' in index ? index.manifests : [];
  const digests = new Set(
    (Array.isArray(manifests) ? manifests : [])
      .map((m: unknown) => (typeof m === 'object' && m !== null && 'digest' in m ? m.digest : undefined))
      .filter((d): d is string => typeof d === 'string'),
  );
  const [only] = digests;
  return digests.size === 1 && only !== undefined ? only : null;
}

function samePlatform(a: string, b: string): boolean {
  const normal = (p: string) => p.replace(/^(\w+\/arm64)\/v8$/, '$1');
  return normal(a) === normal(b);
}
