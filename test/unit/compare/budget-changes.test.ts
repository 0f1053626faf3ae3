import { describe, expect, test } from 'vitest';
import { NO_BUILD_OPTIONS } from '../../../src/config/build-options.js';
import {
  chooseEffectiveBudgets,
  describeBudgetChange,
  describeUnmatchedImages,
  listBudgetChanges,
} from '../../../src/compare/budget-changes.js';
import type { Budget, BudgetFile, ImageConfig } from '../../../src/config/types.js';

const MB = 1_000_000;

function image(name: string, budget: Budget, extra: Partial<ImageConfig> = {}): ImageConfig {
  return {
    name,
    source: { kind: 'build' },
    context: `/repo/${name}`,
    dockerfile: `/repo/${name}/Dockerfile`,
    targets: [undefined],
    platforms: ['linux/amd64'],
    buildArgs: {},
    labels: {},
    cache: { mode: 'auto', from: [], to: [] },
    options: NO_BUILD_OPTIONS,
    budget,
    targetBudgets: {},
    platformBudgets: {},
    location: { file: 'image-budget.yml', line: 3, column: 3 },
    ...extra,
  };
}

function file(...images: ImageConfig[]): BudgetFile {
  return { version: 1, path: '/repo/image-budget.yml', images };
}

const base = file(
  image('api', { max: { compressed: 25 * MB }, maxLayers: 10 }, { targetBudgets: { prod: { max: { compressed: 20 * MB } } } }),
  image('worker', { max: { compressed: 50 * MB }, maxIncrease: { metric: 'compressed', bytes: 5 * MB } }),
  image('gone', { max: { compressed: 1 * MB } }),
);
const head = file(
  image(
    'api',
    { max: { compressed: 40 * MB } },
    {
      targetBudgets: { prod: { max: { compressed: 20 * MB } }, dev: { warn: { uncompressed: 100 * MB } } },
      platformBudgets: { 'linux/arm64': { maxLayers: 12 } },
    },
  ),
  image('worker', { max: { compressed: 50 * MB }, maxIncrease: { metric: 'compressed', bytes: 5 * MB, percent: 10 } }),
  image('fresh', { max: { compressed: 5 * MB } }),
);

describe('listBudgetChanges', () => {
  test('every budget field is compared: a PR cannot loosen one the list forgets', () => {
    // Required<Budget>: a new budget field fails to compile here until it is listed.
    const all: Required<Budget> = {
      max: { compressed: 1 * MB, uncompressed: 2 * MB },
      warn: { compressed: 1 * MB, uncompressed: 2 * MB },
      maxLayers: 5,
      maxIncrease: { metric: 'compressed', bytes: MB },
      warnIncrease: { metric: 'compressed', bytes: MB },
      minEfficiency: 0.9,
      maxWasted: MB,
      maxWastedPercent: 5,
      wasteFigures: 'dive',
      forbid: ['vcs-directory'],
      ignoreHints: ['runs-as-root'],
    };
    const changes = listBudgetChanges(file(image('api', {})), file(image('api', all)));
    const topLevel = new Set(changes.map((c) => c.field.split('.')[0]));
    expect([...topLevel].sort()).toEqual(Object.keys(all).sort());
  });

  test('lists every changed field of images on both sides, sizes formatted', () => {
    expect(listBudgetChanges(base, head).map(describeBudgetChange)).toEqual([
      'api: max 25 MB → 40 MB',
      'api: max-layers 10 → none',
      'api (target dev): warn uncompressed none → 100 MB',
      'api (linux/arm64): max-layers none → 12',
      'worker: max-increase 5 MB → 5 MB or 10%',
    ]);
  });

  test('a change carries image, target, field, from and to', () => {
    expect(listBudgetChanges(base, head)[0]).toEqual({
      image: 'api',
      target: null,
      platform: null,
      field: 'max.compressed',
      label: 'max',
      from: '25 MB',
      to: '40 MB',
    });
  });

  test('identical files have no changes', () => {
    expect(listBudgetChanges(base, base)).toEqual([]);
  });

  test('list order does not count as a change', () => {
    const a = file(image('x', { forbid: ['*.pem', '.git'] }));
    const b = file(image('x', { forbid: ['.git', '*.pem'] }));
    expect(listBudgetChanges(a, b)).toEqual([]);
  });
});

