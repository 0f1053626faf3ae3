/**
 * A remote BuildKit, the way build farms scale builds past one machine: the BuildKit image
 * setup-buildx-action starts (moby/buildkit:buildx-stable-1), run as a daemon on
 * tcp://127.0.0.1:PORT and used through buildx's `remote` driver. The stages of a multi-platform
 * image measured there equal what the engine's current builder measures. The container and the
 * builder are removed afterwards.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Report, ReportEntry } from '../../../src/types.js';
import { BUILDKIT_IMAGE, engine, hasLocalImage } from '../../support/engine-info.js';
import { runCli } from '../../support/run-cli.js';

const run = promisify(execFile);
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** A port nothing listens on now (the daemon takes it a moment later). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return port;
}

// Layers whose tar streams are the same whoever builds them: the base's blobs from the registry
// and files copied from the context (their mtimes kept), so every builder's bytes can be compared.
const DOCKERFILE = `FROM busybox:1.35 AS builder
COPY payload.bin /payload.bin
COPY notes.txt /notes.txt

FROM scratch AS runtime
COPY --from=builder /payload.bin /app.bin
COPY --from=builder /bin/busybox /busybox
`;

const BUDGET = `version: 1
images:
  app:
    context: app
    target: runtime
    platforms: [linux/amd64, linux/arm64]
    stages: all
    cache: { mode: off }
    budget:
      max: 50MB
`;

/**
 * What a builder measured, per stage and platform: the layers byte for byte (digests and sizes)
 * and the totals. Compressed totals hold the image config too, whose build timestamps differ from
 * build to build (by a byte or two of fractional seconds): compared as the layers' part and the
 * config's size, the latter within a few bytes.
 */
function sizes(entries: ReportEntry[]) {
  return entries
    .map((e) => {
      const layerBytes = e.layers.reduce((sum, l) => sum + l.compressedBytes, 0);
      return {
        target: e.target,
        kind: e.kind ?? 'target',
        platform: e.platform,
        status: e.status,
        uncompressedBytes: e.uncompressedBytes,
        layerBytes,
        configBytes: e.compressedBytes! - layerBytes,
        layers: e.layers.map((l) => [l.digest, l.compressedBytes, l.uncompressedBytes]),
      };
    })
    .sort((a, b) => `${a.target}/${a.platform}`.localeCompare(`${b.target}/${b.platform}`));
}

describe.runIf(hasLocalImage(BUILDKIT_IMAGE))('a remote BuildKit (buildx `remote` driver)', () => {
  const name = `ib-remote-${process.pid}`;
  let dir: string;
  let started = false;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ib-remote-'));
    await mkdir(path.join(dir, 'app'));
    await writeFile(path.join(dir, 'app', 'Dockerfile'), DOCKERFILE);
    // Content of this run only: BuildKit's cache keys ignore mtimes, so a builder holding the same
    // content from an earlier run would reuse that layer, mtimes and all.
    const nonce = randomBytes(8).toString('hex');
    await writeFile(path.join(dir, 'app', 'payload.bin'), Buffer.alloc(300_000, `remote buildkit ${nonce} `));
    await writeFile(path.join(dir, 'app', 'notes.txt'), `notes ${nonce}\n`.repeat(1000));
    await writeFile(path.join(dir, 'budget.yml'), BUDGET);

    const port = await freePort();
    docker('run', '-d', '--rm', '--privileged', '--network', 'host', '--name', name, BUILDKIT_IMAGE, '--addr', `tcp://127.0.0.1:${port}`);
    started = true;
    docker('buildx', 'create', '--name', name, '--driver', 'remote', `tcp://127.0.0.1:${port}`);
    // The daemon takes a moment to listen: bootstrap, a bounded number of times.
    for (let attempt = 1; ; attempt++) {
      try {
        await run('docker', ['buildx', 'inspect', '--bootstrap', '--builder', name]);
        break;
      } catch (error) {
        if (attempt === 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }, 120_000);

  afterAll(async () => {
    await run('docker', ['buildx', 'rm', name]).catch(() => undefined);
    if (started) await run('docker', ['rm', '-f', name]).catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test(`every stage and platform measures the same as on ${engine.builder} (${engine.driver} driver)`, async () => {
    const remote = await runCli(['check', '--config', 'budget.yml', '--builder', name, '--json', 'remote.json', '--no-analyze'], {
      cwd: dir,
    });
    expect(remote.exitCode, remote.stderr).toBe(0);
    expect(remote.stderr).toContain(`builder "${name}" (driver remote)`);
    const local = await runCli(['check', '--config', 'budget.yml', '--json', 'local.json', '--no-analyze'], { cwd: dir });
    expect(local.exitCode, local.stderr).toBe(0);

    const read = async (file: string) => (JSON.parse(await readFile(path.join(dir, file), 'utf8')) as Report).images;
    const onRemote = sizes(await read('remote.json'));
    // Both stages, both platforms, all measured.
    expect(onRemote.map((e) => `${e.target}/${e.kind}/${e.platform}/${e.status}`)).toEqual([
      'builder/stage/linux/amd64/ok',
      'builder/stage/linux/arm64/ok',
      'runtime/target/linux/amd64/ok',
      'runtime/target/linux/arm64/ok',
    ]);
    expect(onRemote.every((e) => e.uncompressedBytes! > 300_000)).toBe(true);
    const onLocal = sizes(await read('local.json'));
    // On disk, every builder's layers are the same bytes.
    const onDisk = (list: typeof onRemote) =>
      list.map((e) => ({ stage: `${e.target}/${e.kind}/${e.platform}`, bytes: e.uncompressedBytes, layers: e.layers.map((l) => l[2]) }));
    expect(onDisk(onRemote)).toEqual(onDisk(onLocal));
    if (engine.driver !== 'docker') {
      // Compressed too, where both are BuildKit containers pulling the base from the registry
      // (the `docker` driver exports the base image's blobs as its image store holds them).
      const withoutConfig = (list: typeof onRemote) => list.map(({ configBytes: _, ...rest }) => rest);
      expect(withoutConfig(onRemote)).toEqual(withoutConfig(onLocal));
    }
    onRemote.forEach((e, i) => {
      expect(e.configBytes).toBeGreaterThan(200);
      expect(Math.abs(e.configBytes - onLocal[i]!.configBytes)).toBeLessThanOrEqual(8);
    });
  });

  test('the remote builder is used through its endpoint, and the daemon runs as a container here', () => {
    expect(docker('buildx', 'inspect', name)).toMatch(/Driver:\s+remote/);
    expect(docker('ps', '--format', '{{.Names}}').split('\n')).toContain(name);
  });
});
