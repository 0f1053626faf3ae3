import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { INPUT, parseInputs } from '../../../src/action/inputs.js';
import { OUTPUT } from '../../../src/action/effects.js';
import { NO_BUILD_OPTIONS } from '../../../src/config/build-options.js';
import { VERSION } from '../../../src/version.js';

const reader = (values: Record<string, string>) => (name: string) => values[name] ?? '';
const env = { GITHUB_WORKSPACE: '/ws', RUNNER_TEMP: '/tmp/runner' };

describe('action inputs', () => {
  test('defaults', () => {
    expect(parseInputs(reader({}), env)).toEqual({
      config: '.github/image-budget.yml',
      workdir: '/ws',
      builder: undefined,
      parallel: 2,
      cacheFrom: [],
      cacheTo: [],
      reportPath: '/tmp/runner/image-budget/report.json',
      summary: true,
      mode: 'check',
      baseline: 'build',
      baselineReport: undefined,
      baselineImage: undefined,
      githubToken: '',
      comment: 'always',
      commentKey: 'default',
      commentAuthor: undefined,
      overrideLabel: 'image-budget:accept',
      reports: [],
      allowPrivilegedBuild: false,
      analyze: true,
      cacheDir: '/tmp/runner/image-budget-layers',
      buildSettings: { buildArgs: {}, labels: {}, options: NO_BUILD_OPTIONS, secretValues: [] },
      allowOutsidePaths: false,
      givenImage: null,
    });
  });

  test('multiline cache specs keep their commas; working-directory is relative to the workspace', () => {
    const inputs = parseInputs(
      reader({
        'cache-to': 'type=registry,ref=a/b,mode=max\n\n# note\ntype=inline',
        'working-directory': 'svc',
        'report-path': 'out/r.json',
      }),
      env,
    );
    expect(inputs.cacheTo).toEqual(['type=registry,ref=a/b,mode=max', 'type=inline']);
    expect(inputs.workdir).toBe('/ws/svc');
    expect(inputs.reportPath).toBe('/ws/svc/out/r.json');
  });

  test.each([
    [1, {}, false],
    [2, { 'allow-privileged-build': 'true' }, true],
    [3, { 'allow-pull-request-target': 'true' }, true],
    [4, { 'allow-privileged-build': 'false', 'allow-pull-request-target': 'true' }, true],
  ])('%i. privileged builds allowed by either input name: %j', (_n, values, allowed) => {
    expect(parseInputs(reader(values), env).allowPrivilegedBuild).toBe(allowed);
  });

  test.each([
    [1, { parallel: '0' }, 'input `parallel`: expected a whole number ≥ 1, got "0"'],
    [2, { parallel: 'two' }, 'input `parallel`: expected a whole number ≥ 1, got "two"'],
    [3, { summary: 'maybe' }, 'input `summary`: expected true or false, got "maybe"'],
    [4, { baseline: 'yesterday' }, 'input `baseline`: expected one of build, report, registry, none, got "yesterday"'],
    [5, { comment: 'sometimes' }, 'input `comment`: expected one of always, on-change, on-failure, off, got "sometimes"'],
    [6, { mode: 'deploy' }, 'input `mode`: expected one of check, comment, aggregate, got "deploy"'],
    [7, { 'comment-key': 'a b<c>' }, 'input `comment-key`: expected letters, digits and . _ : / - (at most 100), got "a b<c>"'],
    [8, { 'comment-author': 'my app' }, 'input `comment-author`: expected a GitHub login such as my-app[bot] or octocat, got "my app"'],
    [
      9,
      { 'comment-author': '@my-app[bot]' },
      'input `comment-author`: expected a GitHub login such as my-app[bot] or octocat, got "@my-app[bot]"',
    ],
    [10, { 'comment-author': 'my--app' }, 'input `comment-author`: expected a GitHub login such as my-app[bot] or octocat, got "my--app"'],
  ])('%i. bad input %j', (_n, values, message) => {
    expect(() => parseInputs(reader(values), env)).toThrow(message);
  });

  test('comment-author: a login, a bot login', () => {
    expect(parseInputs(reader({ 'comment-author': 'my-app[bot]' }), env).commentAuthor).toBe('my-app[bot]');
    expect(parseInputs(reader({ 'comment-author': 'octocat' }), env).commentAuthor).toBe('octocat');
  });

  test('action.yml declares every input and output the code reads, runs on node24', () => {
    const action = parse(readFileSync('action.yml', 'utf8')) as {
      runs: unknown;
      inputs: Record<string, { description?: string } | undefined>;
      outputs: Record<string, { description?: string } | undefined>;
    };
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    for (const name of Object.values(INPUT)) expect(action.inputs[name]?.description, name).toBeTruthy();
    for (const name of Object.values(OUTPUT)) expect(action.outputs[name]?.description, name).toBeTruthy();
  });

  test('VERSION matches package.json', () => {
    expect(VERSION).toBe((JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version);
  });
});

describe('default layer cache', () => {
  test('outside the repository: RUNNER_TEMP on a runner, the user cache elsewhere', async () => {
    const { defaultLayerCacheDir } = await import('../../../src/analysis/layer-cache.js');
    expect(defaultLayerCacheDir({ RUNNER_TEMP: '/rt' })).toBe('/rt/image-budget-layers');
    expect(defaultLayerCacheDir({ HOME: '/home/u' })).toBe('/home/u/.cache/image-budget/layers');
    expect(defaultLayerCacheDir({ HOME: '/home/u', XDG_CACHE_HOME: '/xdg' })).toBe('/xdg/image-budget/layers');
  });
});

describe('build inputs, as build-push-action has them', () => {
  test('multi-line build-args and labels (docker/metadata-action output as it is), secrets by file, env and value', () => {
    const inputs = parseInputs(
      reader({
        'build-args': 'GO_VERSION=1.22\nURL=https://x.test/?a=b\n',
        labels: 'org.opencontainers.image.title=api\norg.opencontainers.image.description=A, B and C\n',
        secrets: 'npm_token=s3cr3t=with=equals\n',
        'secret-files': 'npmrc=.npmrc\n',
        'secret-envs': 'gh=GITHUB_TOKEN\n',
        ssh: 'default\n',
        'build-contexts': 'shared=libs/shared\nalpine=docker-image://alpine:3\n',
        network: 'none',
        'add-hosts': 'a:1.1.1.1,b:2.2.2.2',
        allow: 'network.host',
        'shm-size': '64MiB',
        ulimit: 'nofile=1024:1024',
        'no-cache': 'true',
        pull: 'true',
        annotations: 'index:org.opencontainers.image.vendor=acme, inc',
        provenance: 'mode=max',
        sbom: 'false',
        'allow-outside-paths': 'true',
      }),
      env,
    );
    expect(inputs.buildSettings).toEqual({
      buildArgs: { GO_VERSION: '1.22', URL: 'https://x.test/?a=b' },
      labels: { 'org.opencontainers.image.title': 'api', 'org.opencontainers.image.description': 'A, B and C' },
      secretValues: [{ id: 'npm_token', value: 's3cr3t=with=equals' }],
      options: {
        ...NO_BUILD_OPTIONS,
        secrets: [
          { id: 'npmrc', src: '/ws/.npmrc' },
          { id: 'gh', env: 'GITHUB_TOKEN' },
        ],
        ssh: [{ id: 'default', paths: [] }],
        buildContexts: { shared: '/ws/libs/shared', alpine: 'docker-image://alpine:3' },
        network: 'none',
        addHosts: ['a:1.1.1.1', 'b:2.2.2.2'],
        allow: ['network.host'],
        shmSize: 67108864,
        ulimits: ['nofile=1024:1024'],
        noCache: true,
        pull: true,
        annotations: ['index:org.opencontainers.image.vendor=acme, inc'],
        provenance: 'mode=max',
        sbom: 'false',
      },
    });
    expect(inputs.allowOutsidePaths).toBe(true);
  });

  test.each([
    [1, { 'build-args': 'JUSTAKEY' }, 'input `build-args`: expected KEY=VALUE, got "JUSTAKEY"'],
    [2, { 'secret-envs': 'gh=not a var' }, 'input `secret-envs`: secret `gh`: "not a var" is not an environment variable name'],
    [3, { network: 'bridge' }, 'input `network`: expected default, none or host, got "bridge"'],
    [4, { 'shm-size': 'big' }, 'input `shm-size`: expected a size like "64MiB" or a number of bytes, got "big"'],
    [5, { pull: 'maybe' }, 'input `pull`: expected true or false, got "maybe"'],
  ])('%i. a bad build input names itself', (_n, values, message) => {
    expect(() => parseInputs(reader(values), env)).toThrow(message);
  });

  test('a malformed `secrets` line never echoes what it holds', () => {
    expect(() => parseInputs(reader({ secrets: 'hunter2-no-id' }), env)).toThrow(/^input `secrets`: expected id=VALUE lines$/);
  });
});
