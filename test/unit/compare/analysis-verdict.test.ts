import { describe, expect, test } from 'vitest';
import { evaluateAnalysisBudget, MAX_FORBID_FINDINGS_PER_ID, statusOf, type AnalysisFigures } from '../../../src/compare/verdict.js';
import type { Budget } from '../../../src/config/types.js';
import type { Hint } from '../../../src/types.js';

const MB = 1_000_000;
const hint = (id: string, path: string, bytes: number, line: number | null = 7): Hint => ({
  id,
  path,
  bytes,
  dockerfile: line === null ? null : { path: 'app/Dockerfile', line },
});
const analysis: AnalysisFigures = {
  wastedBytes: 12 * MB,
  efficiency: 0.8,
  totalFileBytes: 60 * MB, // 12 MB wasted = 20% of the file bytes the layers add
  hints: [
    hint('toolchain-in-final-image', '/usr/local/go', 150 * MB, 9),
    hint('deleted-in-later-layer', '/big.bin', 12 * MB, 3),
    hint('runs-as-root', '(no USER)', 0, null),
  ],
  // dive counts the kept copy of an overwritten file too: more waste, lower efficiency;
  // 15 MB of the 50 MB the layers above the first add = 30%.
  dive: { efficiency: 0.7, wastedBytes: 15 * MB, userFileBytes: 50 * MB },
};

describe('evaluateAnalysisBudget', () => {
  test.each<[number, string, Budget, string, string[]]>([
    [1, 'no analysis budget', {}, 'ok', []],
    [2, 'efficiency above the minimum', { minEfficiency: 0.75 }, 'ok', []],
    [3, 'efficiency equal to the minimum passes', { minEfficiency: 0.8 }, 'ok', []],
    [4, 'efficiency below the minimum', { minEfficiency: 0.9 }, 'over', ['min-efficiency']],
    [5, 'wasted under max-wasted', { maxWasted: 13 * MB }, 'ok', []],
    [6, 'wasted equal to max-wasted passes', { maxWasted: 12 * MB }, 'ok', []],
    [7, 'wasted over max-wasted', { maxWasted: 5 * MB }, 'over', ['max-wasted']],
    [8, 'wasted share under the percent', { maxWastedPercent: 25 }, 'ok', []],
    [9, 'wasted share over the percent', { maxWastedPercent: 10 }, 'over', ['max-wasted-percent']],
    [10, 'forbidden hint present', { forbid: ['toolchain-in-final-image'] }, 'over', ['forbid.toolchain-in-final-image']],
    [11, 'forbidden hint absent', { forbid: ['vcs-directory'] }, 'ok', []],
    [
      12,
      'ignore-hints silences a forbidden id',
      { forbid: ['toolchain-in-final-image'], ignoreHints: ['toolchain-in-final-image'] },
      'ok',
      [],
    ],
    [13, 'zero-byte hints can be forbidden', { forbid: ['runs-as-root'] }, 'over', ['forbid.runs-as-root']],
    [
      14,
      'every rule at once, in a stable order',
      { minEfficiency: 0.9, maxWasted: 1, maxWastedPercent: 1, forbid: ['deleted-in-later-layer', 'runs-as-root'] },
      'over',
      ['min-efficiency', 'max-wasted', 'max-wasted-percent', 'forbid.deleted-in-later-layer', 'forbid.runs-as-root'],
    ],
    [15, 'an empty forbid list asks nothing', { forbid: [] }, 'ok', []],
  ])('%i. %s', (_n, _name, budget, status, rules) => {
    const { findings, notes } = evaluateAnalysisBudget(analysis, budget);
    expect(findings.map((f) => f.rule)).toEqual(rules);
    expect(statusOf(findings)).toBe(status);
    expect(notes).toEqual([]);
  });

  test('messages state the figure and the limit', () => {
    const { findings } = evaluateAnalysisBudget(analysis, { minEfficiency: 0.9, maxWasted: 5 * MB, maxWastedPercent: 10 });
    expect(findings.map((f) => f.message)).toEqual([
      'efficiency 80% < min-efficiency 90% (12 MB wasted)',
      '12 MB wasted > max-wasted 5 MB',
      '12 MB wasted, 20% of the 60 MB of files the layers add > max-wasted-percent 10%',
    ]);
  });

  test('a forbidden hint names the path, the bytes and the Dockerfile line', () => {
    const { findings } = evaluateAnalysisBudget(analysis, { forbid: ['toolchain-in-final-image', 'runs-as-root'] });
    expect(findings.map((f) => f.message)).toEqual([
      'forbidden hint toolchain-in-final-image: /usr/local/go (150 MB) at app/Dockerfile:9',
      'forbidden hint runs-as-root: (no USER) in the base image',
    ]);
  });

  test('many hints of a forbidden id: the largest ones, then a count', () => {
    const many = { ...analysis, hints: Array.from({ length: 8 }, (_, i) => hint('vcs-directory', `/src${i}/.git`, (i + 1) * MB)) };
    const { findings } = evaluateAnalysisBudget(many, { forbid: ['vcs-directory'] });
    expect(findings).toHaveLength(MAX_FORBID_FINDINGS_PER_ID + 1);
    expect(findings[0]?.message).toContain('/src7/.git');
    expect(findings.at(-1)?.message).toBe('forbidden hint vcs-directory: 3 more');
  });

  test('a very long path is shortened in the message', () => {
    const long = { ...analysis, hints: [hint('vcs-directory', `/${'a'.repeat(5000)}`, MB)] };
    const [finding] = evaluateAnalysisBudget(long, { forbid: ['vcs-directory'] }).findings;
    expect(finding!.message.length).toBeLessThan(300);
  });

  test.each<[number, Budget, string | undefined, string[]]>([
    [1, { maxWasted: 1 }, 'layer analysis is off', ['max-wasted not checked: layer analysis is off']],
    [
      2,
      { minEfficiency: 0.9, forbid: ['runs-as-root'] },
      'layer analysis failed: boom',
      ['min-efficiency, forbid not checked: layer analysis failed: boom'],
    ],
    [3, {}, 'layer analysis is off', []],
    [4, { maxWastedPercent: 5 }, undefined, ['max-wasted-percent not checked: no layer analysis']],
  ])('%i. without an analysis: a note, never a finding', (_n, budget, unavailable, notes) => {
    const result = evaluateAnalysisBudget(null, budget, unavailable ? { unavailable } : {});
    expect(result).toEqual({ findings: [], notes });
  });

  test('max-wasted-percent with no file bytes to take a share of checks nothing', () => {
    expect(evaluateAnalysisBudget({ ...analysis, totalFileBytes: 0 }, { maxWastedPercent: 1 }).findings).toEqual([]);
  });
});

