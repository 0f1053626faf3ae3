/**
 * The job's builds through one `docker buildx bake` against one `docker buildx build` per build,
 * through runCheck on the real builder: the same entries, sizes, layers and digests; bake's
 * layouts checked against the metadata it wrote; a failing image reported for itself while every
 * other image is still measured; a secret's value in no log.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createMemoryLogger } from '../../../src/logger.js';
import { runCheck } from '../../../src/run.js';
import type { Report } from '../../../src/types.js';

const SECRET = 'bake-batch-secret-value-7d1e';

const MULTI_STAGE = (payload: number) => `FROM busybox:1.35 AS builder
RUN head -c ${payload} /dev/urandom > /toolchain.bin && seq 1 20000 > /build.log
RUN head -c ${payload / 2} /dev/urandom > /app

FROM busybox:1.35 AS runtime
COPY --from=builder /app /app
CMD ["/app"]
`;
const WITH_SECRET = `FROM busybox:1.35
ARG NONCE
RUN --mount=type=secret,id=tok cat /run/secrets/tok && echo "$NONCE" && head -c 50000 /dev/urandom > /blob
`;
const FAILING = `FROM busybox:1.35
RUN echo bake-batch-broken-step && exit 3
`;

const budget = (images: string[]) => `version: 1\nimages:\n${images.join('')}`;
const ENTRIES = {
  api: '  api:\n    context: api\n    targets: [builder, runtime]\n    budget:\n      max: 50MB\n',
  web: '  web:\n    context: web\n    targets: [builder, runtime]\n    budget:\n      max: 50MB\n',
  secret: '  secret:\n    context: secret\n    secrets: ["id=tok,env=IB_BAKE_BATCH_SECRET"]\n    budget:\n      max: 50MB\n',
  broken: '  broken:\n    context: broken\n    budget:\n      max: 50MB\n',
};

let dir: string;

async function check(config: string, bake: boolean) {
  // As `--verbose` does: every build line streamed, named by its job.
  const streamed: string[] = [];
  const logger = { ...createMemoryLogger(), buildLine: (job: string, line: string) => streamed.push(`${job} | ${line}`) };
  const outputDir = path.join(dir, `out-${config}-${String(bake)}`);
  const result = await runCheck(
    {
      configPath: config,
      workdir: dir,
      parallel: 2,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, IB_BAKE_BATCH_SECRET: SECRET },
      outputDir,
      analyze: false,
      bake,
    },
    logger,
  );
  return { report: result.report, log: logger.lines.join('\n'), outputDir, streamed };
}

/** What must be the same whichever way an image was built. */
const measured = (report: Report) =>
  report.images.map((e) => ({
    name: e.name,
    target: e.target,
    platform: e.platform,
    status: e.status,
    compressed: e.compressedBytes,
    uncompressed: e.uncompressedBytes,
    layers: e.layers.map((l) => [l.digest, l.compressedBytes, l.uncompressedBytes]),
    manifest: e.manifestDigest,
    image: e.imageDigest,
  }));

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ib-bake-batch-'));
  process.env.IB_BAKE_BATCH_SECRET = SECRET;
  const files: Record<string, string> = {
    'api/Dockerfile': MULTI_STAGE(200000),
    'web/Dockerfile': MULTI_STAGE(120000),
    'secret/Dockerfile': WITH_SECRET,
    'broken/Dockerfile': FAILING,
    'good.yml': budget([ENTRIES.api, ENTRIES.web, ENTRIES.secret]),
    'with-broken.yml': budget([ENTRIES.api, ENTRIES.broken, ENTRIES.web]),
    // A step never built before: it runs, and prints the secret.
    'fresh-secret.yml': budget([ENTRIES.api, `${ENTRIES.secret}    build-args: { NONCE: "${String(Date.now())}" }\n`]),
  };
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
});

