/**
 * Baseline sizes of an image already in a registry (`baseline: registry`), read through the
 * registry API without a pull: manifests and the config, then a few bytes at the end of each
 * layer to learn its uncompressed size (the same trailer judgement as for OCI layouts).
 */
import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import type { LayerMeasure, PlatformMeasure, UncompressedSize } from '../measure/types.js';
import type { CountedSizes } from '../measure/counted-sizes.js';
import { summarizeImageConfig } from '../measure/image-config.js';
import { measureUncompressedSize } from '../measure/uncompressed-size.js';
import { RegistryClient, type RegistryStats } from './registry-client.js';
import { parseImageRef, registryIdentities } from './registry-ref.js';

export interface RegistryMeasureOptions {
  /** Only these platforms (`linux/amd64`, `linux/arm64/v8`…); all but attestations when unset. */
  platforms?: string[];
  fetch?: typeof fetch;
  /** The `registry-token` input: tried after the docker config's credentials. */
  registryToken?: string | null;
  /** Hosts to talk plain http to, besides localhost. */
  insecureHosts?: string[];
  /** Filled with the bytes and requests this measurement cost. */
  stats?: RegistryStats;
  /**
   * Uncompressed sizes already known by digest (the head's layers, measured locally): a layer
   * the base shares with the head is not fetched at all, which matters for big layers whose
   * gzip trailer cannot prove the size and would otherwise be streamed.
   */
  knownSizes?: Map<string, Promise<UncompressedSize>>;
  /** Sizes counted by decompressing a layer in earlier runs: such a layer is not downloaded again. */
  countedSizes?: CountedSizes;
}

export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);
const MANIFEST_TYPES = new Set(['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json']);

interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

export async function measureRegistryImage(ref: string, options: RegistryMeasureOptions = {}): Promise<PlatformMeasure[]> {
  const parsed = parseImageRef(ref, options.insecureHosts);
  const client = new RegistryClient(parsed, {
    fetch: options.fetch,
    identities: registryIdentities(parsed.host, { token: options.registryToken }),
    stats: options.stats,
  });
  const top = await fetchManifest(client, parsed.reference);
  const wanted = options.platforms?.map(normalizePlatform);
  const measures: PlatformMeasure[] = [];
  if (top.kind === 'index') {
    for (const child of selectImageManifests(top.manifests)) {
      const platform = platformOf(child.platform);
      if (wanted !== undefined && !wanted.includes(normalizePlatform(platform))) continue;
      const manifest = await fetchManifest(client, child.digest);
      if (manifest.kind !== 'manifest') throw new Error(`${ref}: ${child.digest} is a nested index, expected an image manifest`);
      measures.push(await measureManifest(client, manifest, platform, options.knownSizes, options.countedSizes));
    }
  } else {
    const measure = await measureManifest(client, top, null, options.knownSizes, options.countedSizes);
    if (wanted === undefined || wanted.includes(normalizePlatform(measure.platform))) measures.push(measure);
  }
  if (measures.length === 0) {
    const what = wanted === undefined ? 'no image manifests' : `no manifest for ${wanted.join(', ')}`;
    throw new Error(`${ref}: ${what} in the registry`);
  }
  return measures;
}

