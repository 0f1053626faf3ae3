/**
 * Builds start the buildx plugin binary directly (buildx standalone) when docker says where it
 * is. Checked against the real engine: detection finds the plugin docker itself runs, and the
 * same build started both ways gives the same image on the same builder.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { detectBuildx } from '../../../src/docker/buildx-info.js';
import { buildxLauncher, DOCKER_BUILDX, type BuildxLauncher } from '../../../src/docker/buildx-launcher.js';
import { runBuild } from '../../../src/docker/build.js';
import { planBuild } from '../../../src/plan/plan-builds.js';
import { loadBudgetFile } from '../../../src/config/load-budget-file.js';

const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ib-launcher-'));
  await writeFile(
    path.join(dir, 'Dockerfile'),
    'FROM busybox:1.35 AS builder\nRUN echo launcher > /out.txt\n\nFROM scratch\nCOPY --from=builder /out.txt /\n',
  );
  await writeFile(path.join(dir, 'image-budget.yml'), 'version: 1\nimages:\n  launcher:\n    context: .\n    budget: { max: 1MB }\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('starting buildx', () => {
  test('detection names the plugin binary the docker CLI runs', async () => {
    const { stdout } = await run('docker', ['info', '--format', '{{json .ClientInfo.Plugins}}']);
    const listed = (JSON.parse(stdout) as { Name: string; Path: string }[]).find((p) => p.Name === 'buildx')!.Path;
    const buildx = await detectBuildx();
    expect(buildx.pluginPath).toBe(listed);
    const { stdout: version } = await run(buildx.pluginPath!, ['version']);
    expect(version).toContain('buildx');
  });

  test('the plugin started directly builds the image `docker buildx` builds, on the same builder', async () => {
    const buildx = await detectBuildx();
    const file = await loadBudgetFile(path.join(dir, 'image-budget.yml'), { workdir: dir });
    const image = file.images[0]!;
    const job = (name: string) =>
      planBuild(image, undefined, {
        workDir: path.join(dir, name),
        cache: { buildxVersion: buildx.version, driver: buildx.driver, cacheExport: false, ghaCredentials: false },
      });
    const direct = await runBuild(job('direct'), buildxLauncher(buildx.pluginPath));
    const viaDocker = await runBuild(job('docker'), DOCKER_BUILDX);
    expect(direct.error).toBeNull();
    expect(viaDocker.error).toBeNull();
    expect(direct.log).toContain(`building with "${buildx.builder}" instance using ${buildx.driver} driver`);
    const index = async (name: string) =>
      JSON.parse(await readFile(path.join(dir, name, 'launcher', 'oci', 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    const [a, b] = [await index('direct'), await index('docker')];
    expect(a.manifests[0]!.digest).toMatch(/^sha256:/);
    expect(a.manifests[0]!.digest).toBe(b.manifests[0]!.digest);
  });

  test('the plugin started directly follows the docker context (DOCKER_CONTEXT, or the config’s current one) as `docker buildx` does', async () => {
    const buildx = await detectBuildx();
    const config = path.join(dir, 'docker-config');
    await run('docker', ['context', 'create', 'ib-launcher-ctx', '--docker', 'host=unix:///var/run/docker.sock'], {
      env: { ...process.env, DOCKER_CONFIG: config },
    });
    // A context applies only where DOCKER_HOST is not set (it overrides every context): the
    // contexts are tried without it, the engine's own builder with the environment as it is.
    const { DOCKER_HOST: _, ...withoutHost } = process.env;
    const builderName = async (launcher: BuildxLauncher, env: Record<string, string>) =>
      /^Name:\s+(\S+)/m.exec(
        (
          await run(launcher.command, launcher.args(['buildx', 'inspect']), {
            env: { ...(env.DOCKER_CONFIG ? withoutHost : process.env), ...env },
          })
        ).stdout,
      )?.[1];
    const byEnv = { DOCKER_CONFIG: config, DOCKER_CONTEXT: 'ib-launcher-ctx' };
    expect(await builderName(buildxLauncher(buildx.pluginPath), byEnv)).toBe('ib-launcher-ctx');
    expect(await builderName(DOCKER_BUILDX, byEnv)).toBe('ib-launcher-ctx');
    await run('docker', ['context', 'use', 'ib-launcher-ctx'], { env: { ...process.env, DOCKER_CONFIG: config } });
    expect(await builderName(buildxLauncher(buildx.pluginPath), { DOCKER_CONFIG: config })).toBe('ib-launcher-ctx');
    expect(await builderName(buildxLauncher(buildx.pluginPath), {})).toBe(buildx.builder);
  });
});
