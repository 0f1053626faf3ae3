import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { measureRegistryImage } from '../../../src/baseline/registry.js';
import type { RegistryStats } from '../../../src/baseline/registry-client.js';
import { createMemoryLogger } from '../../../src/logger.js';
import type { PlatformMeasure } from '../../../src/measure/types.js';
import { runCheck } from '../../../src/run.js';
import { startRegistryProxy } from './registry-proxy.js';

const REPO = 'ib-baseline-registry';
const TAG = `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const MULTI = `localhost:5000/${REPO}:${TAG}-multi`;
const SINGLE = `localhost:5000/${REPO}:${TAG}-single`;

interface Expected {
  platform: string;
  manifestDigest: string;
  compressedBytes: number;
  uncompressedBytes: number;
  layers: { digest: string; compressedBytes: number; uncompressedBytes: number }[];
}

let context: string;
let platforms: string[] = [];
let expectedMulti: Expected[];
let expectedSingle: Expected[];

function run(command: string, args: string[], cwd?: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}

/** The truth, computed without our code: imagetools for manifests, curl | gzip -dc | wc -c for sizes. */
interface RawIndex {
  manifests?: { digest: string; platform: { os: string; architecture: string } }[];
}
interface RawManifest {
  config: { size: number };
  layers: { digest: string; size: number }[];
}

function computeExpected(ref: string): Expected[] {
  const top = JSON.parse(run('docker', ['buildx', 'imagetools', 'inspect', '--raw', ref])) as RawIndex;
  const children: { digest: string | null; platform: string }[] = top.manifests
    ? top.manifests
        .filter((m) => m.platform.os !== 'unknown')
        .map((m) => ({ digest: m.digest, platform: `${m.platform.os}/${m.platform.architecture}` }))
    : [{ digest: null, platform: 'linux/amd64' }];
  return children.map((child) => {
    const manifestRef = child.digest === null ? ref : `${ref.split(':').slice(0, -1).join(':')}@${child.digest}`;
    const raw = run('docker', ['buildx', 'imagetools', 'inspect', '--raw', manifestRef]);
    const manifest = JSON.parse(raw) as RawManifest;
    const layers = manifest.layers.map((layer) => {
      const url = `http://localhost:5000/v2/${REPO}/blobs/${layer.digest}`;
      const bytes = Number(run('bash', ['-c', `set -o pipefail; curl -sSf '${url}' | gzip -dc | wc -c`]).trim());
      return { digest: layer.digest, compressedBytes: layer.size, uncompressedBytes: bytes };
    });
    return {
      platform: child.platform,
      manifestDigest:
        child.digest ?? `sha256:${run('bash', ['-c', `docker buildx imagetools inspect --raw '${ref}' | sha256sum`]).split(' ')[0]}`,
      compressedBytes: manifest.config.size + layers.reduce((sum, l) => sum + l.compressedBytes, 0),
      uncompressedBytes: layers.reduce((sum, l) => sum + l.uncompressedBytes, 0),
      layers,
    };
  });
}

function summarize(measures: PlatformMeasure[]): Expected[] {
  return measures.map((m) => ({
    platform: m.platform,
    manifestDigest: m.manifestDigest,
    compressedBytes: m.compressedBytes,
    uncompressedBytes: m.uncompressedBytes,
    layers: m.layers.map((l) => ({ digest: l.digest, compressedBytes: l.compressedBytes, uncompressedBytes: l.uncompressedBytes })),
  }));
}

function layerBytes(expected: Expected[]): number {
  return expected.flatMap((e) => e.layers).reduce((sum, l) => sum + l.compressedBytes, 0);
}

