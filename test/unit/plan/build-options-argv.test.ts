import { describe, expect, test } from 'vitest';
import { baseBuildOptions, rebaseBudgetFile } from '../../../src/sources/base-build-source.js';
import { NO_BUILD_OPTIONS } from '../../../src/config/build-options.js';
import { parseBudgetFile } from '../../../src/config/parse-budget-file.js';
import type { BuildOptions } from '../../../src/config/types.js';
import { createMemoryLogger } from '../../../src/logger.js';
import type { CacheEnvironment } from '../../../src/plan/cache.js';
import { planBuild, type RunBuildSettings } from '../../../src/plan/plan-builds.js';

const localDocker: CacheEnvironment = { buildxVersion: '0.29.0', driver: 'docker', cacheExport: true, ghaCredentials: false };

/** The flags between `--file <Dockerfile>` and `--output`: everything the entry and the run add. */
function flagsFor(entry: string, run?: Partial<RunBuildSettings>, defaults = ''): string[] {
  const text = `version: 1\n${defaults ? `defaults:\n${defaults}` : ''}images:\n  api:\n${entry}`;
  const [image] = parseBudgetFile(text, { path: 'image-budget.yml', workdir: '/repo' }).images;
  const runSettings = run ? { buildArgs: {}, labels: {}, options: NO_BUILD_OPTIONS, ...run } : undefined;
  const { argv } = planBuild(image!, undefined, { workDir: '/w', cache: localDocker, run: runSettings });
  return argv.slice(argv.indexOf('--file') + 2, argv.indexOf('--output'));
}

const runOptions = (options: Partial<BuildOptions>): Partial<RunBuildSettings> => ({ options: { ...NO_BUILD_OPTIONS, ...options } });

describe('each build option reaches docker buildx build exactly', () => {
  test.each([
    [
      1,
      'secret from a file (relative to the repository root)',
      '    secrets: ["id=npmrc,src=.npmrc"]\n',
      ['--secret', 'id=npmrc,src=/repo/.npmrc'],
    ],
    [2, 'secret from an env var: only its name', '    secrets: ["id=token,env=NPM_TOKEN"]\n', ['--secret', 'id=token,env=NPM_TOKEN']],
    [3, 'secret spelled type=env,id=', '    secrets: ["type=env,id=GH_TOKEN"]\n', ['--secret', 'id=GH_TOKEN,env=GH_TOKEN']],
    [4, 'secret with source=', '    secrets: ["id=a,source=keys/a.txt"]\n', ['--secret', 'id=a,src=/repo/keys/a.txt']],
    [5, 'ssh default agent', '    ssh: [default]\n', ['--ssh', 'default']],
    [6, 'ssh id with keys', '    ssh: ["github=keys/id_ed25519,keys/other"]\n', ['--ssh', 'github=/repo/keys/id_ed25519,/repo/keys/other']],
    [
      7,
      'build contexts: a directory, an image, an OCI layout with a tag, a URL',
      '    build-contexts:\n      shared: libs/shared\n      alpine: docker-image://alpine:3.20\n      base: oci-layout://out/base:v1\n      src: https://github.com/acme/src.git\n',
      [
        '--build-context',
        'shared=/repo/libs/shared',
        '--build-context',
        'alpine=docker-image://alpine:3.20',
        '--build-context',
        'base=oci-layout:///repo/out/base:v1',
        '--build-context',
        'src=https://github.com/acme/src.git',
      ],
    ],
    [8, 'network', '    network: none\n', ['--network', 'none']],
    [
      9,
      'add-hosts',
      '    add-hosts: ["db.local:10.0.0.2", "cache=10.0.0.3"]\n',
      ['--add-host', 'db.local:10.0.0.2', '--add-host', 'cache=10.0.0.3'],
    ],
    [10, 'allow', '    allow: [network.host, security.insecure]\n', ['--allow', 'network.host', '--allow', 'security.insecure']],
    [11, 'shm-size in bytes', '    shm-size: 64MiB\n', ['--shm-size', '67108864']],
    [12, 'ulimit', '    ulimit: ["nofile=1024:2048"]\n', ['--ulimit', 'nofile=1024:2048']],
    [13, 'no-cache', '    no-cache: true\n', ['--no-cache']],
    [14, 'no-cache false: no flag', '    no-cache: false\n', []],
    [15, 'pull', '    pull: true\n', ['--pull']],
    [
      16,
      'annotations',
      '    annotations: ["org.opencontainers.image.title=api", "index:org.opencontainers.image.vendor=acme"]\n',
      ['--annotation', 'org.opencontainers.image.title=api', '--annotation', 'index:org.opencontainers.image.vendor=acme'],
    ],
    [17, 'provenance mode=max', '    provenance: mode=max\n', ['--provenance=mode=max']],
    [18, 'provenance false, sbom true', '    provenance: false\n    sbom: true\n', ['--provenance=false', '--sbom=true']],
    [19, 'no options: no flags', '    context: .\n', []],
  ])('%i. %s', (_n, _what, entry, expected) => {
    expect(flagsFor(entry)).toEqual(expected);
  });
});

