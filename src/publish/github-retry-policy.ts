/**
 * How long a GitHub API request may keep trying, and whether one more attempt fits: pure, so
 * every decision the client's retry and throttling plugins ask for can be tested as a table.
 */

export interface RetryOptions {
  /** Attempts in all, the first included, whatever made them fail. */
  maxAttempts: number;
  /**
   * The step of the backoff after a server error or a failed connection: @octokit/plugin-retry
   * waits n² times this after the n-th failure in a row (1 s, 4 s, 9 s, 16 s).
   */
  baseDelayMs: number;
  /** Longest single wait, whatever GitHub asks for. */
  maxDelayMs: number;
  /** Give up rather than wait longer than this in total for one request. */
  maxTotalWaitMs: number;
  /**
   * The wait after a secondary rate limit that says nothing about when to retry (no
   * `retry-after`): GitHub's docs say "wait for at least one minute". The throttling plugin
   * waits this each time.
   */
  secondaryRateLimitWaitMs: number;
  /** One attempt, from connecting to the last byte of the answer: a server that never answers is given up on. */
  attemptTimeoutMs: number;
  /** One request in all, attempts and waits together: past it, no further attempt starts. */
  requestBudgetMs: number;
  /**
   * How long one second of a rate-limit wait lasts here: 1000. Tests shorten it so that
   * GitHub's minute passes in milliseconds; limits and messages still count GitHub's seconds.
   */
  rateLimitSecondMs: number;
}

/**
 * Five attempts; a secondary rate limit without hints waits a minute each time, and the request
 * gives up rather than wait past 3 min in all (the comment is not worth holding a job longer).
 */
export const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 120_000,
  maxTotalWaitMs: 180_000,
  secondaryRateLimitWaitMs: 60_000,
  attemptTimeoutMs: 30_000,
  requestBudgetMs: 180_000,
  rateLimitSecondMs: 1_000,
};

/**
 * For tests of a hung or unreachable API: `IMAGE_BUDGET_API_TIMEOUT_MS` (one attempt) and
 * `IMAGE_BUDGET_API_BUDGET_MS` (one request in all) shorten the limits; they never lengthen them.
 */
export function retryFromEnvironment(env: NodeJS.ProcessEnv = process.env): Partial<RetryOptions> {
  const read = (name: string, max: number): number | undefined => {
    const value = Number(env[name]);
    return Number.isSafeInteger(value) && value > 0 ? Math.min(value, max) : undefined;
  };
  const attemptTimeoutMs = read('IMAGE_BUDGET_API_TIMEOUT_MS', DEFAULT_RETRY.attemptTimeoutMs);
  const requestBudgetMs = read('IMAGE_BUDGET_API_BUDGET_MS', DEFAULT_RETRY.requestBudgetMs);
  return {
    ...(attemptTimeoutMs !== undefined ? { attemptTimeoutMs } : {}),
    ...(requestBudgetMs !== undefined ? { requestBudgetMs, maxTotalWaitMs: Math.min(requestBudgetMs, DEFAULT_RETRY.maxTotalWaitMs) } : {}),
  };
}

/** What failed: a 5xx, no answer at all, or one of GitHub's two kinds of rate limit. */
export type FailureKind = 'server-error' | 'unreachable' | 'primary-rate-limit' | 'secondary-rate-limit';

export interface NextAttempt {
  kind: FailureKind;
  /** The wait before it, as GitHub counts it (a rate limit's `retryAfter` seconds × 1000). */
  waitMs: number;
  /** False for a secondary rate limit without `retry-after`: the wait is our fallback, not GitHub's word. */
  hinted: boolean;
}

export interface RequestSoFar {
  /** Attempts made, the one that just failed included. */
  attempts: number;
  /** Waited between them, as GitHub counts it. */
  waitedMs: number;
  /** The request's time so far: its attempts, and its waits as GitHub counts them. */
  elapsedMs: number;
}

export type RetryDecision = { retry: true } | { retry: false; reason: string };

export function seconds(ms: number): string {
  return `${String(Math.ceil(ms / 1000))}s`;
}

/**
 * One more attempt while the attempts last and its wait fits: under the longest single wait,
 * within what is left of the waiting allowed, and starting before the request's budget ends.
 * Otherwise the reason, for the error message.
 */
export function decideRetry(next: NextAttempt, soFar: RequestSoFar, limits: RetryOptions): RetryDecision {
  if (soFar.attempts >= limits.maxAttempts) return { retry: false, reason: `gave up after ${String(soFar.attempts)} attempts` };
  const fits =
    next.waitMs <= limits.maxDelayMs &&
    soFar.waitedMs + next.waitMs <= limits.maxTotalWaitMs &&
    soFar.elapsedMs + next.waitMs < limits.requestBudgetMs;
  if (fits) return { retry: true };
  if (next.kind === 'secondary-rate-limit' && !next.hinted) {
    return {
      retry: false,
      reason:
        `secondary rate limit, no retry-after: GitHub asks to wait at least a minute, longer each time; ` +
        `gave up after ${String(soFar.attempts)} attempts and ${seconds(soFar.waitedMs)} of waiting rather than wait ${seconds(next.waitMs)} more ` +
        `(${seconds(limits.maxTotalWaitMs)} allowed in all)`,
    };
  }
  const limit = Math.min(limits.maxDelayMs, limits.maxTotalWaitMs - soFar.waitedMs, limits.requestBudgetMs - soFar.elapsedMs);
  return { retry: false, reason: `retrying would mean waiting ${seconds(next.waitMs)}, over the limit of ${seconds(Math.max(0, limit))}` };
}

/** @octokit/plugin-retry's wait before its next attempt, from the count it keeps in `request.retryCount`. */
export function serverErrorWaitMs(retryCount: number, limits: RetryOptions): number {
  return (retryCount + 1) ** 2 * limits.baseDelayMs;
}