/** Drops attestation manifests (`unknown/unknown`, BuildKit's `vnd.docker.reference.type`). */
export function selectImageManifests(manifests: readonly Descriptor[]): Descriptor[] {
  return manifests.filter((descriptor) => {
    if (descriptor.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') return false;
    const { os, architecture } = descriptor.platform ?? {};
    return !(os === 'unknown' || architecture === 'unknown');
  });
}

/** `linux/arm64/v8` and `linux/arm64` name the same platform. */
export function normalizePlatform(platform: string): string {
  return platform.replace(/^(\w+\/arm64)\/v8$/, '$1');
}

type Manifest =
  | { kind: 'index'; digest: string; manifests: Descriptor[] }
  | { kind: 'manifest'; digest: string; config: Descriptor; layers: Descriptor[] };

async function fetchManifest(client: RegistryClient, reference: string): Promise<Manifest> {
  const url = `${client.baseUrl}/manifests/${reference}`;
  const { body, json, response } = await client.getJson(url, { Accept: MANIFEST_ACCEPT });
  const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  if (reference.startsWith('sha256:') && reference !== digest) throw new Error(`GET ${url}: content digest is ${digest}`);
  const doc = json as { mediaType?: unknown; manifests?: unknown; config?: unknown; layers?: unknown };
  const mediaType =
    typeof doc.mediaType === 'string' ? doc.mediaType : (response.headers.get('content-type') ?? '').replace(/;.*$/s, '').trim();
  if (INDEX_TYPES.has(mediaType) || (mediaType === '' && Array.isArray(doc.manifests))) {
    return { kind: 'index', digest, manifests: checkDescriptors(doc.manifests, url, 'manifests') };
  }
  if (MANIFEST_TYPES.has(mediaType) || (mediaType === '' && doc.config !== undefined)) {
    const [config] = checkDescriptors([doc.config], url, 'config');
    if (config === undefined) throw new Error(`GET ${url}: the manifest has no config descriptor`);
    return { kind: 'manifest', digest, config, layers: checkDescriptors(doc.layers ?? [], url, 'layers') };
  }
  throw new Error(`GET ${url}: unsupported manifest media type ${JSON.stringify(mediaType)}`);
}

async function measureManifest(
  client: RegistryClient,
  manifest: Extract<Manifest, { kind: 'manifest' }>,
  platform: string | null,
  knownSizes?: Map<string, Promise<UncompressedSize>>,
  countedSizes?: CountedSizes,
): Promise<PlatformMeasure> {
  const { json } = await client.getJson(`${client.baseUrl}/blobs/${manifest.config.digest}`);
  const config = json as { os?: string; architecture?: string; variant?: string; history?: unknown; config?: unknown };
  const createdBy = layerHistory(config.history);
  const limit = pLimit(4);
  const layers: LayerMeasure[] = await Promise.all(
    manifest.layers.map((descriptor, index) =>
      limit(async () => {
        const mediaType = descriptor.mediaType ?? 'application/vnd.oci.image.layer.v1.tar+gzip';
        const known = knownSizes?.get(descriptor.digest);
        const blob = client.openBlob(descriptor.digest, descriptor.size);
        const size = known
          ? { ...(await known), source: 'cache' as const }
          : await measureUncompressedSize(blob, mediaType, { annotations: descriptor.annotations, counted: countedSizes });
        return {
          digest: descriptor.digest,
          mediaType,
          compressedBytes: descriptor.size,
          uncompressedBytes: size.bytes,
          uncompressedSource: size.source,
          createdBy: createdBy[index] ?? null,
          // Registry images carry no Dockerfile line: only the history text.
          dockerfile: null,
        };
      }),
    ),
  );
  return {
    platform: platform ?? platformOf(config),
    manifestDigest: manifest.digest,
    configDigest: manifest.config.digest,
    compressedBytes: manifest.config.size + sum(layers.map((layer) => layer.compressedBytes)),
    uncompressedBytes: sum(layers.map((layer) => layer.uncompressedBytes)),
    layerCount: layers.length,
    layers,
    imageConfig: summarizeImageConfig(config.config),
  };
}

/** `created_by` of the history entries that made a layer, in layer order. */
export function layerHistory(history: unknown): (string | null)[] {
  if (!Array.isArray(history)) return [];
  return history
    .filter((entry) => typeof entry === 'object' && entry !== null && (entry as { empty_layer?: unknown }).empty_layer !== true)
    .map((entry) => {
      const text = (entry as { created_by?: unknown }).created_by;
      return typeof text === 'string' ? text : null;
    });
}

function platformOf(platform: { os?: string; architecture?: string; variant?: string } | undefined): string {
  const parts = [platform?.os ?? 'unknown', platform?.architecture ?? 'unknown'];
  if (platform?.variant) parts.push(platform.variant);
  return parts.join('/');
}

function checkDescriptors(value: unknown, url: string, field: string): Descriptor[] {
  if (!Array.isArray(value)) throw new Error(`GET ${url}: \`${field}\` is not a list of descriptors`);
  return value.map((item, index) => {
    const d = item as Partial<Descriptor> | null;
    if (d === null || typeof d !== 'object' || typeof d.digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(d.digest)) {
      throw new Error(`GET ${url}: ${field}[${index}].digest is not a sha256 digest`);
    }
    if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) {
      throw new Error(`GET ${url}: ${field}[${index}].size is not a non-negative integer`);
    }
    return d as Descriptor;
  });
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
