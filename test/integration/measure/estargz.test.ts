/**
 * eStargz layers, as buildx writes them: media type still `tar+gzip`, but many gzip members
 * ending with a 51-byte footer member whose ISIZE is 0. Measured from an OCI layout and from
 * the registry, against `gzip -dc | wc -c` (which, like Node's gunzip, reads every member).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { measureRegistryImage } from '../../../src/baseline/registry.js';
import { blobPath, fileBlobReader, measureOciLayout } from '../../../src/measure/measure-layout.js';
import type { OciIndex, OciManifest } from '../../../src/measure/oci-manifests.js';
import { ESTARGZ_UNCOMPRESSED_SIZE_ANNOTATION, STARGZ_TOC_DIGEST_ANNOTATION } from '../../../src/measure/stargz.js';
import type { PlatformMeasure } from '../../../src/measure/types.js';
import { measureUncompressedSize } from '../../../src/measure/uncompressed-size.js';
import { estargzExportWorks } from '../../support/engine-info.js';

const run = promisify(execFile);
const REF = `localhost:5000/ib-measure-estargz:t${process.pid}-${randomBytes(3).toString('hex')}`;
const ESTARGZ = 'compression=estargz,force-compression=true,oci-mediatypes=true';
// Small layers (well under ~4.16 MB compressed), where the trailer would otherwise be trusted.
const DOCKERFILE = `FROM busybox:1.35
RUN head -c 300000 /dev/urandom > /random.bin && seq 1 50000 > /numbers.txt
`;

let workDir: string;
let layout: string;
let measures: PlatformMeasure[];
let manifest: OciManifest;

async function gzipDecompressedBytes(path: string): Promise<number> {
  const { stdout } = await run('sh', ['-c', 'gzip -dc < "$1" | wc -c', 'sh', path]);
  return Number(stdout.trim());
}

beforeAll(async () => {
  if (!estargzExportWorks) return;
  workDir = await mkdtemp(join(tmpdir(), 'ib-measure-estargz-'));
  layout = join(workDir, 'oci');
  await writeFile(join(workDir, 'Dockerfile'), DOCKERFILE);
  const build = (output: string) =>
    run('docker', ['buildx', 'build', '--progress=plain', '--provenance=false', '--output', output, workDir]);
  await build(`type=oci,dest=${layout},tar=false,${ESTARGZ}`);
  await build(`type=image,name=${REF},push=true,${ESTARGZ}`);
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as OciIndex;
  manifest = JSON.parse(await readFile(blobPath(layout, index.manifests[0]!.digest), 'utf8')) as OciManifest;
  measures = await measureOciLayout(layout);
});

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
  // The image exporter also stored the pushed image in the engine: do not leave one per run.
  await run('docker', ['image', 'rm', REF]).catch(() => undefined);
});

// Where eStargz export works here: Docker 26's `docker` driver. The Debian build of Docker 28 and
// the docker-container builder's BuildKit v0.26 (built from source) panic writing an eStargz
// footer ("footer buffer = 48, not 51"), which takes dockerd or the builder down with every build
// on it: the matrix runs these tests in its Docker 26 part.
describe.runIf(estargzExportWorks)('eStargz layers', () => {
  test('the build really wrote eStargz: tar+gzip media type, stargz annotations, trailer ISIZE 0', async () => {
    expect(manifest.layers.length).toBe(2);
    for (const layer of manifest.layers) {
      expect(layer.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip');
      expect(layer.annotations?.[STARGZ_TOC_DIGEST_ANNOTATION]).toMatch(/^sha256:/);
      const blob = await readFile(blobPath(layout, layer.digest));
      expect(blob.readUInt32LE(blob.length - 4)).toBe(0);
    }
  });

  test('OCI layout: every layer equals gzip -dc | wc -c (all members), streamed', async () => {
    const [image] = measures;
    let total = 0;
    for (const layer of image!.layers) {
      const truth = await gzipDecompressedBytes(blobPath(layout, layer.digest));
      expect(truth).toBeGreaterThan(1024);
      expect(layer.uncompressedBytes).toBe(truth);
      expect(layer.uncompressedSource).toBe('stream');
      // The producer's own figure agrees (checked here only; the code does not rely on it).
      const declared = manifest.layers.find((l) => l.digest === layer.digest)!.annotations![ESTARGZ_UNCOMPRESSED_SIZE_ANNOTATION];
      expect(Number(declared)).toBe(truth);
      total += truth;
    }
    expect(image!.uncompressedBytes).toBe(total);
  });

  test('without the annotations the footer alone gives it away', async () => {
    for (const layer of manifest.layers) {
      const blob = fileBlobReader(layout, layer.digest, layer.size);
      const measured = await measureUncompressedSize(blob, layer.mediaType);
      expect(measured).toEqual({
        bytes: await gzipDecompressedBytes(blobPath(layout, layer.digest)),
        source: 'stream',
        why: 'eStargz footer: many gzip members',
      });
    }
  });

  test('registry baseline: the same judgement over HTTP range reads gives the same sizes', async () => {
    const fromRegistry = await measureRegistryImage(REF);
    expect(fromRegistry).toHaveLength(1);
    expect(fromRegistry[0]!.layers.map((l) => [l.digest, l.uncompressedBytes, l.uncompressedSource])).toEqual(
      measures[0]!.layers.map((l) => [l.digest, l.uncompressedBytes, 'stream']),
    );
    expect(fromRegistry[0]!.uncompressedBytes).toBe(measures[0]!.uncompressedBytes);
  });
});
