/**
 * buildx's `--metadata-file`: what the build says it produced. Read after each build to record
 * the image digest (an index for multi-platform builds, else the manifest) and to check that
 * the OCI layout about to be measured holds that image: a layout that does not would give
 * another image's sizes, so a mismatch is a measurement error.
 */
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { blobPath } from './measure-layout.js';
import type { OciIndex } from './oci-manifests.js';

export interface BuildMetadata {
  /** `containerimage.digest`: the top-level image the exporter wrote. */
  imageDigest: string | null;
  /** `containerimage.config.digest`: set for single-platform builds only. */
  configDigest: string | null;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

export function parseBuildMetadata(json: unknown): BuildMetadata {
  const doc = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const digest = (key: string): string | null => {
    const value = doc[key];
    return typeof value === 'string' && DIGEST.test(value) ? value : null;
  };
  return { imageDigest: digest('containerimage.digest'), configDigest: digest('containerimage.config.digest') };
}

/** The metadata file, or null when buildx wrote none (nothing to check against). */
export async function readBuildMetadata(file: string): Promise<BuildMetadata | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  try {
    return parseBuildMetadata(JSON.parse(text));
  } catch (error) {
    throw new Error(`buildx metadata file ${file} is not JSON: ${(error as Error).message}`);
  }
}

/** Why the layout's index does not name the image the build reported, or null when it does. */
export function indexMismatch(index: Partial<OciIndex>, metadata: BuildMetadata, layoutDir: string): string | null {
  if (metadata.imageDigest === null) return null;
  const named = (index.manifests ?? []).map((m) => m.digest);
  if (named.includes(metadata.imageDigest)) return null;
  return (
    `OCI layout ${layoutDir} does not hold the image this build produced: buildx reports ${metadata.imageDigest}, ` +
    `the layout's index.json names ${named.join(', ') || 'nothing'}. Its sizes would be another image's.`
  );
}

/**
 * Checks the layout against the metadata before it is measured: its index names the image and
 * the image's blob is there. buildx 0.13 with a second exporter in the same build (`--load`,
 * `--push`) writes the other exporter's manifest into index.json without its blob.
 */
export async function checkLayoutAgainstMetadata(layoutDir: string, metadata: BuildMetadata): Promise<void> {
  if (metadata.imageDigest === null) return;
  // Read as written, not trusted: a manifests list may be missing.
  const index = JSON.parse(await readFile(path.join(layoutDir, 'index.json'), 'utf8')) as Partial<OciIndex>;
  const mismatch = indexMismatch(index, metadata, layoutDir);
  if (mismatch) throw new Error(mismatch);
  await access(blobPath(layoutDir, metadata.imageDigest)).catch(() => {
    throw new Error(
      `OCI layout ${layoutDir} does not hold the image this build produced: the blob of ${metadata.imageDigest} ` +
        '(named by buildx and by index.json) is missing. Is a second exporter (--load, --push, another --output) in the ' +
        'build flags? buildx writes the layout of one exporter with the index of the other: export the OCI layout alone.',
    );
  });
}

/** A single-platform build's config must be the one measured. */
export function configMismatch(metadata: BuildMetadata, measuredConfigDigests: readonly string[]): string | null {
  if (metadata.configDigest === null || measuredConfigDigests.length !== 1) return null;
  if (measuredConfigDigests[0] === metadata.configDigest) return null;
  return `the measured image has config ${measuredConfigDigests[0]}, but buildx reports ${metadata.configDigest} for this build`;
}
