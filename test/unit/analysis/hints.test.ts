import { describe, expect, it } from 'vitest';
import { readDockerfile } from '../../../src/analysis/dockerfile-info.js';
import { listFinalFiles, mergeLayers } from '../../../src/analysis/file-tree.js';
import { HINT_IDS } from '../../../src/analysis/hint-ids.js';
import { findHints, hintsToShow, isIntermediateStage, type HintLayer } from '../../../src/analysis/hints.js';
import type { LayerEntry } from '../../../src/analysis/types.js';

const f = (path: string, size: number): LayerEntry => ({ path, type: 'file', size, linkTarget: null, mode: 0o644, uid: 0 });
const wh = (path: string): LayerEntry => {
  const i = path.lastIndexOf('/');
  return f(`${path.slice(0, i + 1)}.wh.${path.slice(i + 1)}`, 0);
};
const layersFor = (n: number, createdBy: (string | null)[] = []): HintLayer[] =>
  Array.from({ length: n }, (_, i) => ({
    digest: `sha256:${String(i).repeat(64)}`,
    dockerfile: { path: 'Dockerfile', line: 10 + i },
    createdBy: createdBy[i] ?? null,
  }));

function hintsOf(layers: LayerEntry[][], extra: Partial<Parameters<typeof findHints>[0]> = {}) {
  const m = mergeLayers(layers);
  return findHints({ files: listFinalFiles(m.root), events: m.events, layers: layersFor(layers.length), ...extra });
}

