import { describe, expect, test } from 'vitest';
import { shouldComment } from '../../../src/publish/comment-policy.js';
import { markNoBaseline } from '../../../src/compare/apply-baseline.js';
import { MB, compared, entry, report } from '../report/report-fixtures.js';

const unchanged = report([compared('a', 5 * MB, 5 * MB)]);
const grew = report([compared('a', 5 * MB, 6 * MB)]);
const grewUncompressedOnly = report([compared('a', 5 * MB, 5 * MB, { delta: { compressedBytes: 0, uncompressedBytes: 10 } })]);
const newImage = report([entry({ name: 'n', baseline: null, delta: null, change: 'new' })]);
// The shapes the pipeline produces: markNoBaseline for "compared with nothing" (first run,
// `baseline: none`, or the baseline unavailable), and no comparison asked for at all.
const noBaseline = report(markNoBaseline([entry({ name: 'a' }), entry({ name: 'b', target: 'prod' })], () => ({})));
const noBaselineWarned = report(markNoBaseline([entry({ name: 'a', status: 'warn' })], () => ({})));
const notCompared = report([entry({ name: 'a' })]);
const over = report([compared('a', 5 * MB, 5 * MB, { status: 'over' })]);
const errored = report([entry({ name: 'a', status: 'error', compressedBytes: null, error: 'boom' })]);
const warned = report([entry({ name: 'a', status: 'warn' })]);

describe('shouldComment', () => {
  test.each([
    // mode, report, existing comment, expected
    ['off', over, true, false],
    ['always', unchanged, false, true],
    ['on-change', unchanged, false, false],
    ['on-change', unchanged, true, true],
    ['on-change', grew, false, true],
    ['on-change', grewUncompressedOnly, false, true],
    ['on-change', newImage, false, true],
    ['on-change', noBaseline, false, false],
    ['on-change', noBaseline, true, true],
    ['on-change', noBaselineWarned, false, true],
    ['on-change', notCompared, false, false],
    ['on-change', warned, false, true],
    ['on-failure', grew, false, false],
    ['on-failure', over, false, true],
    ['on-failure', errored, false, true],
    ['on-failure', warned, false, false],
    ['on-failure', unchanged, true, true],
  ] as const)('#%# %s', (mode, r, existing, expected) => {
    expect(shouldComment(mode, r, existing)).toBe(expected);
  });
});