describe('chooseEffectiveBudgets', () => {
  test('a PR cannot switch off the analysis the base budgets need, unless the override label is on', () => {
    const analysed = file(image('api', { forbid: ['runs-as-root'] }));
    const off = file(image('api', { forbid: ['runs-as-root'] }, { analyze: false }));
    expect(chooseEffectiveBudgets(analysed, off).images[0]?.analyze).toBeUndefined();
    expect(chooseEffectiveBudgets(analysed, off, { acceptHeadBudgets: true }).images[0]?.analyze).toBe(false);
    expect(listBudgetChanges(analysed, off).map(describeBudgetChange)).toEqual(['api: analyze on → off']);
    // Off on both sides stays off; the base switching it off does not force it on either.
    expect(chooseEffectiveBudgets(off, off).images[0]?.analyze).toBe(false);
    expect(chooseEffectiveBudgets(off, analysed).images[0]?.analyze).toBeUndefined();
  });

  test.each([
    [1, 'base file present: base budgets, new image keeps its own', false, { api: 'base', worker: 'base', fresh: 'head' }, 25 * MB],
    [2, 'override label: head budgets everywhere', true, { api: 'head', worker: 'head', fresh: 'head' }, 40 * MB],
  ])('%i: %s', (_n, _title, acceptHeadBudgets, sources, apiMax) => {
    const effective = chooseEffectiveBudgets(base, head, { acceptHeadBudgets });
    expect(effective.sources).toEqual(sources);
    const api = effective.images.find((i) => i.name === 'api')!;
    expect(api.budget.max?.compressed).toBe(apiMax);
    expect(effective.changes).toHaveLength(5);
  });

  test("base budgets replace the per-target and per-platform ones too, build settings stay the head's", () => {
    const effective = chooseEffectiveBudgets(base, head);
    const api = effective.images.find((i) => i.name === 'api')!;
    expect(api.targetBudgets).toEqual({ prod: { max: { compressed: 20 * MB } } });
    expect(api.platformBudgets).toEqual({});
    expect(api.context).toBe('/repo/api');
    expect(effective.images.map((i) => i.name)).toEqual(['api', 'worker', 'fresh']);
    expect(effective.images.find((i) => i.name === 'fresh')!.budget).toEqual({ max: { compressed: 5 * MB } });
  });

  test('no budget file on the base: head budgets, no changes', () => {
    const effective = chooseEffectiveBudgets(null, head);
    expect(effective.images).toEqual(head.images);
    expect(Object.values(effective.sources)).toEqual(['head', 'head', 'head']);
    expect(effective.changes).toEqual([]);
  });
});

describe('an image renamed (or dropped while another is added) in the PR', () => {
  test('the note says the base budget of the image that left no longer applies', () => {
    // base: api, worker, gone; head: api, worker, fresh.
    expect(chooseEffectiveBudgets(base, head).note).toBe(
      "gone is not in this PR's budget file, so the base budget of gone no longer applies; fresh is new in this PR and checked against the PR's own budget (a renamed image keeps no base budget)",
    );
    const renamed = file(image('api-v2', { max: { compressed: 90 * MB } }), image('web', {}));
    expect(describeUnmatchedImages(file(image('api', {}), image('old', {}), image('web', {})), renamed)).toMatch(
      /^api, old are not in this PR's budget file, so the base budget of api, old no longer applies; api-v2 is new/,
    );
  });

  test('nothing to say when images were only added, only removed, or there is no base budget file', () => {
    expect(describeUnmatchedImages(file(image('api', {})), file(image('api', {}), image('new', {})))).toBeNull();
    expect(describeUnmatchedImages(file(image('api', {}), image('old', {})), file(image('api', {})))).toBeNull();
    expect(chooseEffectiveBudgets(null, head).note).toBeNull();
  });
});