describe("waste-figures: dive reads dive's figures with dive's definitions", () => {
  test.each<[number, string, Budget, string[]]>([
    // lowestEfficiency: fails when the threshold is above dive's efficiency (0.7), not ours (0.8).
    [1, 'min-efficiency between dive and ours', { minEfficiency: 0.75 }, ['min-efficiency']],
    [2, "min-efficiency at dive's figure passes", { minEfficiency: 0.7 }, []],
    // highestWastedBytes: dive's 15 MB, not our 12 MB.
    [3, 'max-wasted between ours and dive', { maxWasted: 13 * MB }, ['max-wasted']],
    [4, "max-wasted at dive's figure passes", { maxWasted: 15 * MB }, []],
    // highestUserWastedPercent ×100: 15 MB ÷ 50 MB = 30%, where ours is 12 ÷ 60 = 20%.
    [5, 'max-wasted-percent between ours and dive', { maxWastedPercent: 25 }, ['max-wasted-percent']],
    [6, "max-wasted-percent at dive's figure passes", { maxWastedPercent: 30 }, []],
  ])('%i. %s', (_n, _name, budget, rules) => {
    expect(evaluateAnalysisBudget(analysis, { ...budget, wasteFigures: 'dive' }).findings.map((f) => f.rule)).toEqual(rules);
    // Our figures pass every one of these budgets: only dive's fail the odd cases.
    expect(evaluateAnalysisBudget(analysis, budget).findings).toEqual([]);
  });

  test("messages say the figures are dive's and what the percentage is of", () => {
    const { findings } = evaluateAnalysisBudget(analysis, {
      minEfficiency: 0.9,
      maxWasted: 5 * MB,
      maxWastedPercent: 10,
      wasteFigures: 'dive',
    });
    expect(findings.map((f) => f.message)).toEqual([
      'dive: efficiency 70% < min-efficiency 90% (15 MB wasted)',
      'dive: 15 MB wasted > max-wasted 5 MB',
      'dive: 15 MB wasted, 30% of the 50 MB of files the layers above the first add > max-wasted-percent 10%',
    ]);
  });

  test("a one-layer image has no user bytes: dive's NaN passes, and so does ours", () => {
    expect(
      evaluateAnalysisBudget({ ...analysis, dive: { ...analysis.dive!, userFileBytes: 0 } }, { maxWastedPercent: 1, wasteFigures: 'dive' })
        .findings,
    ).toEqual([]);
  });

  test('no dive figures: a note; forbid is still checked', () => {
    const { dive: _dive, ...withoutDive } = analysis;
    expect(evaluateAnalysisBudget(withoutDive, { maxWasted: 1, forbid: ['runs-as-root'], wasteFigures: 'dive' })).toEqual({
      findings: [expect.objectContaining({ rule: 'forbid.runs-as-root' })],
      notes: ['max-wasted not checked: waste-figures: dive, and the analysis has no dive figures'],
    });
  });
});
