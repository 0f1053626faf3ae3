import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { loadBudgetFile } from '../../../src/config/load-budget-file.js';
import { parseBudgetFile } from '../../../src/config/parse-budget-file.js';

const opts = { path: 'b.yml', workdir: '/repo' };

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('hint ids are a closed list', () => {
  test.each([
    [
      1,
      'forbid: [toolchain-in-final-imag]',
      'b.yml:5:16 images.api.budget.forbid.0: unknown hint id "toolchain-in-final-imag"; did you mean `toolchain-in-final-image`?',
    ],
    [
      2,
      'ignore-hints: [runs_as_root]',
      'b.yml:5:22 images.api.budget.ignore-hints.0: unknown hint id "runs_as_root"; did you mean `runs-as-root`?',
    ],
    [
      3,
      'forbid: [big-files]',
      'b.yml:5:16 images.api.budget.forbid.0: unknown hint id "big-files"; expected one of toolchain-in-final-image, ',
    ],
  ])('%i. %s', (_n, line, message) => {
    expect(errorOf(() => parseBudgetFile(`version: 1\nimages:\n  api:\n    budget:\n      ${line}\n`, opts))).toContain(message);
  });

  test('known ids pass, at every level', () => {
    const file = parseBudgetFile(
      'version: 1\ndefaults:\n  budget: { ignore-hints: [runs-as-root] }\nimages:\n  api:\n    budget:\n      forbid: [vcs-directory, multi-stage-candidate]\n      platforms: { linux/arm64: { forbid: [no-dockerignore] } }\n',
      opts,
    );
    expect(file.images[0]?.budget).toEqual({ ignoreHints: ['runs-as-root'], forbid: ['vcs-directory', 'multi-stage-candidate'] });
  });
});

describe('stages and analyze', () => {
  test('defaults: no stage report, analysis on; image values win over defaults', () => {
    const file = parseBudgetFile(
      'version: 1\ndefaults: { stages: all, analyze: false }\nimages:\n  a: {}\n  b: { stages: none, analyze: true }\n',
      opts,
    );
    expect(file.images.map((i) => [i.stages, i.analyze])).toEqual([
      ['all', false],
      ['none', true],
    ]);
    const plain = parseBudgetFile('version: 1\nimages:\n  a: {}\n', opts);
    expect([plain.images[0]?.stages, plain.images[0]?.analyze]).toEqual(['none', true]);
  });

  test.each([
    [1, 'stages: some', 'images.a.stages: expected "all" or "none", got "some"'],
    [2, 'analyze: maybe', 'images.a.analyze: expected true or false, got "maybe"'],
  ])('%i. %s', (_n, line, message) => {
    expect(errorOf(() => parseBudgetFile(`version: 1\nimages:\n  a:\n    ${line}\n`, opts))).toContain(message);
  });

  test('without stages: all, an override for a stage not built is still an error', () => {
    expect(
      errorOf(() =>
        parseBudgetFile('version: 1\nimages:\n  a:\n    target: runtime\n    budget: { targets: { build: { max: 1GB } } }\n', opts),
      ),
    ).toContain('override for target `build`, which image `a` does not build');
  });
});

describe('stages: all lets budget.targets name any stage of the Dockerfile', () => {
  let repo: string;
  beforeAll(async () => {
    repo = await mkdtemp(path.join(os.tmpdir(), 'ib-config-stages-'));
    await mkdir(path.join(repo, 'app'));
    await writeFile(path.join(repo, 'app/Dockerfile'), 'FROM busybox:1.35 AS Build\nRUN true\nFROM scratch AS runtime\n');
  });
  afterAll(async () => {
    await rm(repo, { recursive: true, force: true });
  });

  test('a named stage is accepted', async () => {
    await writeFile(
      path.join(repo, 'b.yml'),
      'version: 1\nimages:\n  a:\n    context: app\n    stages: all\n    budget:\n      targets: { build: { max-layers: 30 } }\n',
    );
    const file = await loadBudgetFile('b.yml', { workdir: repo });
    expect(file.images[0]?.targetBudgets).toEqual({ build: { maxLayers: 30 } });
  });

  test('a name that is not a stage is an error with a suggestion', async () => {
    await writeFile(
      path.join(repo, 'b.yml'),
      'version: 1\nimages:\n  a:\n    context: app\n    stages: all\n    budget:\n      targets: { buidl: { max-layers: 30 } }\n',
    );
    const error = await loadBudgetFile('b.yml', { workdir: repo }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toBe(
      'b.yml:7:25 images.a.budget.targets.buidl: override for stage `buidl`, which is not a named stage of Dockerfile (stages: build, runtime); did you mean `build`?',
    );
  });
});
