/**
 * The classic image store (a runner's Docker 28 default) with the `docker` driver, which cannot
 * export the OCI images image-budget measures: the run falls back to a temporary docker-container
 * builder, which starts from moby/buildkit:buildx-stable-1 (found locally here, pulled on a
 * runner), builds and measures in the host network (its base image comes from the registry on
 * localhost, as a job's registry service would serve it) and is removed afterwards.
 * Runs in the matrix's classic-store part (scripts/test-matrix.sh); skipped on other engines.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Report } from '../../../src/types.js';
import { BUILDKIT_IMAGE, engine, hasLocalImage } from '../../support/engine-info.js';
import { runCli } from '../../support/run-cli.js';

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe.runIf(engine.store === 'classic' && engine.driver === 'docker')('classic image store, docker driver', () => {
  const base = `localhost:5000/ib-classic-base:${process.pid}`;
  let dir: string;
  let baseLayer: string;

  beforeAll(async () => {
    expect(hasLocalImage(BUILDKIT_IMAGE), `${BUILDKIT_IMAGE} is on this engine, so the builder starts without a pull`).toBe(true);
    dir = await mkdtemp(path.join(os.tmpdir(), 'ib-classic-'));
    // A base image only the registry on localhost has.
    docker('tag', 'busybox:1.35', base);
    docker('push', '-q', base);
    docker('image', 'rm', base);
    const manifest = JSON.parse(docker('buildx', 'imagetools', 'inspect', '--raw', base)) as { layers: { digest: string }[] };
    baseLayer = manifest.layers[0]!.digest;
    await mkdir(path.join(dir, 'app'));
    await writeFile(path.join(dir, 'app', 'Dockerfile'), `FROM ${base}\nRUN head -c 100000 /dev/urandom > /blob\n`);
    await writeFile(path.join(dir, 'budget.yml'), 'version: 1\nimages:\n  app:\n    context: app\n    budget:\n      max: 10MB\n');
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a temporary docker-container builder builds and measures, then is removed', async () => {
    const run = await runCli(['check', '--config', 'budget.yml', '--json', 'report.json', '--no-analyze'], {
      cwd: dir,
      env: { ...process.env, BUILDX_BUILDER: 'default' },
    });
    expect(run.exitCode, run.stderr).toBe(0);
    const name = /temporary docker-container builder "(image-budget-[0-9a-f]{8})"/.exec(run.stderr)?.[1];
    expect(name, run.stderr).toBeDefined();
    expect(run.stderr).toContain('warning: builder "default" uses the docker driver on the classic image store');
    expect(run.stderr).toContain(`builder "${name}" (driver docker-container)`);

    const report = JSON.parse(await readFile(path.join(dir, 'report.json'), 'utf8')) as Report;
    expect(report.images).toHaveLength(1);
    const [entry] = report.images;
    expect(entry).toMatchObject({ name: 'app', status: 'ok', layerCount: 2, error: null });
    // The base layer is the registry's blob, pulled from localhost:5000 by the builder.
    expect(entry!.layers[0]!.digest).toBe(baseLayer);
    expect(entry!.uncompressedBytes).toBeGreaterThan(100_000);
    expect(entry!.compressedBytes).toBeGreaterThan(100_000);

    // Gone: buildx no longer knows it, and its BuildKit container is removed.
    expect(() => docker('buildx', 'inspect', name!)).toThrow(/no builder/);
    expect(docker('ps', '-a', '--format', '{{.Names}}').split('\n')).not.toContain(`buildx_buildkit_${name}0`);
  });
});
