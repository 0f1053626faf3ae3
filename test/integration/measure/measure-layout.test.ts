/**
 * Real buildx builds (multi-stage, linux/amd64 + linux/arm64, provenance attestations on),
 * exported as OCI layouts and pushed to the local registry, measured and checked against
 * independent readings: the registry's manifests and `gzip -dc | wc -c` of each layer.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { blobPath, measureOciLayout } from '../../../src/measure/measure-layout.js';
import { mapHistoryToDockerfile } from '../../../src/measure/dockerfile-lines.js';
import type { ImageConfig, OciIndex, OciManifest } from '../../../src/measure/oci-manifests.js';
import type { PlatformMeasure } from '../../../src/measure/types.js';

const run = promisify(execFile);
const REGISTRY_REPO = 'localhost:5000/ib-measure-int';
const TAG = `t${process.pid}-${Date.now()}`;
const PLATFORMS = 'linux/amd64,linux/arm64';

const DOCKERFILE = `FROM busybox:1.35 AS builder
WORKDIR /work
RUN dd if=/dev/urandom of=/work/blob.bin bs=1024 count=1536 2>/dev/null && head -c 400000 /dev/zero > /work/zeros.bin
ENV STAGE=builder
RUN rm /work/zeros.bin

FROM busybox:1.35 AS runtime
ENV APP_HOME=/app
WORKDIR /app
COPY --from=builder /work/blob.bin /app/blob.bin
COPY notes.txt /app/notes.txt
RUN rm /app/notes.txt
CMD ["sh"]
`;
const DOCKERFILE_PATH = 'images/app/Dockerfile';
const lineOf = (prefix: string) => DOCKERFILE.split('\n').findIndex((line) => line.startsWith(prefix)) + 1;
/** The reference a layer made by the one-line instruction starting with `prefix` carries: file, line and its text as written. */
const refOf = (prefix: string) => ({ path: DOCKERFILE_PATH, line: lineOf(prefix), source: DOCKERFILE.split('\n')[lineOf(prefix) - 1] });

let workDir: string;
const layouts: Record<string, string> = {};
const measures: Record<string, PlatformMeasure[]> = {};