beforeAll(() => {
  context = mkdtempSync(path.join(tmpdir(), 'ib-baseline-registry-'));
  // Each layer under ~4 MB compressed, where the gzip trailer alone proves the size.
  writeFileSync(path.join(context, 'random.bin'), randomBytes(2_000_000));
  writeFileSync(path.join(context, 'text.txt'), 'image budget keeps images small\n'.repeat(100_000));
  writeFileSync(path.join(context, 'stamp'), TAG);
  writeFileSync(
    path.join(context, 'Dockerfile'),
    'FROM scratch\nCOPY random.bin /random.bin\nCOPY text.txt /data/text.txt\nCOPY stamp /stamp\nENV A=1\n',
  );
  // FROM scratch + COPY needs no emulation, so arm64 builds even on an amd64-only builder.
  platforms = ['linux/amd64', 'linux/arm64'];
  run(
    'docker',
    ['buildx', 'build', '--quiet', '--platform', platforms.join(','), '--provenance=mode=min', '--push', '-t', MULTI, '.'],
    context,
  );
  run('docker', ['buildx', 'build', '--quiet', '--platform', 'linux/amd64', '--provenance=false', '--push', '-t', SINGLE, '.'], context);
  expectedMulti = computeExpected(MULTI);
  expectedSingle = computeExpected(SINGLE);
});

afterAll(() => {
  if (context) rmSync(context, { recursive: true, force: true });
});