describe('path hints', () => {
  it('toolchain-in-final-image: Go, gcc, JDK, cargo, node-gyp; evidence names the layer that added most bytes', () => {
    const hints = hintsOf([
      [f('etc/os-release', 10)],
      [f('usr/local/go/bin/go', 5000), f('usr/local/go/pkg/tool/compile', 3000), f('usr/lib/gcc/x86_64-linux-gnu/12/cc1', 9000)],
      [
        f('opt/jdk/bin/javac', 100),
        f('opt/jdk/lib/modules', 900),
        f('usr/local/cargo/bin/cargo', 70),
        f('root/.cache/node-gyp/20.1/include/node/v8.h', 40),
      ],
    ]);
    const tc = hints.filter((h) => h.id === 'toolchain-in-final-image');
    // The JDK is its whole directory (javac 100 + lib/modules 900), not the compiler alone.
    expect(tc.map((h) => [h.path, h.bytes])).toEqual([
      ['/usr/lib/gcc', 9000],
      ['/usr/local/go', 8000],
      ['/opt/jdk', 1000],
      ['/usr/local/cargo/bin', 70],
      ['/root/.cache/node-gyp', 40],
    ]);
    expect(tc[1]).toMatchObject({ layer: `sha256:${'1'.repeat(64)}`, dockerfile: { path: 'Dockerfile', line: 11 } });
    expect(tc[1]!.fix).toMatch(/COPY --from=build/);
  });

  it('a JDK counts its whole directory, jmods included, once; a javac symlink or one in /usr/bin names no directory', () => {
    const jdk = 'usr/lib/jvm/java-17-openjdk-amd64';
    const m = mergeLayers([
      [
        f(`${jdk}/bin/javac`, 12_000),
        f(`${jdk}/lib/modules`, 130_000_000),
        f(`${jdk}/jmods/java.base.jmod`, 20_000_000),
        { path: 'usr/bin/javac', type: 'symlink', size: 0, linkTarget: `/${jdk}/bin/javac`, mode: 0o777, uid: 0 },
        f('usr/local/bin/javac', 5000),
        f('usr/local/lib/libother.so', 1_000_000),
      ],
    ]);
    const tc = findHints({ files: listFinalFiles(m.root), events: m.events, layers: layersFor(1) }).filter(
      (h) => h.id === 'toolchain-in-final-image',
    );
    expect(tc.map((h) => [h.path, h.bytes])).toEqual([[`/${jdk}`, 150_012_000]]);
  });

  it('Maven and Gradle installs, not only their caches', () => {
    const hints = hintsOf([
      [
        f('usr/share/maven/lib/maven-core-3.9.6.jar', 700_000),
        f('usr/share/maven/bin/mvn', 6_000),
        f('opt/gradle/lib/gradle-core-8.5.jar', 900_000),
        f('opt/gradle/bin/gradle', 8_000),
        f('usr/local/bin/mvn', 300),
        f('usr/local/bin/gradle', 200),
        f('opt/apache-maven-3.9.6/boot/plexus-classworlds.jar', 50_000),
      ],
    ]);
    expect(hints.filter((h) => h.id === 'toolchain-in-final-image').map((h) => [h.path, h.bytes])).toEqual([
      ['/opt/gradle', 908_000],
      ['/usr/share/maven', 706_000],
      ['/opt/apache-maven-3.9.6', 50_000],
      ['/usr/local/bin/mvn', 300],
      ['/usr/local/bin/gradle', 200],
    ]);
  });

  it("node headers: node-gyp caches are a toolchain, the official image's /usr/local/include/node is not", () => {
    const hints = hintsOf([
      [f('usr/local/include/node/v8.h', 500_000), f('usr/include/node/node.h', 9000)],
      [f('home/app/.cache/node-gyp/20.11.0/include/node/v8.h', 500_000), f('root/.node-gyp/18.0.0/include/node/node.h', 400_000)],
    ]);
    expect(hints.filter((h) => h.id === 'toolchain-in-final-image').map((h) => h.path)).toEqual([
      '/home/app/.cache/node-gyp',
      '/root/.node-gyp',
    ]);
  });

  it('pip caches in any home directory; a Yarn PnP project keeps its .yarn/cache', () => {
    const hints = hintsOf([
      [
        f('var/lib/app/.cache/pip/http/a', 100),
        f('srv/.cache/pip/wheels/b', 50),
        f('pnp/.pnp.cjs', 10),
        f('pnp/.yarn/cache/lodash-npm-4.17.21.zip', 700),
        f('classic/.yarn/cache/lodash-npm-4.17.21.zip', 600),
        f('.yarn/cache/root-level.zip', 30),
      ],
    ]);
    expect(hints.filter((h) => h.id === 'package-manager-cache').map((h) => h.path)).toEqual([
      '/classic/.yarn/cache',
      '/var/lib/app/.cache/pip',
      '/srv/.cache/pip',
      '/.yarn/cache',
    ]);
  });

  it("dev-dependencies: the hidden lockfile's dev flags replace the name list for its project", () => {
    const m = mergeLayers([
      [
        f('app/node_modules/.package-lock.json', 10),
        f('app/node_modules/typescript/lib/tsc.js', 3000), // in the name list, but a prod dependency here
        f('app/node_modules/esbuild/bin/esbuild', 9000), // not in the name list, dev here
        f('app/node_modules/esbuild/node_modules/@esbuild/linux-x64/bin/esbuild', 7000), // nested in a dev package
        f('app/node_modules/@scope/devtool/index.js', 500),
        f('app/node_modules/.cache/babel/x', 40), // not a package: still the name list's
        f('other/node_modules/jest/index.js', 800), // no lockfile for this project: the name list
      ],
    ]);
    const devPackages = new Map([
      ['app', new Set(['node_modules/esbuild', 'node_modules/esbuild/node_modules/@esbuild/linux-x64', 'node_modules/@scope/devtool'])],
    ]);
    const hints = findHints({ files: listFinalFiles(m.root), events: m.events, layers: layersFor(1), devPackages });
    expect(hints.filter((h) => h.id === 'dev-dependencies').map((h) => [h.path, h.bytes])).toEqual([
      ['/app/node_modules/esbuild', 16_000],
      ['/other/node_modules/jest', 800],
      ['/app/node_modules/@scope/devtool', 500],
      ['/app/node_modules/.cache', 40],
    ]);
    expect(hints.find((h) => h.path === '/app/node_modules/esbuild')!.message).toContain('"dev": true');
  });

  it('package-manager-cache with the exact idiom per manager; an empty apt lists dir is fine', () => {
    const hints = hintsOf([
      [f('var/lib/apt/lists/lock', 0)],
      [f('var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease', 150_000), f('var/cache/apt/pkgcache.bin', 30_000)],
      [
        f('root/.cache/pip/http/a', 10),
        f('root/.npm/_cacache/index-v5/x', 20),
        f('var/cache/apk/APKINDEX.tar.gz', 30),
        f('usr/local/cargo/registry/cache/x.crate', 40),
      ],
    ]);
    const pm = hints.filter((h) => h.id === 'package-manager-cache');
    expect(pm.map((h) => h.path)).toEqual([
      '/var/lib/apt/lists',
      '/var/cache/apt',
      '/usr/local/cargo/registry',
      '/var/cache/apk',
      '/root/.npm/_cacache',
      '/root/.cache/pip',
    ]);
    expect(pm[0]!.fix).toContain('rm -rf /var/lib/apt/lists/*');
    expect(pm.find((h) => h.path === '/var/cache/apk')!.fix).toContain('--no-cache');
    expect(pm.find((h) => h.path === '/root/.cache/pip')!.fix).toContain('--mount=type=cache,target=/root/.cache/pip');
    expect(hintsOf([[f('var/lib/apt/lists/lock', 0)]])).toEqual([]);
  });

  it('vcs, dev dependencies, build leftovers, tests; system __pycache__ and node_modules tests are left alone', () => {
    const hints = hintsOf([
      [f('usr/lib/python3.11/__pycache__/os.cpython-311.pyc', 500), f('app/node_modules/lodash/test/x.js', 9)],
      [
        f('app/.git/objects/pack/p.pack', 4000),
        f('app/node_modules/typescript/lib/tsc.js', 3000),
        f('app/node_modules/@types/node/index.d.ts', 30),
        f('app/node_modules/.cache/babel/x', 10),
        f('app/target/release/app', 2000),
        f('app/src/__pycache__/m.cpython-311.pyc', 20),
        f('app/build/main.o', 15),
        f('app/tests/test_main.py', 12),
      ],
    ]);
    const byId = (id: string) => hints.filter((h) => h.id === id).map((h) => h.path);
    expect(byId('vcs-directory')).toEqual(['/app/.git']);
    expect(byId('dev-dependencies')).toEqual(['/app/node_modules/typescript', '/app/node_modules/@types', '/app/node_modules/.cache']);
    expect(byId('build-output-leftovers')).toEqual(['/app/target', '/app/src/__pycache__', '/app/build']);
    expect(byId('test-directories')).toEqual(['/app/tests']);
  });

  it('no-dockerignore only when the context has none and a context COPY brought such files', () => {
    const docker = readDockerfile({ path: 'Dockerfile', text: 'FROM busybox:1.35\nCOPY . /app\nUSER 1000\n' });
    const layers = [[f('bin/sh', 10)], [f('app/.git/HEAD', 41), f('app/main.js', 5)]];
    const m = mergeLayers(layers);
    const base = { files: listFinalFiles(m.root), events: m.events, dockerfile: docker };
    const hl: HintLayer[] = [
      { digest: 'sha256:a', dockerfile: null, createdBy: null },
      { digest: 'sha256:b', dockerfile: { path: 'Dockerfile', line: 2 }, createdBy: 'COPY . /app # buildkit' },
    ];
    const none = findHints({ ...base, layers: hl, contextHasDockerignore: false }).filter((h) => h.id === 'no-dockerignore');
    expect(none).toEqual([expect.objectContaining({ layer: 'sha256:b', dockerfile: { path: 'Dockerfile', line: 2 }, bytes: 41 })]);
    expect(findHints({ ...base, layers: hl, contextHasDockerignore: true }).some((h) => h.id === 'no-dockerignore')).toBe(false);
    expect(findHints({ ...base, layers: hl }).some((h) => h.id === 'no-dockerignore')).toBe(false);
    // Without the Dockerfile, BuildKit's history ("COPY /x /y", --from dropped) cannot tell a context copy.
    expect(
      findHints({ ...base, dockerfile: null, layers: hl, contextHasDockerignore: false }).some((h) => h.id === 'no-dockerignore'),
    ).toBe(false);
    // From another stage, not the context: a .dockerignore would not help.
    const fromStage = readDockerfile({ path: 'Dockerfile', text: 'FROM busybox:1.35 AS b\nFROM busybox:1.35\nCOPY --from=b /x /app\n' });
    const hl2 = [hl[0]!, { ...hl[1]!, dockerfile: { path: 'Dockerfile', line: 3 } }];
    expect(
      findHints({ ...base, dockerfile: fromStage, layers: hl2, contextHasDockerignore: false }).some((h) => h.id === 'no-dockerignore'),
    ).toBe(false);
  });
});