async function buildx(args: string[], attempt = 1): Promise<void> {
  try {
    await run('docker', ['buildx', 'build', '--progress=plain', '-f', join(workDir, 'Dockerfile'), ...args, workDir], {
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    // The local registry (distribution 2.8) can answer 500 to a HEAD of a tag while the same
    // push PUTs a platform manifest under it ("invalid checksum digest format" in its log): a
    // race of the fixture's registry, not of what is tested. The push is tried once more.
    if (attempt === 1 && /500 Internal Server Error/.test(stderr ?? '')) return buildx(args, 2);
    throw new Error(`docker buildx build ${args.join(' ')} failed:\n${stderr?.slice(-3000)}`);
  }
}

async function inspectRaw(ref: string): Promise<unknown> {
  const { stdout } = await run('docker', ['buildx', 'imagetools', 'inspect', '--raw', ref]);
  return JSON.parse(stdout);
}

async function gzipDecompressedBytes(path: string): Promise<number> {
  const { stdout } = await run('sh', ['-c', 'gzip -dc < "$1" | wc -c', 'sh', path]);
  return Number(stdout.trim());
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'ib-measure-int-'));
  await writeFile(join(workDir, 'Dockerfile'), DOCKERFILE);
  await writeFile(join(workDir, 'notes.txt'), 'deleted by a later layer\n'.repeat(100));
  for (const target of ['builder', 'runtime']) {
    const common = ['--target', target, '--platform', PLATFORMS, '--provenance=mode=max'];
    layouts[target] = join(workDir, `oci-${target}`);
    await buildx([...common, '--output', `type=oci,dest=${layouts[target]},tar=false`]);
    // Same build again from cache, pushed: the registry copy is read independently below.
    await buildx([...common, '--output', `type=image,name=${REGISTRY_REPO}:${target}-${TAG},push=true`]);
    measures[target] = await measureOciLayout(layouts[target], {
      dockerfile: { path: DOCKERFILE_PATH, text: DOCKERFILE },
      target,
    });
  }
});

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe.each(['builder', 'runtime'])('target %s, two platforms, provenance on', (target) => {
  test('one measure per real platform, attestations excluded, sorted', async () => {
    const index = JSON.parse(await readFile(join(layouts[target]!, 'index.json'), 'utf8')) as OciIndex;
    const nested = JSON.parse(await readFile(blobPath(layouts[target]!, index.manifests[0]!.digest), 'utf8')) as OciIndex;
    // The layout really has attestations to exclude.
    expect(nested.manifests.filter((m) => m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest')).toHaveLength(2);
    expect(measures[target]!.map((m) => m.platform)).toEqual(['linux/amd64', 'linux/arm64']);
  });

  test('compressed sizes equal layers + config read from the pushed manifests', async () => {
    const pushed = (await inspectRaw(`${REGISTRY_REPO}:${target}-${TAG}`)) as OciIndex;
    const images = pushed.manifests.filter((m) => m.platform?.os !== 'unknown');
    expect(images).toHaveLength(2);
    for (const descriptor of images) {
      const manifest = (await inspectRaw(`${REGISTRY_REPO}@${descriptor.digest}`)) as OciManifest;
      const platform = `${descriptor.platform!.os}/${descriptor.platform!.architecture}`;
      const measured = measures[target]!.find((m) => m.platform === platform)!;
      let expected = manifest.config.size;
      for (const layer of manifest.layers) expected += layer.size;
      expect(measured.compressedBytes).toBe(expected);
      expect(measured.layerCount).toBe(manifest.layers.length);
      expect(measured.layers.map((l) => l.digest)).toEqual(manifest.layers.map((l) => l.digest));
      expect(measured.configDigest).toBe(manifest.config.digest);
    }
  });

  test('uncompressed sizes equal gzip -dc | wc -c of each layer blob', async () => {
    for (const platform of measures[target]!) {
      let total = 0;
      for (const layer of platform.layers) {
        expect(layer.uncompressedBytes).toBe(await gzipDecompressedBytes(blobPath(layouts[target]!, layer.digest)));
        expect(layer.uncompressedSource).toBe('gzip-trailer'); // small layers: the trailer proves it
        total += layer.uncompressedBytes;
      }
      expect(platform.uncompressedBytes).toBe(total);
    }
  });
});

describe('Dockerfile lines', () => {
  const layerLine = (target: string, createdBy: string) =>
    measures[target]![0]!.layers.find((l) => l.createdBy?.includes(createdBy))?.dockerfile;

  test('runtime: COPY --from=builder, a deleting RUN and WORKDIR map to their lines; the base layer to null', () => {
    const [amd64, arm64] = measures.runtime!;
    expect(amd64!.layers[0]!.dockerfile).toBeNull();
    expect(amd64!.layers[0]!.createdBy).toBeNull();
    expect(layerLine('runtime', 'COPY /work/blob.bin /app/blob.bin')).toEqual(refOf('COPY --from=builder'));
    expect(layerLine('runtime', 'rm /app/notes.txt')).toEqual(refOf('RUN rm /app/notes.txt'));
    expect(layerLine('runtime', 'WORKDIR /app')).toEqual(refOf('WORKDIR /app'));
    expect(arm64!.layers.map((l) => l.dockerfile)).toEqual(amd64!.layers.map((l) => l.dockerfile));
  });

  test('builder: the RUN that deletes a file, and the empty ENV entry, map to their lines', async () => {
    expect(layerLine('builder', 'rm /work/zeros.bin')).toEqual(refOf('RUN rm /work/zeros.bin'));
    const config = JSON.parse(await readFile(blobPath(layouts.builder!, measures.builder![0]!.configDigest), 'utf8')) as ImageConfig;
    const refs = mapHistoryToDockerfile(config.history!, { path: DOCKERFILE_PATH, text: DOCKERFILE }, 'builder');
    const env = config.history!.findIndex((h) => h.created_by === 'ENV STAGE=builder');
    expect(config.history![env]!.empty_layer).toBe(true);
    expect(refs[env]).toEqual(refOf('ENV STAGE=builder'));
  });
});

describe('zstd layers', () => {
  let layout: string;
  let zstd: PlatformMeasure[];
  beforeAll(async () => {
    layout = join(workDir, 'oci-zstd');
    await buildx([
      '--target',
      'runtime',
      '--platform',
      PLATFORMS,
      '--provenance=mode=max',
      '--output',
      `type=oci,dest=${layout},tar=false,compression=zstd,force-compression=true`,
    ]);
    zstd = await measureOciLayout(layout, { dockerfile: { path: DOCKERFILE_PATH, text: DOCKERFILE }, target: 'runtime' });
  });

  test('every layer is zstd and its size equals a full decompression', async () => {
    expect(zstd.map((m) => m.platform)).toEqual(['linux/amd64', 'linux/arm64']);
    for (const platform of zstd) {
      for (const layer of platform.layers) {
        expect(layer.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+zstd');
        // The reference decoder is the zstd CLI, which decodes every frame of a blob.
        const decoded = await run('sh', ['-c', 'zstd -q -d -c < "$0" | wc -c', blobPath(layout, layer.digest)]);
        expect(layer.uncompressedBytes).toBe(Number(decoded.stdout.trim()));
        expect(['zstd-frame-header', 'stream']).toContain(layer.uncompressedSource);
      }
    }
    // BuildKit declares Frame_Content_Size only for small single-block layers; the big ones stream.
    expect(zstd[0]!.layers.some((l) => l.uncompressedSource === 'zstd-frame-header')).toBe(true);
    // Same content as the gzip build: same tar streams, so the same uncompressed total.
    expect(zstd[0]!.uncompressedBytes).toBe(measures.runtime![0]!.uncompressedBytes);
    expect(zstd[0]!.layers.map((l) => l.dockerfile)).toEqual(measures.runtime![0]!.layers.map((l) => l.dockerfile));
  });
});
