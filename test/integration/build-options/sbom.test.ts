/**
 * `sbom:` through a real build: BuildKit runs an SBOM generator image and attaches its SPDX
 * document as an attestation manifest of the index, which measuring leaves out. The stock
 * generator (docker/buildkit-syft-scanner, what `sbom: true` runs) is not on this machine and
 * cannot be pulled, so the generator is one built here that follows BuildKit's SBOM generator
 * protocol (it reads $BUILDKIT_SCAN_SOURCE and writes an in-toto SPDX statement to
 * $BUILDKIT_SCAN_DESTINATION), pushed to the local registry and named with `generator=`.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createMemoryLogger } from '../../../src/logger.js';
import { runCheck } from '../../../src/run.js';
import type { Report } from '../../../src/types.js';

const run = promisify(execFile);
const GENERATOR = `localhost:5000/ib-sbom-generator:t${randomBytes(4).toString('hex')}`;
const SPDX = 'https://spdx.dev/Document';

// Counts the files of the scanned root filesystem, so the document says it saw the image.
const SCAN_SCRIPT = `set -eu
files=$(find "$BUILDKIT_SCAN_SOURCE" -type f | wc -l | tr -d ' ')
cat > "$BUILDKIT_SCAN_DESTINATION/sbom.spdx.json" <<EOF
{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"${SPDX}","subject":[],"predicate":{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"ib-test-scan","documentNamespace":"https://image-budget.test/sbom/$files","creationInfo":{"created":"2026-01-01T00:00:00Z","creators":["Tool: ib-test-generator"]},"comment":"ib-test-generator saw $files files"}}
EOF
`;
const GENERATOR_DOCKERFILE = 'FROM busybox:1.35\nCOPY scan.sh /scan.sh\nENTRYPOINT ["/bin/sh", "/scan.sh"]\n';
const PLAIN_DOCKERFILE = 'FROM busybox:1.35\nRUN head -c 40000 /dev/urandom > /data\n';

let dir: string;
let outputDir: string;
let report: Report;

interface Descriptor {
  mediaType?: string;
  digest: string;
  annotations?: Record<string, string>;
}

const blob = (layout: string, digest: string) => path.join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length));
const readJson = async <T>(file: string) => JSON.parse(await readFile(file, 'utf8')) as T;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ib-sbom-'));
  outputDir = path.join(dir, 'out');
  await mkdir(path.join(dir, 'generator'));
  await writeFile(path.join(dir, 'generator', 'scan.sh'), SCAN_SCRIPT);
  await writeFile(path.join(dir, 'generator', 'Dockerfile'), GENERATOR_DOCKERFILE);
  await run('docker', ['buildx', 'build', '--quiet', '--provenance=false', '--push', '-t', GENERATOR, path.join(dir, 'generator')]);
  await mkdir(path.join(dir, 'plain'));
  await writeFile(path.join(dir, 'plain', 'Dockerfile'), PLAIN_DOCKERFILE);
  await writeFile(
    path.join(dir, 'budget.yml'),
    `version: 1\nimages:\n  with-sbom:\n    context: plain\n    sbom: generator=${GENERATOR}\n  plain:\n    context: plain\n`,
  );
  const result = await runCheck(
    { configPath: 'budget.yml', workdir: dir, parallel: 2, env: process.env, outputDir, analyze: false },
    createMemoryLogger(),
  );
  report = result.report;
}, 600_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('sbom attestations are built but never measured', () => {
  test('the image with an SBOM measures as the same image without one', () => {
    const [withSbom, plain] = ['with-sbom', 'plain'].map((name) => report.images.find((e) => e.name === name));
    expect([withSbom?.status, withSbom?.error, plain?.status]).toEqual(['ok', null, 'ok']);
    expect([withSbom?.compressedBytes, withSbom?.uncompressedBytes, withSbom?.layerCount]).toEqual([
      plain?.compressedBytes,
      plain?.uncompressedBytes,
      plain?.layerCount,
    ]);
    expect(withSbom?.layers.map((l) => l.digest)).toEqual(plain?.layers.map((l) => l.digest));
  });

  test('the layout holds the generator’s SPDX document as an attestation manifest beside the image', async () => {
    const layout = path.join(outputDir, 'with-sbom', 'oci');
    const top = await readJson<{ manifests: Descriptor[] }>(path.join(layout, 'index.json'));
    const nested = await readJson<{ manifests: Descriptor[] }>(blob(layout, top.manifests[0]?.digest ?? ''));
    const attestations = nested.manifests.filter((m) => m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest');
    expect(attestations).toHaveLength(1);
    const manifest = await readJson<{ layers: Descriptor[] }>(blob(layout, attestations[0]?.digest ?? ''));
    const spdx = manifest.layers.filter((l) => l.annotations?.['in-toto.io/predicate-type'] === SPDX);
    expect(spdx).toHaveLength(1);
    const statement = await readJson<{ predicate: { comment?: string } }>(blob(layout, spdx[0]?.digest ?? ''));
    expect(statement.predicate.comment).toMatch(/^ib-test-generator saw [1-9]\d* files$/);
  });
});