describe('waste hints', () => {
  it('deleted-in-later-layer and overwritten-in-later-layer name both layers', () => {
    const MB = 1 << 20;
    const hints = hintsOf([
      [f('tmp/big', 10 * MB), f('etc/passwd', 100)],
      [f('opt/blob', 2 * MB)],
      [wh('tmp/big'), f('opt/blob', 5), f('etc/passwd', 120)],
    ]);
    expect(hints.map((h) => h.id)).toEqual(['deleted-in-later-layer', 'overwritten-in-later-layer']);
    expect(hints[0]).toMatchObject({
      path: '/tmp/big',
      bytes: 10 * MB,
      layer: `sha256:${'0'.repeat(64)}`,
      dockerfile: { path: 'Dockerfile', line: 10 },
      removedBy: { layer: `sha256:${'2'.repeat(64)}`, dockerfile: { path: 'Dockerfile', line: 12 } },
    });
    expect(hints[0]!.message).toContain('Dockerfile:10');
    expect(hints[0]!.message).toContain('Dockerfile:12');
    expect(hints[1]).toMatchObject({ path: '/opt/blob', bytes: 2 * MB });
    // The 100-byte /etc/passwd overwrite is under the threshold; lower it and it shows.
    const all = hintsOf([[f('etc/passwd', 100)], [f('etc/passwd', 120)]], { minWasteBytes: 1 });
    expect(all.map((h) => [h.id, h.bytes])).toEqual([['overwritten-in-later-layer', 100]]);
  });
});