afterAll(async () => {
  delete process.env.IB_BAKE_BATCH_SECRET;
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('one bake for the job', () => {
  test('the same entries, sizes, layers and digests as one build per image; layouts match the metadata', async () => {
    // Per image first: bake's builds are then cache hits and make the same layers.
    const solo = await check('good.yml', false);
    const baked = await check('good.yml', true);
    expect(solo.log).not.toMatch(/in one docker buildx bake/);
    expect(baked.log).toMatch(
      /progress: building 5 job\(s\) in one docker buildx bake: api:builder, api:runtime, web:builder, web:runtime, secret/,
    );
    expect(baked.log).toMatch(/progress: \[\d\/5\] built web:runtime/);
    expect(measured(baked.report)).toEqual(measured(solo.report));
    expect(baked.report.images.map((e) => [e.name, e.target, e.status])).toEqual([
      ['api', 'builder', 'ok'],
      ['api', 'runtime', 'ok'],
      ['web', 'builder', 'ok'],
      ['web', 'runtime', 'ok'],
      ['secret', null, 'ok'],
    ]);
    // Each build's metadata file is its own bake entry, naming the image its layout holds.
    for (const job of ['api_builder', 'web_runtime', 'secret']) {
      const metadata = JSON.parse(await readFile(path.join(baked.outputDir, job, 'metadata.json'), 'utf8')) as Record<string, string>;
      const index = JSON.parse(await readFile(path.join(baked.outputDir, job, 'oci', 'index.json'), 'utf8')) as {
        manifests: { digest: string }[];
      };
      expect(index.manifests.map((m) => m.digest)).toEqual([metadata['containerimage.digest']]);
    }
    // A build's log group holds its own steps as its own build would print them (a step two
    // targets share is printed once, under the target bake ran it for), never another image's.
    const groups = baked.log.split('\ngroup: ').filter((g) => /^docker buildx bake web:(builder|runtime) — done/.test(g));
    expect(groups).toHaveLength(2);
    expect(groups.join('\n')).toMatch(/\n#\d+ \[builder \d\/3\] RUN head -c 120000|\n#\d+ \[\d\/3\] RUN head -c 120000/);
    expect(groups.join('\n')).toMatch(/\n#\d+ exporting to oci image format/);
    expect(groups.join('\n')).not.toMatch(/head -c 200000/);
    // Streamed as it happens, each line under its build (bake's own lines under `bake`).
    expect(baked.streamed).toContainEqual(expect.stringMatching(/^web:(builder|runtime) \| #\d+ \[(builder )?\d\/3\] RUN head -c 120000/));
    expect(baked.streamed).toContainEqual(expect.stringMatching(/^secret \| #\d+ exporting to oci image format$/));
    expect(baked.streamed).toContainEqual(expect.stringMatching(/^bake \| /));
    for (const { log, streamed } of [solo, baked]) {
      expect(log).not.toContain(SECRET);
      expect(streamed.join('\n')).not.toContain(SECRET);
    }
  });

  test('a secret a build prints is redacted in the streamed lines and the log', async () => {
    const baked = await check('fresh-secret.yml', true);
    expect(baked.log).toMatch(/in one docker buildx bake: api:builder, api:runtime, secret/);
    expect(baked.streamed).toContainEqual(expect.stringMatching(/^secret \| #\d+ \d+\.\d+ \*\*\*/));
    expect(baked.streamed.join('\n')).not.toContain(SECRET);
    expect(baked.log).not.toContain(SECRET);
    expect(baked.report.images.find((e) => e.name === 'secret')?.status).toBe('ok');
  });

  test('a failing image is reported for itself; every other image is still measured', async () => {
    const baked = await check('with-broken.yml', true);
    expect(baked.log).toMatch(/docker buildx bake failed: each of its builds runs again on its own/);
    expect(baked.report.images.map((e) => [e.name, e.target, e.status])).toEqual([
      ['api', 'builder', 'ok'],
      ['api', 'runtime', 'ok'],
      ['broken', null, 'error'],
      ['web', 'builder', 'ok'],
      ['web', 'runtime', 'ok'],
    ]);
    const broken = baked.report.images.find((e) => e.name === 'broken');
    expect(broken?.error).toMatch(/exit code: 3/);
    for (const entry of baked.report.images.filter((e) => e.name !== 'broken')) {
      expect(entry.error).toBeNull();
      expect(entry.compressedBytes).toBeGreaterThan(0);
    }
    // The others' errors do not mention the broken image.
    expect(baked.log).toMatch(/error: build of broken failed/);
    expect(baked.log).not.toMatch(/error: build of (api|web)/);
  });
});
