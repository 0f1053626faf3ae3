import { describe, expect, test } from 'vitest';
import type { Budget } from '../../../src/config/types.js';
import { decideOutcome, evaluateSizeBudget, statusOf, worstStatus } from '../../../src/compare/verdict.js';

const MB = 1_000_000;
const sizes = { compressedBytes: 30 * MB, uncompressedBytes: 90 * MB, layerCount: 6 };

describe('evaluateSizeBudget', () => {
  test.each<[number, string, Budget, string, string[]]>([
    [1, 'no budget', {}, 'ok', []],
    [2, 'under max', { max: { compressed: 31 * MB } }, 'ok', []],
    [3, 'equal to max is within budget', { max: { compressed: 30 * MB } }, 'ok', []],
    [4, 'over compressed max', { max: { compressed: 25 * MB } }, 'over', ['max.compressed']],
    [5, 'over uncompressed max only', { max: { compressed: 40 * MB, uncompressed: 80 * MB } }, 'over', ['max.uncompressed']],
    [6, 'warn only', { max: { compressed: 40 * MB }, warn: { compressed: 29 * MB } }, 'warn', ['warn.compressed']],
    [
      7,
      "over max hides the same metric's warn",
      { max: { compressed: 20 * MB }, warn: { compressed: 15 * MB } },
      'over',
      ['max.compressed'],
    ],
    [
      8,
      'warn on the other metric still shows',
      { max: { compressed: 20 * MB }, warn: { uncompressed: 50 * MB } },
      'over',
      ['max.compressed', 'warn.uncompressed'],
    ],
    [9, 'too many layers', { maxLayers: 5 }, 'over', ['max-layers']],
    [10, 'layers at the limit', { maxLayers: 6 }, 'ok', []],
  ])('%i. %s', (_n, _name, budget, status, rules) => {
    const findings = evaluateSizeBudget(sizes, budget);
    expect(findings.map((f) => f.rule)).toEqual(rules);
    expect(statusOf(findings)).toBe(status);
  });

  test('messages state the measured size and the limit', () => {
    const [finding] = evaluateSizeBudget(sizes, { max: { compressed: 25 * MB } });
    expect(finding?.message).toBe('compressed 30 MB > max 25 MB');
  });
});

describe('outcome', () => {
  test.each([
    [1, ['ok', 'warn'], false, false, 0],
    [2, ['ok', 'over'], true, false, 1],
    [3, ['ok', 'error'], false, true, 1],
    [4, [], false, false, 0],
  ] as const)('%i. %j', (_n, statuses, over, failed, code) => {
    const outcome = decideOutcome(statuses.map((status) => ({ status })));
    expect(outcome).toEqual({ overBudget: over, buildFailed: failed, exitCode: code });
  });

  test.each([
    [1, ['ok', 'over'], { overBudget: true, buildFailed: false, acceptedByLabel: true, exitCode: 0 }],
    [2, ['over', 'error'], { overBudget: true, buildFailed: true, acceptedByLabel: true, exitCode: 1 }],
    [3, ['error'], { overBudget: false, buildFailed: true, exitCode: 1 }],
    [4, ['ok', 'warn'], { overBudget: false, buildFailed: false, exitCode: 0 }],
  ] as const)('%i. the override label on the PR with %j: images over budget pass, a failed build never', (_n, statuses, expected) => {
    expect(
      decideOutcome(
        statuses.map((status) => ({ status })),
        { overrideLabel: true },
      ),
    ).toEqual(expected);
  });

  test('worst status orders ok < warn < over < error', () => {
    expect(worstStatus(['warn', 'ok'])).toBe('warn');
    expect(worstStatus(['over', 'error', 'warn'])).toBe('error');
    expect(worstStatus([])).toBe('ok');
  });
});
