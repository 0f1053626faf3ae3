/**
 * Bake and compose entries end to end with real buildx: a docker-bake.hcl with a variable, an
 * inherited base target and a group of two targets, and a compose.yaml service, each measured
 * equal (sizes, layers) to the same images built from plain budget-file entries. Bad bake input
 * stops `check` with exit 2 before any build, naming the file and the target.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { createMemoryLogger } from '../../../src/logger.js';
import type { Report, ReportEntry } from '../../../src/types.js';
import { runCheck } from '../../../src/run.js';

const DOCKERFILE = `FROM busybox:1.35 AS base
ARG PAYLOAD_LINES=1000
RUN seq 1 "$PAYLOAD_LINES" > /payload

FROM base AS runtime
ARG FLAVOUR=plain
RUN echo "$FLAVOUR" > /flavour && seq 1 5000 > /runtime
`;

const BAKE = `variable "PAYLOAD_LINES" { default = "2000" }
group "default" { targets = ["api", "web"] }
target "_common" {
  dockerfile = "Dockerfile"
  args = { PAYLOAD_LINES = PAYLOAD_LINES }
  labels = { "org.opencontainers.image.vendor" = "acme" }
}
target "api" {
  inherits = ["_common"]
  context = "services/api"
  target = "runtime"
  args = { FLAVOUR = "api" }
}
target "web" {
  inherits = ["_common"]
  context = "services/web"
}
`;

const COMPOSE = `services:
  worker:
    build:
      context: ../services/api
      target: base
      args:
        PAYLOAD_LINES: "7000"
  db:
    image: postgres
`;

// What the bake and compose files define, written as plain entries. PAYLOAD_LINES=3000 is the
// environment's value of the bake variable (set below), not its default.
const PLAIN = `version: 1
images:
  api:
    context: services/api
    target: runtime
    build-args: { PAYLOAD_LINES: "3000", FLAVOUR: api }
    labels: { org.opencontainers.image.vendor: acme }
  web:
    context: services/web
    build-args: { PAYLOAD_LINES: "3000" }
    labels: { org.opencontainers.image.vendor: acme }
  worker:
    context: services/api
    target: base
    build-args: { PAYLOAD_LINES: "7000" }
`;

const FROM_BAKE = `version: 1
images:
  app:
    bake: { file: docker-bake.hcl }
    budget: { max: 50MB }
  worker:
    compose: { file: deploy/compose.yaml, service: worker }
`;

let dir: string;
let plain: Report;
let baked: Report;
const logger = createMemoryLogger();

async function check(config: string): Promise<Report> {
  const result = await runCheck({ configPath: config, workdir: dir, parallel: 2, env: process.env, analyze: false }, logger);
  return result.report;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ib-bake-'));
  for (const service of ['api', 'web']) {
    await mkdir(path.join(dir, 'services', service), { recursive: true });
    await writeFile(path.join(dir, 'services', service, 'Dockerfile'), DOCKERFILE);
  }
  await mkdir(path.join(dir, 'deploy'));
  await writeFile(path.join(dir, 'docker-bake.hcl'), BAKE);
  await writeFile(path.join(dir, 'deploy/compose.yaml'), COMPOSE);
  await writeFile(path.join(dir, 'plain.yml'), PLAIN);
  await writeFile(path.join(dir, 'baked.yml'), FROM_BAKE);
  // A bake variable is read from the environment bake runs in.
  process.env.PAYLOAD_LINES = '3000';
  plain = await check('plain.yml');
  baked = await check('baked.yml');
}, 600_000);

afterAll(async () => {
  delete process.env.PAYLOAD_LINES;
  if (dir) await rm(dir, { recursive: true, force: true });
});

const shape = (entry: ReportEntry | undefined) =>
  entry && {
    target: entry.target,
    status: entry.status,
    compressedBytes: entry.compressedBytes,
    uncompressedBytes: entry.uncompressedBytes,
    layerCount: entry.layerCount,
    layers: entry.layers.map((l) => [l.digest, l.compressedBytes, l.uncompressedBytes]),
  };

describe('bake and compose entries build what their files define', () => {
  test('the group gives one entry per target (<entry>/<target>), the compose service one', () => {
    expect(baked.images.map((e) => [e.name, e.target, e.status])).toEqual([
      ['app/api', 'runtime', 'ok'],
      ['app/web', null, 'ok'],
      ['worker', 'base', 'ok'],
    ]);
  });

  test.each([
    ['app/api', 'api'],
    ['app/web', 'web'],
    ['worker', 'worker'],
  ])('%s measures equal to the plain entry %s: sizes and every layer', (bakedName, plainName) => {
    const fromBake = baked.images.find((e) => e.name === bakedName);
    const fromPlain = plain.images.find((e) => e.name === plainName);
    expect(fromPlain?.status).toBe('ok');
    expect(shape(fromBake)).toEqual(shape(fromPlain));
  });

  test('the variable came from the environment and the arg from inheritance: 3000 lines, not the default 2000', () => {
    const api = baked.images.find((e) => e.name === 'app/api')!;
    // seq 1 3000 is 13893 bytes; the layer holding it is bigger than 2000 lines' 8893.
    expect(api.layers.some((l) => l.uncompressedBytes > 13893 && l.uncompressedBytes < 20000)).toBe(true);
  });

  test('the budget file adds the budget', () => {
    expect(baked.images.find((e) => e.name === 'app/web')?.budget).toMatchObject({ max: { compressed: 50_000_000 } });
  });
});

async function exitOf(budget: string): Promise<{ code: number; stderr: string }> {
  await writeFile(path.join(dir, 'bad.yml'), budget);
  let stderr = '';
  const err = new PassThrough();
  err.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const out = new PassThrough();
  out.resume();
  const code = await main(['check', '--config', 'bad.yml', '--no-analyze'], { stdout: out, stderr: err, cwd: dir, env: process.env });
  return { code, stderr };
}

describe('bad bake input: exit 2 before any build, naming the file and the target', () => {
  test.each([
    [
      1,
      '  x:\n    bake: { file: docker-bake.hcl, target: apii }\n',
      'bad.yml:4:11 images.x.bake: bake file docker-bake.hcl, target `apii` not found (failed to find target apii)',
    ],
    [
      2,
      '  x:\n    compose: { file: deploy/compose.yaml, service: db }\n',
      'bad.yml:4:14 images.x.compose: compose file deploy/compose.yaml, service `db` not found',
    ],
    [
      3,
      '  x:\n    bake: { file: broken.hcl, target: api }\n',
      'bad.yml:4:11 images.x.bake: bake file broken.hcl, target `api`: broken.hcl:1,',
    ],
    [4, '  x:\n    bake: { file: missing.hcl, target: api }\n', 'bad.yml:4:11 images.x.bake: bake file missing.hcl, target `api`:'],
  ])('%i', async (_n, entry, message) => {
    await writeFile(path.join(dir, 'broken.hcl'), 'target "api" {\n');
    const { code, stderr } = await exitOf(`version: 1\nimages:\n${entry}`);
    expect(stderr).toContain(message);
    expect(code).toBe(2);
    expect(stderr).not.toMatch(/docker buildx build/);
  });
});
