import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { INPUT, parseInputs } from '../../../src/action/inputs.js';
import { OUTPUT } from '../../../src/action/run-action.js';
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
    const action = parse(readFileSync('action.yml', 'utf8'));
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    for (const name of Object.values(INPUT)) expect(action.inputs[name]?.description, name).toBeTruthy();
    for (const name of Object.values(OUTPUT)) expect(action.outputs[name]?.description, name).toBeTruthy();
  });

  test('VERSION matches package.json', () => {
    expect(VERSION).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
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
