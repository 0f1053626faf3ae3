// measureOciLayout on small layouts written by hand into a temp dir (no docker): layer
// sharing across platforms, platform from the config, error messages, Dockerfile fallback.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { blobPath, fileBlobReader, measureOciLayout } from '../../../src/measure/measure-layout.js';

const GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
let dir: string;

async function putBlob(data: Buffer | string, mediaType: string) {
  const bytes = Buffer.from(data);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(blobPath(dir, digest), bytes);
  return { mediaType, digest, size: bytes.length };
}
const putJson = (value: unknown, mediaType: string) => putBlob(JSON.stringify(value), mediaType);

async function image(arch: string, layers: Buffer[], history: object[]) {
  const layerDescs = [];
  for (const layer of layers) layerDescs.push(await putBlob(gzipSync(layer), GZIP));
  const config = await putJson({ os: 'linux', architecture: arch, history }, 'application/vnd.oci.image.config.v1+json');
  return putJson({ schemaVersion: 2, mediaType: MANIFEST, config, layers: layerDescs }, MANIFEST);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ib-measure-unit-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const shared = randomBytes(30_000);
const history = [
  { created_by: 'ADD rootfs.tar / # buildkit', comment: 'buildkit.dockerfile.v0' },
  { created_by: 'ENV A=1', empty_layer: true, comment: 'buildkit.dockerfile.v0' },
  { created_by: 'RUN /bin/sh -c make # buildkit', comment: 'buildkit.dockerfile.v0' },
];
const dockerfile = { path: 'Dockerfile', text: 'FROM scratch\nADD rootfs.tar /\nENV A=1\nRUN make\n' };

describe('measureOciLayout on hand-made layouts', () => {
  test('shared layers are measured once; sizes and lines per platform; sorted by platform', async () => {
    const arm = await image('arm64', [shared, Buffer.alloc(5000, 1)], history);
    const amd = await image('amd64', [shared, Buffer.alloc(7000, 2)], history);
    const attestation = {
      ...(await image('unknown', [Buffer.from('{}')], [])),
      annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
    };
    await writeFile(
      join(dir, 'index.json'),
      JSON.stringify({ schemaVersion: 2, manifests: [{ ...arm, platform: { os: 'linux', architecture: 'arm64' } }, amd, attestation] }),
    );
    const messages: string[] = [];
    const result = await measureOciLayout(dir, { dockerfile, onProgress: (m) => messages.push(m) });
    expect(result.map((m) => m.platform)).toEqual(['linux/amd64', 'linux/arm64']); // amd64's platform from its config
    expect(messages.filter((m) => m.startsWith('layer '))).toHaveLength(3); // 2 + 2 layers, one shared
    const [amd64] = result;
    expect(amd64!.layers.map((l) => l.uncompressedBytes)).toEqual([30_000, 7000]);
    expect(amd64!.uncompressedBytes).toBe(37_000);
    expect(amd64!.layers.map((l) => l.dockerfile?.line)).toEqual([2, 4]);
    expect(amd64!.layers.map((l) => l.createdBy)).toEqual([history[0]!.created_by, history[2]!.created_by]);
    const manifest = JSON.parse(await readFile(blobPath(dir, amd.digest), 'utf8')) as {
      config: { size: number };
      layers: { size: number }[];
    };
    expect(amd64!.manifestDigest).toBe(amd.digest);
    expect(amd64!.compressedBytes).toBe(manifest.config.size + manifest.layers[0]!.size + manifest.layers[1]!.size);
  });

  test('a Dockerfile without the target keeps the sizes and warns', async () => {
    const amd = await image('amd64', [shared], history.slice(0, 1));
    await writeFile(join(dir, 'index.json'), JSON.stringify({ manifests: [amd] }));
    const messages: string[] = [];
    const [m] = await measureOciLayout(dir, { dockerfile, target: 'nope', onProgress: (x) => messages.push(x) });
    expect(m!.layers[0]!.dockerfile).toBeNull();
    expect(m!.layers[0]!.uncompressedBytes).toBe(30_000);
    expect(messages).toContain('warning: no Dockerfile lines: Dockerfile: build target "nope" is not a stage name (stages: none)');
  });

  test('index.json naming a missing blob: error names the digest and the --load pitfall', async () => {
    await writeFile(
      join(dir, 'index.json'),
      JSON.stringify({ manifests: [{ mediaType: MANIFEST, digest: `sha256:${'a'.repeat(64)}`, size: 3 }] }),
    );
    await expect(measureOciLayout(dir)).rejects.toThrow(new RegExp(`blob sha256:a{64} is missing.*--load`));
  });

  test('no index.json, and a bad digest, are clear errors', async () => {
    await expect(measureOciLayout(dir)).rejects.toThrow(`cannot read ${join(dir, 'index.json')}`);
    expect(() => fileBlobReader(dir, 'sha256:../../etc/passwd', 1)).toThrow('invalid digest "sha256:../../etc/passwd"');
  });

  test('fileBlobReader reads ranges and clamps at the end', async () => {
    const desc = await putBlob(Buffer.from('0123456789'), 'application/octet-stream');
    const reader = fileBlobReader(dir, desc.digest, desc.size);
    expect((await reader.read(2, 3)).toString()).toBe('234');
    expect((await reader.read(8, 10)).toString()).toBe('89');
  });
});
