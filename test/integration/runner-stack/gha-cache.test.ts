/**
 * The GitHub Actions cache for real: the bundled action runs as on a runner (ACTIONS_RUNTIME_TOKEN,
 * ACTIONS_RESULTS_URL, ACTIONS_CACHE_SERVICE_V2) with a docker-container builder, against a local
 * cache service v2 whose blobs Azurite stores (test/support/fake-actions-cache.ts). The default
 * `cache: auto` exports `type=gha` in one run and a later run, on a builder with an empty cache,
 * imports it: its steps are cache hits. A cache service that answers 429 and then 500 fails
 * neither the build nor the check; a warning says the cache was not saved.
 * Needs buildx >= 0.21 (cache service v2) and the BuildKit image: the matrix's primary part.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Report } from '../../../src/types.js';
import { BUILDKIT_IMAGE, buildxSpeaksGhaV2, hasLocalImage } from '../../support/engine-info.js';
import { startFakeActionsCache, type FakeActionsCache } from '../../support/fake-actions-cache.js';
import { runActionProcess, type ActionRun } from '../../support/run-action.js';

const run = promisify(execFile);
const ENTRY = path.resolve(process.env.IMAGE_BUDGET_ENTRY ?? 'dist/index.js');
const push = JSON.parse(await readFile('test/fixtures/events/push.json', 'utf8')) as unknown;

describe.runIf(buildxSpeaksGhaV2 && hasLocalImage(BUILDKIT_IMAGE))('the GitHub Actions cache (type=gha, cache service v2)', () => {
  const builder = `ib-gha-${process.pid}`;
  let cache: FakeActionsCache;
  let workspace: string;
  const runs: ActionRun[] = [];

  /** A docker-container builder as setup-buildx-action makes it, with an empty cache every time. */
  async function freshBuilder(): Promise<void> {
    await run('docker', ['buildx', 'rm', builder]).catch(() => undefined);
    await run('docker', [
      'buildx',
      'create',
      '--name',
      builder,
      '--driver',
      'docker-container',
      '--driver-opt',
      `image=${BUILDKIT_IMAGE},network=host`,
      '--bootstrap',
    ]);
  }

  async function runAction(): Promise<ActionRun> {
    const result = await runActionProcess({
      entry: ENTRY,
      workspace,
      inputs: { config: 'budget.yml', builder, baseline: 'none', analyze: 'false' },
      eventName: 'push',
      event: push,
      // The CLI config the builder was created in (a runner's is ~/.docker, HOME's).
      env: { ...cache.env, ...(process.env.DOCKER_CONFIG ? { DOCKER_CONFIG: process.env.DOCKER_CONFIG } : {}) },
    });
    runs.push(result);
    return result;
  }

  const everything = (r: ActionRun) => `${r.stdout}\n${r.stderr}`;

  beforeAll(async () => {
    cache = await startFakeActionsCache();
    workspace = await mkdtemp(path.join(os.tmpdir(), 'ib-gha-'));
    await mkdir(path.join(workspace, 'app'));
    // Steps of this run only, so no builder anywhere holds them already.
    const nonce = randomBytes(8).toString('hex');
    await writeFile(
      path.join(workspace, 'app', 'Dockerfile'),
      `FROM busybox:1.35\nRUN head -c 200000 /dev/urandom > /random.bin && echo ${nonce} > /nonce\nRUN echo second > /second\n`,
    );
    await writeFile(path.join(workspace, 'budget.yml'), 'version: 1\nimages:\n  app:\n    context: app\n    budget:\n      max: 10MB\n');
  }, 120_000);

  afterAll(async () => {
    await run('docker', ['buildx', 'rm', builder]).catch(() => undefined);
    await cache?.stop();
    for (const r of runs) await rm(r.runnerDir, { recursive: true, force: true });
    if (workspace) await rm(workspace, { recursive: true, force: true });
  });

  test('one run exports the cache, the next (an empty builder) imports it: its steps are cache hits', async () => {
    await freshBuilder();
    const first = await runAction();
    expect(first.exitCode, everything(first)).toBe(0);
    expect(first.stdout).toContain('exporting to GitHub Actions Cache');
    expect(first.stdout).toMatch(/measured app: 1 platform\(s\), built in [\d.]+s, 0 step\(s\) cached/);
    // What the service holds: layer blobs and the scope's index, every upload finalized.
    const saved = cache.entries();
    expect(saved.filter((e) => e.key.startsWith('buildkit-blob-1-sha256:')).length).toBeGreaterThanOrEqual(2);
    expect(saved.some((e) => e.key.startsWith('index-image-budget-app-default-1-'))).toBe(true);
    expect(saved.every((e) => e.finalized && e.sizeBytes > 0)).toBe(true);

    await freshBuilder();
    const second = await runAction();
    expect(second.exitCode, everything(second)).toBe(0);
    expect(second.stdout).toMatch(/importing cache manifest from gha/);
    // The expensive RUN step comes from the cache this builder never had: the GitHub Actions cache.
    // (The last step was seen rebuilt once in a while with BuildKit v0.26 and mode=max, so only
    // the layers up to the first RUN are compared.)
    expect(second.stdout).toMatch(/#(\d+) \[2\/3\] RUN head -c 200000[^\n]*\n#\1 CACHED/);
    expect(second.stdout).toMatch(/measured app: 1 platform\(s\), built in [\d.]+s, [1-9] step\(s\) cached/);
    const firstReport = JSON.parse(await readFile(first.outputs.report!, 'utf8')) as Report;
    const secondReport = JSON.parse(await readFile(second.outputs.report!, 'utf8')) as Report;
    const firstLayers = (report: Report) => report.images[0]!.layers.slice(0, 2).map((l) => l.digest);
    expect(firstLayers(secondReport)).toEqual(firstLayers(firstReport));

    // The runtime token is a secret: in no output.
    for (const r of [first, second]) expect(everything(r) + r.summary).not.toContain(cache.token);
  });

  test('a cache service answering 429, then 500: the build and the check pass, a warning says the cache was not saved', async () => {
    await writeFile(
      path.join(workspace, 'app', 'Dockerfile'),
      `FROM busybox:1.35\nRUN echo ${randomBytes(8).toString('hex')} > /changed\n`,
    );
    await freshBuilder();
    const before = cache.calls.length;
    cache.failWrites([429, 429, 500]);
    try {
      const failing = await runAction();
      expect(failing.exitCode, everything(failing)).toBe(0);
      expect(failing.outputs['over-budget']).toBe('false');
      expect(cache.calls.slice(before).some((c) => c.startsWith('CreateCacheEntry '))).toBe(true);
      const report = JSON.parse(await readFile(failing.outputs.report!, 'utf8')) as Report;
      expect(report.images[0]).toMatchObject({ name: 'app', status: 'ok' });
      expect(failing.stdout).toMatch(
        /::warning::app: the build cache was not saved \(exporting to GitHub Actions Cache: [^)]+\); the build succeeded, a later run builds without it/,
      );
      expect(everything(failing)).not.toContain(cache.token);
    } finally {
      cache.failWrites(null);
    }
  });
});
