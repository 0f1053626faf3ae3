/**
 * An image in a registry, made into what the measurer reads: an OCI layout directory with the
 * index, the manifests and the configs (each checked against its digest), and layer blobs
 * served through a LayerStore, fetched only as far as they are read.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MANIFEST_ACCEPT, normalizePlatform } from '../../baseline/registry.js';
import { RegistryClient, RegistryError, type RegistryStats } from '../../baseline/registry-client.js';
import { parseImageRef, registryIdentities, type ImageRef, type RegistryIdentity } from '../../baseline/registry-ref.js';
import type { BlobOpener } from '../../measure/measure-layout.js';
import { formatPlatform, isAttestation, type OciDescriptor } from '../../measure/oci-manifests.js';
import type { LayerStore } from './layer-store.js';

export interface RegistryLayoutOptions {
  /** Directory to write the layout into (created). */
  dir: string;
  layers: LayerStore;
  /** Only these platforms of an index; every image platform when empty or unset. */
  platforms?: readonly string[];
  /** Logins after anonymous access; default: the docker config's, then `registryToken`. */
  identities?: RegistryIdentity[];
  registryToken?: string | null;
  /** Where DOCKER_CONFIG is read from; default process.env. */
  env?: NodeJS.ProcessEnv;
  insecureHosts?: readonly string[];
  fetch?: typeof fetch;
  stats?: RegistryStats;
  retryDelaysMs?: readonly number[];
}

export interface RegistryLayout {
  layoutDir: string;
  openBlob: BlobOpener;
  /** Digest of what the reference names: the index for a multi-platform image. */
  digest: string;
  ref: ImageRef;
}

const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const MAX_INDEX_DEPTH = 4;

interface Fetched {
  descriptor: OciDescriptor;
  json: { mediaType?: string; manifests?: OciDescriptor[]; config?: OciDescriptor; layers?: OciDescriptor[] };
}

export async function fetchRegistryLayout(reference: string, options: RegistryLayoutOptions): Promise<RegistryLayout> {
  const ref = parseImageRef(reference, options.insecureHosts);
  const client = new RegistryClient(ref, {
    identities:
      options.identities ??
      registryIdentities(ref.host, { token: options.registryToken ?? null, ...(options.env ? { env: options.env } : {}) }),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.stats ? { stats: options.stats } : {}),
    ...(options.retryDelaysMs ? { retryDelaysMs: options.retryDelaysMs } : {}),
  });
  const blobs = path.join(options.dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const keep = (digest: string, body: Buffer) => writeFile(path.join(blobs, digest.slice('sha256:'.length)), body);

  const top = await fetchManifest(client, ref.reference, reference, keep);
  const wanted = (options.platforms ?? []).map(normalizePlatform);
  const images: Fetched[] = [];
  const visit = async (node: Fetched, depth: number): Promise<void> => {
    if (!isIndex(node)) {
      images.push(node);
      return;
    }
    if (depth > MAX_INDEX_DEPTH) throw new Error(`${reference}: image indexes nested deeper than ${MAX_INDEX_DEPTH}`);
    for (const child of node.json.manifests ?? []) {
      if (isAttestation(child)) continue;
      if (wanted.length > 0 && child.platform && !wanted.includes(normalizePlatform(formatPlatform(child.platform)))) continue;
      await visit(await fetchManifest(client, child.digest, reference, keep, child), depth + 1);
    }
  };
  await visit(top, 0);
  if (images.length === 0) {
    throw new Error(
      `${reference}: ${wanted.length > 0 ? `no manifest for ${wanted.join(', ')}` : 'no image manifest (only attestations?)'}`,
    );
  }

  for (const { descriptor, json } of images) {
    const config = json.config;
    if (config === undefined) throw new Error(`${reference}: manifest ${descriptor.digest} has no config`);
    const url = `${client.baseUrl}/blobs/${config.digest}`;
    const { body } = await client.getJson(url);
    const actual = digestOf(body);
    if (actual !== config.digest) throw new Error(`${reference}: config ${config.digest} came back with digest ${actual}`);
    await keep(config.digest, body);
  }

  const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: images.map((image) => image.descriptor) };
  await writeFile(path.join(options.dir, 'index.json'), JSON.stringify(index));
  await writeFile(path.join(options.dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  return {
    layoutDir: options.dir,
    openBlob: (digest, size) => options.layers.reader(client.openBlob(digest, size)),
    digest: top.descriptor.digest,
    ref,
  };
}

function isIndex(node: Fetched): boolean {
  return INDEX_TYPES.has(node.descriptor.mediaType) || Array.isArray(node.json.manifests);
}

/**
 * GETs a manifest or index and keeps it as a blob. A digest reference is verified: the bytes
 * must hash to the digest asked for, or this image is not the one the user named.
 */
async function fetchManifest(
  client: RegistryClient,
  reference: string,
  named: string,
  keep: (digest: string, body: Buffer) => Promise<void>,
  parent?: OciDescriptor,
): Promise<Fetched> {
  const url = `${client.baseUrl}/manifests/${reference}`;
  let got;
  try {
    got = await client.getJson(url, { Accept: MANIFEST_ACCEPT });
  } catch (error) {
    if (error instanceof RegistryError && error.status === 404) {
      const why = error.detail ? `HTTP 404, ${error.detail}` : 'HTTP 404';
      throw new RegistryError(`${named}: no such image in the registry (${why})`, 404, error.detail);
    }
    throw error;
  }
  const { body, json, response } = got;
  const digest = digestOf(body);
  if (reference.startsWith('sha256:') && reference !== digest) {
    throw new Error(`${named}: digest mismatch: asked for ${reference}, the registry's manifest has digest ${digest}`);
  }
  const doc = (typeof json === 'object' && json !== null ? json : {}) as Fetched['json'];
  const mediaType = doc.mediaType ?? parent?.mediaType ?? (response.headers.get('content-type') ?? '').replace(/;.*$/s, '').trim();
  await keep(digest, body);
  const descriptor: OciDescriptor = {
    mediaType,
    digest,
    size: body.length,
    ...(parent?.platform ? { platform: parent.platform } : {}),
  };
  return { descriptor, json: doc };
}

function digestOf(body: Buffer): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}
