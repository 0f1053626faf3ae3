/**
 * The whole pipeline through runCheck (plan → buildx → OCI layouts → measure → report), not
 * hand-made layouts: a multi-stage Dockerfile, two targets, linux/amd64 + linux/arm64, provenance
 * attestations on (mode=max). Every report entry is checked against the build's own output read
 * here without our code: JSON manifests from the layout and `gzip -dc | wc -c` of each layer.
 * (test/integration/measure/ checks measureOciLayout against the registry copy.)
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createMemoryLogger } from '../../../src/logger.js';
import type { Report, ReportEntry } from '../../../src/types.js';
import { runCheck } from '../../../src/run.js';
import semver from 'semver';
import { engine } from '../../support/engine-info.js';

const run = promisify(execFile);

const DOCKERFILE = `FROM busybox:1.35 AS builder
RUN head -c 300000 /dev/urandom > /toolchain.bin && seq 1 20000 > /build.log
RUN head -c 100000 /dev/urandom > /app

FROM busybox:1.35 AS runtime
COPY --from=builder /app /app
CMD ["/app"]
`;
const BUDGET = `version: 1
images:
  pipeline:
    context: .
    targets: [builder, runtime]
    platforms: [linux/amd64, linux/arm64]
    budget:
      max: 50MB
`;

let dir: string;
let outputDir: string;
let report: Report;

interface Descriptor {
  digest: string;
  size: number;
  mediaType: string;
  platform?: { os: string; architecture: string };
  annotations?: Record<string, string>;
}

const blob = (digest: string) => path.join(outputDir, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));
const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(file, 'utf8')) as T;

async function gunzippedBytes(digest: string): Promise<number> {
  const { stdout } = await run('sh', ['-c', 'gzip -dc < "$1" | wc -c', 'sh', blob(digest)]);
  return Number(stdout.trim());
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ib-pipeline-'));
  outputDir = path.join(dir, 'out');
  await writeFile(path.join(dir, 'Dockerfile'), DOCKERFILE);
  await writeFile(path.join(dir, 'budget.yml'), BUDGET);
  const result = await runCheck(
    {
      configPath: 'budget.yml',
      workdir: dir,
      parallel: 2,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      buildFlags: ['--provenance=mode=max'],
      outputDir,
      analyze: false,
    },
    createMemoryLogger(),
  );
  report = result.report;
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('runCheck: two targets × two platforms, provenance on', () => {
  test('exactly four entries, one per target and platform: attestations are not entries', async () => {
    expect(report.images.map((e) => [e.name, e.target, e.platform, e.status])).toEqual([
      ['pipeline', 'builder', 'linux/amd64', 'ok'],
      ['pipeline', 'builder', 'linux/arm64', 'ok'],
      ['pipeline', 'runtime', 'linux/amd64', 'ok'],
      ['pipeline', 'runtime', 'linux/arm64', 'ok'],
    ]);
    // The layouts really hold attestation manifests (one per platform, per target).
    for (const target of ['builder', 'runtime']) {
      const top = await readJson<{ manifests: Descriptor[] }>(path.join(outputDir, `pipeline_${target}`, 'oci', 'index.json'));
      const nested = await readJson<{ manifests: Descriptor[] }>(blob(top.manifests[0]!.digest));
      const attestations = nested.manifests.filter((m) => m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest');
      expect(attestations).toHaveLength(2);
      expect(
        nested.manifests
          .filter((m) => m.platform?.os === 'linux')
          .map((m) => m.digest)
          .sort(),
      ).toEqual(
        report.images
          .filter((e) => e.target === target)
          .map((e) => e.manifestDigest)
          .sort(),
      );
    }
  });

  test.each([
    ['builder', 'linux/amd64'],
    ['builder', 'linux/arm64'],
    ['runtime', 'linux/amd64'],
    ['runtime', 'linux/arm64'],
  ])('%s %s: compressed = config + layers of its manifest, uncompressed = gzip -dc of every layer', async (target, platform) => {
    const entry = report.images.find((e) => e.target === target && e.platform === platform) as ReportEntry;
    const manifest = await readJson<{ config: Descriptor; layers: Descriptor[] }>(blob(entry.manifestDigest!));
    expect(entry.compressedBytes).toBe(manifest.config.size + manifest.layers.reduce((sum, l) => sum + l.size, 0));
    expect(entry.layerCount).toBe(manifest.layers.length);
    expect(entry.layers.map((l) => [l.digest, l.compressedBytes])).toEqual(manifest.layers.map((l) => [l.digest, l.size]));
    let total = 0;
    for (const [i, layer] of manifest.layers.entries()) {
      const bytes = await gunzippedBytes(layer.digest);
      expect(entry.layers[i]!.uncompressedBytes).toBe(bytes);
      total += bytes;
    }
    expect(entry.uncompressedBytes).toBe(total);
  });

  test('imageDigest: the index buildx reported and the layout holds, shared by the platforms of a target', async () => {
    for (const target of ['builder', 'runtime']) {
      const top = await readJson<{ manifests: Descriptor[] }>(path.join(outputDir, `pipeline_${target}`, 'oci', 'index.json'));
      const metadata = await readJson<Record<string, string>>(path.join(outputDir, `pipeline_${target}`, 'metadata.json'));
      expect(top.manifests[0]!.mediaType).toBe('application/vnd.oci.image.index.v1+json');
      const digests = report.images.filter((e) => e.target === target).map((e) => e.imageDigest);
      expect(digests).toEqual([top.manifests[0]!.digest, top.manifests[0]!.digest]);
      expect(metadata['containerimage.digest']).toBe(top.manifests[0]!.digest);
    }
  });

  test('the targets differ where the Dockerfile says: the builder carries the toolchain layer', () => {
    const size = (target: string) => report.images.find((e) => e.target === target && e.platform === 'linux/amd64')!.uncompressedBytes!;
    expect(size('builder') - size('runtime')).toBeGreaterThan(300_000);
  });
});

// The fixture needs buildx 0.13 (the matrix's Docker 26 part), whose --load beside the OCI output
// leaves the layout without the image it names; buildx 0.29 writes both exports whole.
describe.runIf(semver.lt(engine.buildxVersion, '0.14.0'))('runCheck: a layout that does not hold what the build reports', () => {
  test('a second exporter (--load) in the build flags: the entry is an error saying so, not another image measured', async () => {
    const out = path.join(dir, 'out-load');
    await writeFile(path.join(dir, 'single.yml'), 'version: 1\nimages:\n  pipeline:\n    context: .\n    target: runtime\n');
    const { report: loaded } = await runCheck(
      {
        configPath: 'single.yml',
        workdir: dir,
        parallel: 1,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, BUILDX_BUILDER: 'default' },
        buildFlags: ['--provenance=false', '--load', '-t', 'ib-pipeline-load:metadata-check'],
        outputDir: out,
        analyze: false,
      },
      createMemoryLogger(),
    );
    const metadata = await readJson<Record<string, string>>(path.join(out, 'pipeline_runtime', 'metadata.json'));
    expect(loaded.images).toHaveLength(1);
    expect(loaded.images[0]!.status).toBe('error');
    expect(loaded.images[0]!.error).toContain(
      `does not hold the image this build produced: the blob of ${metadata['containerimage.digest']} (named by buildx and by index.json) is missing`,
    );
    await run('docker', ['image', 'rm', 'ib-pipeline-load:metadata-check']).catch(() => undefined);
  });
});
