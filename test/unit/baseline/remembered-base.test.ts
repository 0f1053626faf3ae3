import { mkdtemp, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { readBuildSources, staleSources } from '../../../src/sources/build-sources.js';
import {
  decodeRememberedBase,
  encodeRememberedBase,
  pruneRemembered,
  recallBase,
  rememberBase,
  rememberedBaseKey,
  type BuilderIdentity,
  type RememberedBaseKeyInput,
} from '../../../src/sources/remembered-base.js';
import type { SizedEntry } from '../../../src/types.js';

const COMMIT = '1234567890abcdef1234567890abcdef12345678';
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const BUSYBOX = 'docker.io/library/busybox:1.35';

// As BuildKit prints a cached build (buildx 0.13, docker driver, --progress=plain).
const CACHED_LOG = `#0 building with "default" instance using docker driver

#1 [internal] load build definition from Dockerfile
#1 transferring dockerfile: 753B done
#1 DONE 0.0s

#2 [internal] load metadata for ${BUSYBOX}
#2 DONE 0.0s

#4 [builder 1/5] FROM ${BUSYBOX}@${D1}
#4 resolve ${BUSYBOX}@${D1} 0.0s done
#4 DONE 0.0s

#6 [builder 2/5] WORKDIR /src
#6 CACHED
`;

describe('readBuildSources: the images a build resolved, from its log', () => {
  test('a FROM resolved to a digest', () => {
    expect(readBuildSources(CACHED_LOG)).toEqual({ resolved: [`${BUSYBOX}@${D1}`], unpinned: null });
  });

  test('per platform, COPY --from an image, and the # syntax frontend; repeats once', () => {
    const log = [
      `#2 [linux/arm64 internal] load metadata for ${BUSYBOX}`,
      `#3 [linux/amd64 internal] load metadata for ${BUSYBOX}`,
      `#5 [linux/amd64 builder 1/5] FROM ${BUSYBOX}@${D1}`,
      `#6 [linux/arm64 builder 1/5] FROM ${BUSYBOX}@${D2}`,
      `#6 [linux/arm64 builder 1/5] FROM ${BUSYBOX}@${D2}`,
      '#7 [internal] load metadata for docker.io/library/alpine:3.20',
      `#8 FROM docker.io/library/alpine:3.20@${D1}`,
      '#1 resolve image config for docker-image://docker.io/docker/dockerfile:1',
      `#2 docker-image://docker.io/docker/dockerfile:1@${D2}`,
    ].join('\n');
    expect(readBuildSources(log)).toEqual({
      resolved: [
        `${BUSYBOX}@${D1}`,
        `${BUSYBOX}@${D2}`,
        `docker.io/library/alpine:3.20@${D1}`,
        `docker.io/docker/dockerfile:1@${D2}`,
      ].sort(),
      unpinned: null,
    });
  });

  test('FROM scratch resolves nothing and pins everything', () => {
    expect(readBuildSources('#1 [internal] load build definition from Dockerfile\n#3 [stage-0 1/1] COPY a /a\n')).toEqual({
      resolved: [],
      unpinned: null,
    });
  });

  test('a reference written with its digest pins itself', () => {
    const log = `#2 [internal] load metadata for docker.io/library/busybox@${D1}\n#4 [stage-0 1/2] FROM docker.io/library/busybox@${D1}\n`;
    expect(readBuildSources(log)).toEqual({ resolved: [`docker.io/library/busybox@${D1}`], unpinned: null });
  });

  test('an image asked for whose digest the log does not give: unpinned, naming it', () => {
    const log = `#2 [internal] load metadata for ${BUSYBOX}\n#4 [stage-0 1/2] WORKDIR /x\n`;
    expect(readBuildSources(log).unpinned).toBe(`the log does not say which digest ${BUSYBOX} resolved to`);
  });

  test.each([
    [
      '#5 [stage-0 2/3] ADD https://example.com/tool.tgz /opt/',
      '`[stage-0 2/3] ADD https://example.com/tool.tgz /opt/` fetches a source no digest pins',
    ],
    [
      '#5 [stage-0 2/3] ADD --checksum=sha256:0 http://example.com/x /x',
      '`[stage-0 2/3] ADD --checksum=sha256:0 http://example.com/x /x` fetches a source no digest pins',
    ],
    [
      '#5 [stage-0 2/3] ADD git@github.com:acme/lib.git /src',
      '`[stage-0 2/3] ADD git@github.com:acme/lib.git /src` fetches a source no digest pins',
    ],
    ['#4 https://example.com/tool.tgz', '`https://example.com/tool.tgz` fetches a source no digest pins'],
  ])('a source fetched on every build and pinned by no digest: %s', (line, why) => {
    expect(readBuildSources(`${CACHED_LOG}${line}\n`).unpinned).toBe(why);
  });

  test('a local ADD, or a RUN that mentions a URL, is not a fetched source', () => {
    const log = `${CACHED_LOG}#7 [builder 3/5] ADD app.tgz /opt/\n#8 [builder 4/5] RUN curl -fsSL https://example.com/x | sh\n`;
    expect(readBuildSources(log).unpinned).toBeNull();
  });
});

describe('staleSources', () => {
  test('every remembered image resolves the same now: nothing stale', () => {
    expect(staleSources([`${BUSYBOX}@${D1}`], [`${BUSYBOX}@${D1}`, `docker.io/library/alpine:3@${D2}`])).toEqual([]);
  });

  test('a tag that moved, and an image the run does not use, each said', () => {
    expect(staleSources([`${BUSYBOX}@${D1}`, `docker.io/library/alpine:3@${D1}`], [`${BUSYBOX}@${D2}`])).toEqual([
      `${BUSYBOX} resolved to ${D1}, now to ${D2}`,
      `docker.io/library/alpine:3 (${D1}) is not used by this run's builds`,
    ]);
  });
});

const TREE = 'a'.repeat(40);
const BUILDER: BuilderIdentity = {
  driver: 'docker',
  buildx: '0.13.1',
  buildkit: 'v0.0.0+unknown',
  platforms: ['linux/amd64'],
  containerdStore: true,
  defaultPlatform: null,
};
const KEY_INPUT: RememberedBaseKeyInput = {
  image: 'app',
  sources: [
    ['.gitattributes', null],
    ['app', TREE],
    ['app/Dockerfile', 'b'.repeat(40)],
    ['app/Dockerfile.dockerignore', null],
  ],
  definition: '["app","app/Dockerfile",["runtime"],[],[],[],null]',
  extraArgs: [],
  layout: { configPath: '.github/image-budget.yml', workdir: '' },
  builder: BUILDER,
  version: '0.1.0',
};

describe('rememberedBaseKey: one key per build', () => {
  test('the same input gives the same key', () => {
    expect(rememberedBaseKey({ ...KEY_INPUT })).toBe(rememberedBaseKey(KEY_INPUT));
    expect(rememberedBaseKey(KEY_INPUT)).toMatch(/^[0-9a-f]{64}$/);
  });

  test.each<[string, Partial<RememberedBaseKeyInput>]>([
    [
      'a file changed in the context',
      {
        sources: [
          ['.gitattributes', null],
          ['app', 'c'.repeat(40)],
          ['app/Dockerfile', 'b'.repeat(40)],
          ['app/Dockerfile.dockerignore', null],
        ],
      },
    ],
    [
      'a Dockerfile.dockerignore added',
      {
        sources: [
          ['.gitattributes', null],
          ['app', TREE],
          ['app/Dockerfile', 'b'.repeat(40)],
          ['app/Dockerfile.dockerignore', 'd'.repeat(40)],
        ],
      },
    ],
    [
      'a .gitattributes added',
      {
        sources: [
          ['.gitattributes', 'e'.repeat(40)],
          ['app', TREE],
          ['app/Dockerfile', 'b'.repeat(40)],
          ['app/Dockerfile.dockerignore', null],
        ],
      },
    ],
    ['another image name (a rename on the base)', { image: 'backend' }],
    ['another definition', { definition: '["app","app/Dockerfile",["builder"],[],[],[],null]' }],
    ['extra build flags', { extraArgs: ['--build-arg', 'X=1'] }],
    ['another budget file', { layout: { configPath: 'image-budget.yml', workdir: '' } }],
    ['another working directory', { layout: { configPath: '.github/image-budget.yml', workdir: 'services' } }],
    ['another driver', { builder: { ...BUILDER, driver: 'docker-container' } }],
    ['another BuildKit', { builder: { ...BUILDER, buildkit: 'v0.18.2' } }],
    ['another platform', { builder: { ...BUILDER, platforms: ['linux/arm64'] } }],
    ['DOCKER_DEFAULT_PLATFORM set', { builder: { ...BUILDER, defaultPlatform: 'linux/arm64' } }],
    ['another image-budget version', { version: '0.2.0' }],
  ])('%s gives another key', (_, change) => {
    expect(rememberedBaseKey({ ...KEY_INPUT, ...change })).not.toBe(rememberedBaseKey(KEY_INPUT));
  });
});

const ENTRY: SizedEntry = {
  name: 'app',
  target: 'runtime',
  platform: 'linux/amd64',
  compressedBytes: 2_000_000,
  uncompressedBytes: 5_000_000,
  layers: [
    {
      digest: D1,
      compressedBytes: 1_999_000,
      uncompressedBytes: 4_990_000,
      createdBy: 'COPY . /app # buildkit',
      dockerfile: { path: 'Dockerfile', line: 3 },
    },
    { digest: D2, compressedBytes: 1_000, uncompressedBytes: 10_000, createdBy: null, dockerfile: null },
  ],
};

describe('the remembered file', () => {
  test('round-trips the entries and the resolved images; a measured layer keeps only what a diff reads', () => {
    const measured = { ...ENTRY, layers: ENTRY.layers.map((l) => ({ ...l, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' })) };
    const text = encodeRememberedBase(
      { commit: COMMIT, entries: [measured], resolved: [`${BUSYBOX}@${D1}`] },
      new Date('2026-11-29T10:00:00Z'),
    );
    expect(text).not.toContain('mediaType');
    // When it was made, for a person reading the file.
    expect(JSON.parse(text).createdAt).toBe('2026-11-29T10:00:00.000Z');
    expect(decodeRememberedBase(text, 'f.json')).toEqual({
      commit: COMMIT,
      entries: [ENTRY],
      resolved: [`${BUSYBOX}@${D1}`],
    });
  });

  test('without the commit it was measured at: refused, saying so', () => {
    const bad = JSON.parse(encodeRememberedBase({ commit: COMMIT, entries: [ENTRY], resolved: [] }));
    bad.commit = null;
    expect(() => decodeRememberedBase(JSON.stringify(bad), 'f.json')).toThrow(
      'f.json: commit: expected the commit the base was measured at',
    );
  });

  test('a bad size or a bad resolved image: refused with the JSON path', () => {
    const bad = JSON.parse(encodeRememberedBase({ commit: COMMIT, entries: [ENTRY], resolved: [] }));
    bad.images[0].compressedBytes = -1;
    expect(() => decodeRememberedBase(JSON.stringify(bad), 'f.json')).toThrow(/images\[0\]\.compressedBytes/);
    const unpinned = JSON.parse(encodeRememberedBase({ commit: COMMIT, entries: [ENTRY], resolved: [] }));
    unpinned.resolved = [BUSYBOX];
    expect(() => decodeRememberedBase(JSON.stringify(unpinned), 'f.json')).toThrow(/resolved\[0\].*ref@sha256/);
  });
});

describe('recallBase, rememberBase, pruneRemembered', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  const newDir = async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ib-remembered-'));
    dirs.push(dir);
    return dir;
  };

  test('nothing kept: a plain miss; kept: the same entries back', async () => {
    const dir = path.join(await newDir(), 'baselines');
    expect(await recallBase(dir, 'k1')).toEqual({ base: null, problem: null });
    await rememberBase(dir, 'k1', { commit: COMMIT, entries: [ENTRY], resolved: [`${BUSYBOX}@${D1}`] });
    const recalled = await recallBase(dir, 'k1');
    expect(recalled.problem).toBeNull();
    expect(recalled.base?.entries).toEqual([ENTRY]);
    expect(recalled.base?.resolved).toEqual([`${BUSYBOX}@${D1}`]);
    // Written whole: no temporary file is left.
    expect(await readdir(dir)).toEqual(['k1.json']);
  });

  test('a corrupt file is a miss with why, naming the file', async () => {
    const dir = await newDir();
    await writeFile(path.join(dir, 'k2.json'), '{"schemaVersion": 1, "images": [');
    const recalled = await recallBase(dir, 'k2');
    expect(recalled.base).toBeNull();
    expect(recalled.problem).toMatch(new RegExp(`${path.join(dir, 'k2.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON`));
  });

  test('a link or a FIFO in place of the file (a cache can restore one): a miss with why', async () => {
    const dir = await newDir();
    await symlink('/dev/zero', path.join(dir, 'k3.json'));
    expect(await recallBase(dir, 'k3')).toEqual({ base: null, problem: `${path.join(dir, 'k3.json')}: not a regular file` });
  });

  test('a measurement the reader would refuse is not written', async () => {
    const dir = path.join(await newDir(), 'baselines');
    const huge = { ...ENTRY, layers: [{ ...ENTRY.layers[0]!, createdBy: 'RUN '.padEnd(70_000, 'x') }] };
    await expect(rememberBase(dir, 'k4', { commit: COMMIT, entries: [huge], resolved: [] })).rejects.toThrow(
      /images\[0\]\.layers\[0\]\.createdBy: longer than 65536 characters/,
    );
    expect(await recallBase(dir, 'k4')).toEqual({ base: null, problem: null });
  });

  test('pruning keeps the most recently used files and removes old temporary ones', async () => {
    const dir = await newDir();
    const old = new Date('2026-01-01T00:00:00Z');
    for (const [i, name] of ['a.json', 'b.json', 'c.json', 'd.json', 'crash.json.1.2.tmp'].entries()) {
      await writeFile(path.join(dir, name), '{}');
      const at = new Date(old.getTime() + i * 60_000);
      await utimes(path.join(dir, name), at, at);
    }
    await pruneRemembered(dir, 2);
    expect((await readdir(dir)).sort()).toEqual(['c.json', 'd.json']);
  });

  test('a recalled file counts as recently used', async () => {
    const dir = await newDir();
    await rememberBase(dir, 'used', { commit: COMMIT, entries: [ENTRY], resolved: [] });
    await rememberBase(dir, 'newer', { commit: COMMIT, entries: [ENTRY], resolved: [] });
    const past = new Date('2026-01-01T00:00:00Z');
    await utimes(path.join(dir, 'used.json'), past, past);
    await utimes(path.join(dir, 'newer.json'), new Date(past.getTime() + 60_000), new Date(past.getTime() + 60_000));
    expect((await recallBase(dir, 'used')).base).not.toBeNull();
    await pruneRemembered(dir, 1);
    expect(await readdir(dir)).toEqual(['used.json']);
  });
});
