/**
 * Images built elsewhere, measured with no build: an image pushed by plain `docker buildx build
 * --push`, by tag and by digest; the same build as an OCI layout directory and tar; an image in
 * the docker image store. Each is measured through runCheck and must equal what image-budget's
 * own build path measures for the same Dockerfile. Then the bad input: each its image's error,
 * the others measured.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createMemoryLogger } from '../../../src/logger.js';
import type { Report } from '../../../src/types.js';
import { runCheck, type CheckOptions } from '../../../src/run.js';
import { exportLayout, PLATFORMS, pushImage, REPO, run, sizesOf, uniqueTag, writeContext, type Pushed } from './fixture.js';

const TAG = uniqueTag();
const REF = `localhost:5000/${REPO}:${TAG}`;
let dir: string;
let pushed: Pushed;
let built: Report;

async function check(budget: string, options: Partial<CheckOptions> = {}) {
  await writeFile(path.join(dir, 'budget.yml'), budget);
  const logger = createMemoryLogger();
  const result = await runCheck(
    { configPath: 'budget.yml', workdir: dir, parallel: 2, env: { PATH: process.env.PATH, HOME: process.env.HOME }, ...options },
    logger,
  );
  return { report: result.report, lines: logger.lines };
}

/** No build ran: no "building" progress line, no buildx log group, and the count says 0 builds. */
function expectNoBuild(lines: string[]): void {
  expect(lines.filter((line) => /building |docker buildx|buildx build/.test(line))).toEqual([]);
  expect(lines.some((line) => /: \d+ image\(s\), 0 build\(s\), \d+ given image\(s\) measured without a build$/.test(line))).toBe(true);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ib-given-'));
  await writeContext(dir, TAG);
  pushed = await pushImage(dir, REF);
  await exportLayout(dir, path.join(dir, 'out', 'layout'), false);
  await exportLayout(dir, path.join(dir, 'out', 'image.tar'), true);
  // image-budget's own build of the same Dockerfile, on the same builder: the sizes to match.
  built = (
    await check(`version: 1
images:
  built:
    context: .
    platforms: [${PLATFORMS.join(', ')}]
`)
  ).report;
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('given images measure as the build path does, with no build', () => {
  let given: { report: Report; lines: string[] };
  beforeAll(async () => {
    given = await check(`version: 1
images:
  by-tag:
    image: ${REF}
    dockerfile: Dockerfile
  by-digest:
    image: localhost:5000/${REPO}@${pushed.digest}
    dockerfile: Dockerfile
  layout-dir:
    image: oci-layout://out/layout
    dockerfile: Dockerfile
  layout-tar:
    image: oci-layout://out/image.tar
    dockerfile: Dockerfile
  arm-only:
    image: ${REF}
    platforms: [linux/arm64]
`);
  });

  test('every entry measured, one per platform, attestations excluded', () => {
    expect(given.report.images.map((e) => [e.name, e.platform, e.status, e.error])).toEqual([
      ...['by-tag', 'by-digest', 'layout-dir', 'layout-tar'].flatMap((name) => PLATFORMS.map((p) => [name, p, 'ok', null])),
      ['arm-only', 'linux/arm64', 'ok', null],
    ]);
    expectNoBuild(given.lines);
  });

  test.each(['by-tag', 'by-digest', 'layout-dir', 'layout-tar', 'arm-only'])(
    '%s: sizes, layers and Dockerfile lines equal the build path',
    (name) => {
      const ours = given.report.images.filter((e) => e.name === name);
      for (const entry of ours) {
        const reference = sizesOf(built.images.find((e) => e.platform === entry.platform));
        const measured = sizesOf(entry);
        if (name === 'arm-only') {
          // No dockerfile on this entry: only the history text, no lines.
          expect(measured.layers.every((l) => l.dockerfile === null)).toBe(true);
          expect({ ...measured, layers: measured.layers.map((l) => ({ ...l, dockerfile: null })) }).toEqual({
            ...reference,
            layers: reference.layers.map((l) => ({ ...l, dockerfile: null })),
          });
        } else {
          expect(measured).toEqual(reference);
        }
        expect(reference.layers.map((l) => l.dockerfile?.line)).toEqual([2, 3, 4]);
        expect(reference.compressedBytes).toBeGreaterThan(1_500_000);
      }
    },
  );

  test('the layer analysis runs on given images as on built ones', () => {
    for (const entry of given.report.images) {
      const twin = built.images.find((e) => e.platform === entry.platform)!;
      expect(entry.analysis?.efficiency).toBeDefined();
      expect(entry.analysis?.efficiency).toBe(twin.analysis?.efficiency);
    }
  });

  test('the digest is the image digest of the entry measured by reference', () => {
    for (const entry of given.report.images.filter((e) => e.name === 'by-tag' || e.name === 'by-digest')) {
      expect(entry.imageDigest).toBe(pushed.digest);
    }
  });
});

describe('the docker image store', () => {
  const LOCAL = `ib-given-local:${TAG}`;
  let localDir: string;
  beforeAll(async () => {
    localDir = path.join(dir, 'local');
    await writeContext(localDir, `${TAG}-local`);
    // build-push-action's `load: true` on the docker driver (containerd image store).
    await run('docker', ['buildx', 'build', '--builder', 'default', '--quiet', '--load', '-t', LOCAL, '.'], localDir, {
      ...process.env,
      BUILDX_NO_DEFAULT_ATTESTATIONS: '1',
    });
  });
  afterAll(async () => {
    await run('docker', ['image', 'rm', LOCAL]).catch(() => undefined);
  });

  test('docker-daemon:// measures the stored image as the build path on that builder does', async () => {
    await writeFile(
      path.join(dir, 'local.yml'),
      `version: 1\nimages:\n  stored:\n    image: docker-daemon://${LOCAL}\n    dockerfile: local/Dockerfile\n`,
    );
    await writeFile(path.join(dir, 'local-built.yml'), 'version: 1\nimages:\n  stored:\n    context: local\n');
    const logger = createMemoryLogger();
    const env = { PATH: process.env.PATH, HOME: process.env.HOME };
    const given = await runCheck({ configPath: 'local.yml', workdir: dir, parallel: 1, env }, logger);
    expectNoBuild(logger.lines);
    const reference = await runCheck(
      { configPath: 'local-built.yml', workdir: dir, parallel: 1, builder: 'default', env },
      createMemoryLogger(),
    );
    expect(given.report.images.map((e) => [e.name, e.status, e.error])).toEqual([['stored', 'ok', null]]);
    expect(sizesOf(given.report.images[0])).toEqual(sizesOf(reference.report.images[0]));
  });
});
