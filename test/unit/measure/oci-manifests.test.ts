import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  collectImageManifests,
  formatPlatform,
  isAttestation,
  pairHistoryWithLayers,
  platformOf,
  sumManifestSizes,
  type ImageConfig,
  type OciDescriptor,
  type OciIndex,
} from '../../../src/measure/oci-manifests.js';

// index.json and JSON blobs of a real `buildx build --platform linux/amd64,linux/arm64
// --provenance=mode=max --output type=oci,tar=false`: index.json → nested index → 2 images
// + 2 attestation manifests.
const layout = JSON.parse(readFileSync(new URL('../../fixtures/measure/multi-platform-layout.json', import.meta.url), 'utf8')) as {
  index: OciIndex;
  blobs: Record<string, unknown>;
};
const readJson = async (d: OciDescriptor) => {
  const blob = layout.blobs[d.digest];
  if (!blob) throw new Error(`missing ${d.digest}`);
  return blob;
};

describe('collectImageManifests', () => {
  test('follows the nested index and drops attestation manifests', async () => {
    expect(layout.index.manifests[0]!.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    const nested = layout.blobs[layout.index.manifests[0]!.digest] as OciIndex;
    expect(nested.manifests.filter(isAttestation)).toHaveLength(2);
    const refs = await collectImageManifests(layout.index, readJson);
    expect(refs.map((r) => formatPlatform(r.descriptor.platform!))).toEqual(['linux/amd64', 'linux/arm64']);
    for (const ref of refs) expect(ref.manifest.layers.every((l) => l.mediaType.includes('tar+gzip'))).toBe(true);
  });

  test('a plain manifest in index.json (single platform): platform from the config', async () => {
    const refs = await collectImageManifests(layout.index, readJson);
    const { digest, size, mediaType } = refs[1]!.descriptor;
    const single = await collectImageManifests({ manifests: [{ digest, size, mediaType }] }, readJson);
    expect(single).toHaveLength(1);
    const config = layout.blobs[single[0]!.manifest.config.digest] as ImageConfig;
    expect(platformOf(single[0]!.descriptor, config)).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(platformOf(single[0]!.descriptor, { os: 'linux', architecture: 'arm', variant: 'v7' })).toEqual({
      os: 'linux',
      architecture: 'arm',
      variant: 'v7',
    });
  });

  test('attestation recognised by annotation even with a platform, and by unknown/unknown alone', () => {
    const base = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:a', size: 1 };
    expect(isAttestation({ ...base, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } })).toBe(true);
    expect(isAttestation({ ...base, platform: { os: 'unknown', architecture: 'unknown' } })).toBe(true);
    expect(isAttestation({ ...base, platform: { os: 'linux', architecture: 'amd64' } })).toBe(false);
  });

  test('a blob that is neither index nor manifest is an error naming its digest', async () => {
    const index = { manifests: [{ mediaType: 'application/json', digest: 'sha256:odd', size: 2 }] };
    await expect(collectImageManifests(index, async () => ({ hello: 1 }))).rejects.toThrow(
      'index.json: sha256:odd has media type "application/json", neither an index nor an image manifest',
    );
  });
});

describe('sums and pairing', () => {
  test('compressed size = layers + config, computed independently', async () => {
    const [ref] = await collectImageManifests(layout.index, readJson);
    const manifest = ref!.manifest;
    let expected = manifest.config.size;
    for (const layer of manifest.layers) expected += layer.size;
    expect(sumManifestSizes(manifest)).toBe(expected);
    expect(sumManifestSizes(manifest, 0)).toBe(expected - manifest.config.size);
  });

  test('non-empty history entries line up with layers', async () => {
    const [ref] = await collectImageManifests(layout.index, readJson);
    const config = layout.blobs[ref!.manifest.config.digest] as ImageConfig;
    const pairs = pairHistoryWithLayers(config.history, ref!.manifest.layers.length);
    expect(pairs).toHaveLength(ref!.manifest.layers.length);
    expect(pairs.map((i) => config.history![i!]!.empty_layer)).toEqual(pairs.map(() => undefined));
    expect(config.history![pairs.at(-1)!]!.created_by).toMatch(/^RUN /);
  });

  test('counts that disagree give null for every layer rather than a wrong pairing', () => {
    expect(pairHistoryWithLayers([{ created_by: 'RUN a' }, { created_by: 'ENV a', empty_layer: true }], 2)).toEqual([null, null]);
    expect(pairHistoryWithLayers(undefined, 1)).toEqual([null]);
    expect(pairHistoryWithLayers([], 0)).toEqual([]);
  });
});