describe('defaults and run-wide settings merge under the entry', () => {
  test.each([
    [
      1,
      'secrets merge by id with the defaults, the entry wins',
      '    secrets: ["id=b,env=B2", "id=c,env=C"]\n',
      undefined,
      '  secrets: ["id=a,env=A", "id=b,env=B"]\n',
      ['--secret', 'id=a,env=A', '--secret', 'id=b,env=B2', '--secret', 'id=c,env=C'],
    ],
    [
      2,
      'build contexts merge by name; lists replace',
      '    build-contexts: { two: dir2 }\n    add-hosts: ["b:2.2.2.2"]\n',
      undefined,
      '  build-contexts: { one: dir1, two: old }\n  add-hosts: ["a:1.1.1.1"]\n  pull: true\n',
      ['--build-context', 'one=/repo/dir1', '--build-context', 'two=/repo/dir2', '--add-host', 'b:2.2.2.2', '--pull'],
    ],
    [
      3,
      'run-wide build args and labels under the file (file wins per key)',
      '    build-args: { A: file }\n    labels: { team: pay }\n',
      { buildArgs: { A: 'run', B: 'run' }, labels: { 'org.opencontainers.image.revision': 'abc', team: 'run' } },
      '',
      ['--build-arg', 'A=file', '--build-arg', 'B=run', '--label', 'org.opencontainers.image.revision=abc', '--label', 'team=pay'],
    ],
    [
      4,
      'run-wide secrets and ssh beside the entry’s; the entry wins by id',
      '    secrets: ["id=npmrc,src=.npmrc"]\n',
      runOptions({
        secrets: [
          { id: 'npmrc', src: '/tmp/x' },
          { id: 'token', env: 'TOKEN' },
        ],
        ssh: [{ id: 'default', paths: [] }],
      }),
      '',
      ['--secret', 'id=npmrc,src=/repo/.npmrc', '--secret', 'id=token,env=TOKEN', '--ssh', 'default'],
    ],
    [
      5,
      'run-wide network, no-cache, provenance when the entry sets none',
      '    context: .\n',
      runOptions({ network: 'host', noCache: true, provenance: 'false', allow: ['network.host'] }),
      '',
      ['--network', 'host', '--allow', 'network.host', '--no-cache', '--provenance=false'],
    ],
  ])('%i. %s', (_n, _what, entry, run, defaults, expected) => {
    expect(flagsFor(entry, run, defaults)).toEqual(expected);
  });
});

describe('the base-branch build gets the same options', () => {
  test('run-wide settings and the image’s own: build contexts moved into the base checkout, secret files kept', () => {
    const [head] = parseBudgetFile(
      'version: 1\nimages:\n  api:\n    context: services/api\n    secrets: ["id=npmrc,src=.npmrc"]\n    build-contexts: { shared: libs/shared }\n    network: none\n',
      { path: 'b.yml', workdir: '/repo' },
    ).images;
    const run = {
      buildArgs: { REV: 'abc' },
      labels: { team: 'pay' },
      options: { ...NO_BUILD_OPTIONS, secrets: [{ id: 'token', env: 'TOKEN' }], pull: true },
    };
    const build = { workDir: '/w', cache: localDocker, run, logger: createMemoryLogger(), parallel: 1 };
    const [base] = rebaseBudgetFile({ version: 1, path: '/repo/b.yml', images: [head!] }, '/repo', '/tmp/base').images;
    const headArgv = planBuild(head!, undefined, build).argv;
    const baseArgv = planBuild(base!, undefined, baseBuildOptions(build, '/tmp/base')).argv;
    const between = (argv: string[]) => argv.slice(argv.indexOf('--file') + 2, argv.indexOf('--output'));
    expect(between(headArgv)).toEqual([
      '--build-arg',
      'REV=abc',
      '--label',
      'team=pay',
      '--secret',
      'id=token,env=TOKEN',
      '--secret',
      'id=npmrc,src=/repo/.npmrc',
      '--build-context',
      'shared=/repo/libs/shared',
      '--network',
      'none',
      '--pull',
    ]);
    expect(between(baseArgv)).toEqual(between(headArgv).map((arg) => arg.replace('shared=/repo/', 'shared=/tmp/base/')));
    expect(baseArgv.at(-1)).toBe('/tmp/base/services/api');
  });
});