describe('Dockerfile hints', () => {
  const hintsFor = (text: string, target?: string, files: LayerEntry[][] = []) => {
    const m = mergeLayers(files);
    return findHints({
      files: listFinalFiles(m.root),
      events: m.events,
      layers: layersFor(files.length),
      dockerfile: readDockerfile({ path: 'docker/app.Dockerfile', text, ...(target ? { target } : {}) }),
    });
  };

  it('unpinned-base-image per stage of the FROM chain; scratch, stages, tags and digests exempt', () => {
    const text = [
      'FROM golang AS build', // 1: no tag
      'FROM node:latest AS unused', // 2: not in the chain
      'FROM busybox:latest AS base', // 3
      'FROM base AS final', // 4: an earlier stage
      'COPY --from=build /out /app', // 5
      'FROM scratch AS s', // 6
      'FROM debian@sha256:' + 'a'.repeat(64) + ' AS d', // 7
      'USER app',
    ].join('\n');
    const hints = hintsFor(text, 'final').filter((h) => h.id === 'unpinned-base-image');
    // `golang` is only copied from: its base is not in the image, what was copied is.
    expect(hints.map((h) => [h.path, h.dockerfile!.line])).toEqual([['busybox:latest', 3]]);
    expect(hintsFor(text).filter((h) => h.id === 'unpinned-base-image')).toEqual([]);
  });

  it.each([
    // [case, Dockerfile, target, a builder (not what ships)]
    [
      'a builder target another stage copies from',
      'FROM busybox:1.35 AS builder\nRUN true\nFROM scratch AS runtime\nCOPY --from=builder /x /x\n',
      'builder',
      true,
    ],
    ['a stage another builds FROM', 'FROM busybox:1.35 AS base\nRUN true\nFROM base AS app\nUSER 10001\n', 'base', true],
    [
      'the runtime stage that ships',
      'FROM busybox:1.35 AS builder\nRUN true\nFROM scratch AS runtime\nCOPY --from=builder /x /x\n',
      'runtime',
      false,
    ],
    ['a stage nothing builds on (a test target)', 'FROM busybox:1.35 AS app\nUSER 10001\nFROM app AS test\nRUN true\n', 'test', false],
  ])('a builder is told apart from what ships: %s', (_case, text, target, builder) => {
    expect(isIntermediateStage(readDockerfile({ path: 'Dockerfile', text, target }))).toBe(builder);
  });

  // A builder's hints are found (a budget may forbid them) and shown only when forbidden.
  const builderHints = [{ id: 'toolchain-in-final-image' }, { id: 'runs-as-root' }, { id: 'package-manager-cache' }];
  it.each<[string, boolean, string[] | undefined, string[]]>([
    ['what ships: every hint', true, undefined, ['toolchain-in-final-image', 'runs-as-root', 'package-manager-cache']],
    [
      'what ships: forbid changes nothing shown',
      true,
      ['runs-as-root'],
      ['toolchain-in-final-image', 'runs-as-root', 'package-manager-cache'],
    ],
    ['a builder, nothing asked', false, undefined, []],
    ['a builder, nothing forbidden', false, [], []],
    ['a builder, runs-as-root forbidden', false, ['runs-as-root'], ['runs-as-root']],
    ['a builder, two forbidden', false, ['package-manager-cache', 'runs-as-root'], ['runs-as-root', 'package-manager-cache']],
  ])('hintsToShow: %s', (_case, ships, forbid, shown) => {
    expect(hintsToShow(builderHints, { ships, ...(forbid ? { forbid } : {}) }).map((h) => h.id)).toEqual(shown);
  });

  it('a builder target still gets its runs-as-root hint from findHints (a budget may forbid it)', () => {
    const text = 'FROM busybox:1.35 AS builder\nRUN true\nFROM scratch AS runtime\nCOPY --from=builder /x /x\n';
    expect(
      hintsFor(text, 'builder')
        .filter((h) => h.id === 'runs-as-root')
        .map((h) => h.dockerfile!.line),
    ).toEqual([1]);
    expect(
      hintsFor(text, 'runtime')
        .filter((h) => h.id === 'runs-as-root')
        .map((h) => h.dockerfile!.line),
    ).toEqual([3]);
  });

  it.each([
    ['FROM scratch\nCOPY x /x\n', /`USER 65532:65532`/, /adduser|useradd/],
    ['FROM gcr.io/distroless/static-debian12:nonroot-x\nCOPY x /x\n', /`USER 65532:65532`/, /adduser|useradd/],
    ['FROM alpine:3.20\nRUN true\n', /`RUN adduser -D -u 10001 app`/, /useradd/],
    ['FROM debian:bookworm-slim\nRUN true\n', /`RUN useradd -r -u 10001 app`/, /^$/],
  ])('runs-as-root advice fits the base: %s', (text, advice, notAdvice) => {
    const [hint] = hintsFor(text).filter((h) => h.id === 'runs-as-root');
    expect(hint?.fix).toMatch(advice);
    if (notAdvice.source !== '^$') expect(hint?.fix).not.toMatch(notAdvice);
  });

  it('a FROM scratch runtime gets no unpinned-base hint for its builder’s base', () => {
    const text = 'FROM golang AS builder\nRUN go build\nFROM scratch AS runtime\nCOPY --from=builder /app /app\n';
    expect(hintsFor(text, 'runtime').filter((h) => h.id === 'unpinned-base-image')).toEqual([]);
    expect(
      hintsFor(text, 'builder')
        .filter((h) => h.id === 'unpinned-base-image')
        .map((h) => h.path),
    ).toEqual(['golang']);
  });

  it('runs-as-root: no USER, USER root/0, inherited from a parent stage', () => {
    const ids = (text: string) =>
      hintsFor(text)
        .filter((h) => h.id === 'runs-as-root')
        .map((h) => h.dockerfile!.line);
    expect(ids('FROM busybox:1.35\nRUN true\n')).toEqual([1]);
    expect(ids('FROM busybox:1.35\nUSER 1000\nUSER root\n')).toEqual([3]);
    expect(ids('FROM busybox:1.35\nUSER 0:0\n')).toEqual([2]);
    expect(ids('FROM busybox:1.35\nUSER app\n')).toEqual([]);
    expect(ids('FROM busybox:1.35 AS base\nUSER 10001\nFROM base\nRUN true\n')).toEqual([]);
  });

  it("runs-as-root: the image config's User decides (a base image's USER counts), the Dockerfile gives the line", () => {
    const m = mergeLayers([]);
    const root = (text: string | null, imageUser: string | undefined) =>
      findHints({
        files: listFinalFiles(m.root),
        events: m.events,
        layers: [],
        ...(text !== null ? { dockerfile: readDockerfile({ path: 'Dockerfile', text }) } : {}),
        ...(imageUser !== undefined ? { imageUser } : {}),
      }).filter((h) => h.id === 'runs-as-root');
    // The base image sets USER node: not root, though this Dockerfile has no USER line.
    expect(root('FROM node:20-slim\nRUN true\n', 'node')).toEqual([]);
    expect(root('FROM node:20-slim\nRUN true\n', '1000:1000')).toEqual([]);
    // Config root, empty or 0 with no USER line: flagged on the FROM line, saying why.
    for (const user of ['', 'root', '0', '0:0']) {
      const [hint] = root('FROM busybox:1.35\nRUN true\n', user);
      expect(hint).toMatchObject({ dockerfile: { path: 'Dockerfile', line: 1 } });
      expect(hint!.message).toContain("image config's User");
    }
    // An explicit USER root line is the evidence.
    expect(root('FROM busybox:1.35\nUSER root\n', 'root')).toMatchObject([{ path: 'root', dockerfile: { line: 2 } }]);
    // No Dockerfile: the config alone.
    expect(root(null, '')).toMatchObject([{ dockerfile: null }]);
    expect(root(null, 'app')).toEqual([]);
    // No config: the Dockerfile alone, as before.
    expect(root('FROM busybox:1.35\nRUN true\n', undefined)).toHaveLength(1);
    expect(root(null, undefined)).toEqual([]);
  });

  it('multi-stage-candidate: a single stage shipping a toolchain', () => {
    const files = [[f('usr/local/go/bin/go', 100)]];
    const single = hintsFor('FROM golang:1.22\nRUN go build\nUSER 1\n', undefined, files);
    expect(single.find((h) => h.id === 'multi-stage-candidate')).toMatchObject({
      path: '/usr/local/go',
      bytes: 100,
      dockerfile: { path: 'docker/app.Dockerfile', line: 1 },
    });
    const multi = hintsFor('FROM golang:1.22 AS b\nFROM busybox:1.35\nUSER 1\n', undefined, files);
    expect(multi.some((h) => h.id === 'multi-stage-candidate')).toBe(false);
  });

  it('ignore silences ids; every id emitted is in HINT_IDS', () => {
    const m = mergeLayers([[f('usr/local/go/bin/go', 100)]]);
    const input = {
      files: listFinalFiles(m.root),
      events: m.events,
      layers: layersFor(1),
      dockerfile: readDockerfile({ path: 'D', text: 'FROM golang\n' }),
    };
    const all = findHints(input);
    expect(all.map((h) => h.id).sort()).toEqual([
      'multi-stage-candidate',
      'runs-as-root',
      'toolchain-in-final-image',
      'unpinned-base-image',
    ]);
    for (const h of all) expect(HINT_IDS).toContain(h.id);
    expect(
      findHints({ ...input, ignore: ['runs-as-root', 'unpinned-base-image'] })
        .map((h) => h.id)
        .sort(),
    ).toEqual(['multi-stage-candidate', 'toolchain-in-final-image']);
  });

  it('a target that is not a stage is an error naming the file and the stages', () => {
    expect(() => readDockerfile({ path: 'docker/app.Dockerfile', text: 'FROM a AS one\nFROM b AS two\n', target: 'three' })).toThrow(
      'docker/app.Dockerfile: target "three" is not a stage (stages: one, two)',
    );
  });
});