describe('measureRegistryImage', () => {
  test('multi-platform index with provenance: sizes equal imagetools + gzip -dc, attestations skipped, no pull', async () => {
    const stats: RegistryStats = { bytesDownloaded: 0, requests: 0 };
    const measures = await measureRegistryImage(MULTI, { stats });
    expect(expectedMulti.map((e) => e.platform).sort()).toEqual(platforms);
    expect(summarize(measures)).toEqual(expectedMulti);
    for (const measure of measures) {
      expect(measure.layerCount).toBe(3);
      expect(measure.layers.map((l) => l.uncompressedSource)).toEqual(['gzip-trailer', 'gzip-trailer', 'gzip-trailer']);
      expect(measure.layers.map((l) => l.createdBy)).toEqual([
        'COPY random.bin /random.bin # buildkit',
        'COPY text.txt /data/text.txt # buildkit',
        'COPY stamp /stamp # buildkit',
      ]);
      expect(measure.layers.every((l) => l.dockerfile === null)).toBe(true);
      expect(measure.configDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
    const pulled = layerBytes(expectedMulti);
    expect(pulled).toBeGreaterThan(4_000_000);
    expect(stats.bytesDownloaded).toBeLessThan(pulled / 50);
  });

  test('layers whose size the head already measured are not fetched at all', async () => {
    const known = new Map(
      expectedMulti
        .flatMap((e) => e.layers)
        .map((l) => [l.digest, Promise.resolve({ bytes: l.uncompressedBytes, source: 'stream' as const })]),
    );
    const stats: RegistryStats = { bytesDownloaded: 0, requests: 0 };
    const measures = await measureRegistryImage(MULTI, { stats, knownSizes: known });
    expect(summarize(measures)).toEqual(expectedMulti);
    expect(measures.flatMap((m) => m.layers).every((l) => l.uncompressedSource === 'cache')).toBe(true);
    // Only manifests and configs were read: no layer blob byte.
    const unknown: RegistryStats = { bytesDownloaded: 0, requests: 0 };
    await measureRegistryImage(MULTI, { stats: unknown });
    expect(stats.requests).toBeLessThan(unknown.requests);
    expect(stats.bytesDownloaded).toBeLessThan(unknown.bytesDownloaded);
  });

  test('a platform filter measures only that platform', async () => {
    const measures = await measureRegistryImage(MULTI, { platforms: ['linux/arm64/v8'] });
    expect(summarize(measures)).toEqual(expectedMulti.filter((e) => e.platform === 'linux/arm64'));
    await expect(measureRegistryImage(MULTI, { platforms: ['linux/s390x'] })).rejects.toThrow(/no manifest for linux\/s390x/);
  });

  test('a single-platform image (no index) reads its platform from the config', async () => {
    const top = JSON.parse(run('docker', ['buildx', 'imagetools', 'inspect', '--raw', SINGLE])) as RawIndex;
    expect(top.manifests).toBeUndefined();
    expect(summarize(await measureRegistryImage(SINGLE))).toEqual(expectedSingle);
  });

  test('token auth and blobs redirected to another origin; the server saw only a few kB', async () => {
    const proxy = await startRegistryProxy({ requireToken: true, redirectBlobs: false });
    try {
      const stats: RegistryStats = { bytesDownloaded: 0, requests: 0 };
      const measures = await measureRegistryImage(`${proxy.host}/${REPO}:${TAG}-multi`, { stats });
      expect(summarize(measures)).toEqual(expectedMulti);
      expect(proxy.stats.challenges).toBe(1);
      expect(proxy.stats.tokenRequests).toBe(1);
      expect(proxy.stats.rangeRequests).toBeGreaterThanOrEqual(6);
      expect(proxy.stats.bytesServed).toBeLessThan(layerBytes(expectedMulti) / 50);
      expect(stats.bytesDownloaded).toBe(proxy.stats.bytesServed);
    } finally {
      await proxy.close();
    }
    const redirecting = await startRegistryProxy({ requireToken: true, redirectBlobs: true });
    try {
      expect(summarize(await measureRegistryImage(`${redirecting.host}/${REPO}:${TAG}-multi`))).toEqual(expectedMulti);
      expect(redirecting.stats.redirects).toBeGreaterThan(0);
    } finally {
      await redirecting.close();
    }
  });

  test('a server that ignores Range: same sizes, reading only up to what is needed', async () => {
    const proxy = await startRegistryProxy({ ignoreRange: true });
    try {
      const stats: RegistryStats = { bytesDownloaded: 0, requests: 0 };
      const measures = await measureRegistryImage(`${proxy.host}/${REPO}:${TAG}-single`, { stats });
      expect(summarize(measures)).toEqual(expectedSingle);
      // The trailer is at the end: without Range the whole blob has to go by, once per layer.
      expect(stats.bytesDownloaded).toBeGreaterThanOrEqual(layerBytes(expectedSingle));
      expect(stats.bytesDownloaded).toBeLessThan(layerBytes(expectedSingle) * 1.2);
    } finally {
      await proxy.close();
    }
  });

  test('errors name the reference and the status', async () => {
    await expect(measureRegistryImage(`localhost:5000/${REPO}:no-such-tag`)).rejects.toThrow(/manifests\/no-such-tag: HTTP 404/);
    await expect(measureRegistryImage('127.0.0.1:1/x:y')).rejects.toThrow(/GET http:\/\/127\.0\.0\.1:1\/v2\/x\/manifests\/y: fetch failed/);
  });
});

describe('baseline: registry in a check', () => {
  test('no `platforms`: a multi-platform base is read for the platform the head built only; an unreadable base is unavailable, not new', async () => {
    // `multi` is the pushed two-platform index; `absent` was never pushed.
    writeFileSync(path.join(context, 'budget.yml'), 'version: 1\nimages:\n  multi:\n    context: .\n  absent:\n    context: .\n');
    const { report } = await runCheck(
      {
        configPath: 'budget.yml',
        workdir: context,
        parallel: 1,
        env: { PATH: process.env.PATH },
        buildFlags: ['--provenance=false'],
        analyze: false,
        baseline: { mode: 'registry', imageTemplate: `localhost:5000/${REPO}:${TAG}-{image}` },
      },
      createMemoryLogger(),
    );
    const multi = report.images.filter((e) => e.name === 'multi');
    expect(multi).toHaveLength(1);
    expect(platforms).toContain(multi[0]?.platform);
    expect(multi[0]?.change).not.toBe('removed');
    expect(multi[0]?.baseline?.compressedBytes).toBe(expectedMulti.find((e) => e.platform === multi[0]?.platform)?.compressedBytes);
    expect(report.images.filter((e) => e.change === 'removed')).toEqual([]);

    const absent = report.images.filter((e) => e.name === 'absent');
    expect(absent).toHaveLength(1);
    expect(absent[0]?.change).toBeNull();
    expect(absent[0]?.notes?.[0]).toMatch(
      new RegExp(`^baseline unavailable: base image localhost:5000/${REPO}:${TAG}-absent could not be read \\(.*HTTP 404`),
    );
  });
});
