/**
 * Walking an OCI index down to the image manifests of real platforms, and the pure sums and
 * pairings over a manifest and its config. Fetching a blob is the caller's `readJson`.
 */

export interface OciPlatform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface OciDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: OciPlatform;
  annotations?: Record<string, string>;
}

export interface OciManifest {
  mediaType?: string;
  config: OciDescriptor;
  layers: OciDescriptor[];
}

export interface OciIndex {
  mediaType?: string;
  manifests: OciDescriptor[];
}

export interface HistoryEntry {
  created_by?: string;
  empty_layer?: boolean;
  comment?: string;
}

export interface ImageConfig {
  os?: string;
  architecture?: string;
  variant?: string;
  history?: HistoryEntry[];
  rootfs?: { diff_ids?: string[] };
  config?: { User?: unknown } | null;
}

export interface PlatformManifestRef {
  /** The descriptor that named the manifest (its platform may be missing). */
  descriptor: OciDescriptor;
  manifest: OciManifest;
}

const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);
const MANIFEST_TYPES = new Set(['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json']);
export const ATTESTATION_REFERENCE_TYPE = 'attestation-manifest';
/** Nested indexes deeper than this are a loop or garbage, not a build result. */
const MAX_INDEX_DEPTH = 8;

/** Attestation manifests (BuildKit provenance/SBOM) are not images: no platform, no pull. */
export function isAttestation(descriptor: OciDescriptor): boolean {
  if (descriptor.annotations?.['vnd.docker.reference.type'] === ATTESTATION_REFERENCE_TYPE) return true;
  return descriptor.platform?.os === 'unknown' && descriptor.platform.architecture === 'unknown';
}

export function formatPlatform(platform: OciPlatform): string {
  return [platform.os, platform.architecture, platform.variant].filter((part) => part).join('/');
}

/**
 * Every image manifest reachable from `root` (index.json or a nested index), attestations
 * excluded. A manifest whose config turns out to be an attestation (`unknown/unknown`) is
 * dropped later by the caller, since only the config can tell then.
 */
export async function collectImageManifests(
  root: OciIndex,
  readJson: (descriptor: OciDescriptor) => Promise<unknown>,
  where = 'index.json',
  depth = 0,
): Promise<PlatformManifestRef[]> {
  if (!Array.isArray(root.manifests)) throw new Error(`${where}: "manifests" is not an array`);
  if (depth > MAX_INDEX_DEPTH) throw new Error(`${where}: image indexes nested deeper than ${MAX_INDEX_DEPTH}`);
  const found: PlatformManifestRef[] = [];
  const seen = new Set<string>();
  for (const descriptor of root.manifests) {
    if (isAttestation(descriptor) || seen.has(descriptor.digest)) continue;
    seen.add(descriptor.digest);
    const document = (await readJson(descriptor)) as Partial<OciIndex & OciManifest>;
    const mediaType = document.mediaType ?? descriptor.mediaType;
    if (INDEX_TYPES.has(mediaType) || Array.isArray(document.manifests)) {
      const nested = await collectImageManifests(document as OciIndex, readJson, `index ${descriptor.digest}`, depth + 1);
      for (const ref of nested) {
        if (!found.some((known) => known.descriptor.digest === ref.descriptor.digest)) found.push(ref);
      }
    } else if (MANIFEST_TYPES.has(mediaType) || (document.config && Array.isArray(document.layers))) {
      if (!found.some((known) => known.descriptor.digest === descriptor.digest)) {
        found.push({ descriptor, manifest: document as OciManifest });
      }
    } else {
      throw new Error(`${where}: ${descriptor.digest} has media type "${mediaType}", neither an index nor an image manifest`);
    }
  }
  return found;
}

/** The platform of an image: from the index descriptor, else from its config. */
export function platformOf(descriptor: OciDescriptor, config: ImageConfig): OciPlatform | null {
  if (descriptor.platform) return descriptor.platform;
  if (!config.os || !config.architecture) return null;
  return { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) };
}

/** What a pull transfers for one platform: every layer blob plus the config blob. */
export function sumManifestSizes(manifest: OciManifest, configSize = manifest.config.size): number {
  return manifest.layers.reduce((sum, layer) => sum + layer.size, configSize);
}

/**
 * The `created_by` of the history entry behind each layer, in layer order. Non-empty
 * history entries pair one-to-one with layers; when the counts disagree the config is not
 * trustworthy and every layer gets null rather than a wrong line.
 */
export function pairHistoryWithLayers(history: HistoryEntry[] | undefined, layerCount: number): (number | null)[] {
  const layerEntries: number[] = [];
  (history ?? []).forEach((entry, index) => {
    if (!entry.empty_layer) layerEntries.push(index);
  });
  if (layerEntries.length !== layerCount) return new Array<number | null>(layerCount).fill(null);
  return layerEntries;
}
