import { describe, expect, test } from 'vitest';
import {
  decideRetry,
  DEFAULT_RETRY,
  serverErrorWaitMs,
  type FailureKind,
  type RetryDecision,
} from '../../../src/publish/github-retry-policy.js';

const SECONDARY =
  'secondary rate limit, no retry-after: GitHub asks to wait at least a minute, longer each time; gave up after 3 attempts ' +
  'and 120s of waiting rather than wait 60s more (180s allowed in all)';

describe('decideRetry, with the defaults (5 attempts, 120 s per wait, 180 s of waiting, 180 s per request)', () => {
  test.each<[FailureKind, number, boolean, number, number, number, RetryDecision]>([
    // kind, wait, hinted, attempts so far, waited, elapsed (attempts and waits) → decision
    ['server-error', 1_000, true, 1, 0, 100, { retry: true }],
    ['server-error', 16_000, true, 4, 14_000, 60_000, { retry: true }],
    ['server-error', 25_000, true, 5, 30_000, 90_000, { retry: false, reason: 'gave up after 5 attempts' }],
    ['unreachable', 1_000, true, 1, 0, 30_000, { retry: true }],
    // A hung API: each attempt took its 30 s, and the next would start past the budget.
    ['unreachable', 16_000, true, 4, 14_000, 170_000, { retry: false, reason: 'retrying would mean waiting 16s, over the limit of 10s' }],
    ['unreachable', 1_000, true, 2, 1_000, 179_000, { retry: false, reason: 'retrying would mean waiting 1s, over the limit of 1s' }],
    ['secondary-rate-limit', 60_000, false, 1, 0, 50, { retry: true }],
    ['secondary-rate-limit', 60_000, false, 2, 60_000, 60_100, { retry: true }],
    // A third minute would end past the request's 3 minutes.
    ['secondary-rate-limit', 60_000, false, 3, 120_000, 120_150, { retry: false, reason: SECONDARY }],
    ['secondary-rate-limit', 60_000, false, 5, 120_000, 120_200, { retry: false, reason: 'gave up after 5 attempts' }],
    ['secondary-rate-limit', 5_000, true, 1, 0, 50, { retry: true }],
    ['secondary-rate-limit', 130_000, true, 1, 0, 50, { retry: false, reason: 'retrying would mean waiting 130s, over the limit of 120s' }],
    [
      'primary-rate-limit',
      3_601_000,
      true,
      1,
      0,
      50,
      { retry: false, reason: 'retrying would mean waiting 3601s, over the limit of 120s' },
    ],
    [
      'primary-rate-limit',
      30_000,
      true,
      2,
      170_000,
      170_500,
      { retry: false, reason: 'retrying would mean waiting 30s, over the limit of 10s' },
    ],
    ['primary-rate-limit', 9_000, true, 2, 170_000, 170_500, { retry: true }],
  ])(
    '#%# %s, wait %i ms (hinted: %s) after %i attempts, %i ms waited, %i ms in',
    (kind, waitMs, hinted, attempts, waitedMs, elapsedMs, expected) => {
      expect(decideRetry({ kind, waitMs, hinted }, { attempts, waitedMs, elapsedMs }, DEFAULT_RETRY)).toEqual(expected);
    },
  );

  test('the shortened limits of IMAGE_BUDGET_API_BUDGET_MS bind waits as they bind attempts', () => {
    const limits = { ...DEFAULT_RETRY, requestBudgetMs: 1_500, maxTotalWaitMs: 1_500 };
    expect(decideRetry({ kind: 'unreachable', waitMs: 1_000, hinted: true }, { attempts: 1, waitedMs: 0, elapsedMs: 300 }, limits)).toEqual(
      {
        retry: true,
      },
    );
    expect(
      decideRetry({ kind: 'unreachable', waitMs: 4_000, hinted: true }, { attempts: 2, waitedMs: 1_000, elapsedMs: 1_500 }, limits),
    ).toEqual({ retry: false, reason: 'retrying would mean waiting 4s, over the limit of 0s' });
  });
});

describe('serverErrorWaitMs: plugin-retry’s (n + 1)² steps', () => {
  test.each([
    [0, 1_000],
    [1, 4_000],
    [2, 9_000],
    [3, 16_000],
  ])('retry count %i → %i ms', (retryCount, expected) => {
    expect(serverErrorWaitMs(retryCount, DEFAULT_RETRY)).toBe(expected);
  });

  test('five attempts of a hung API, each timed out, and the waits between them fit one request’s budget', () => {
    const waits = [0, 1, 2, 3].map((n) => serverErrorWaitMs(n, DEFAULT_RETRY)).reduce((a, b) => a + b, 0);
    expect(waits).toBe(30_000);
    expect(DEFAULT_RETRY.maxAttempts * DEFAULT_RETRY.attemptTimeoutMs + waits).toBeLessThanOrEqual(DEFAULT_RETRY.requestBudgetMs);
  });
});
