/** Shared set-up for the publish integration tests: a fake GitHub and fast retries. */
import { createGitHubClient, type GitHubClient, type RetryOptions } from '../../../src/publish/github-client.js';
import type { FakeGitHub } from '../../support/fake-github.js';

/** Retries that keep their logic but back off in milliseconds, not seconds. */
export const FAST_RETRY: Partial<RetryOptions> = {
  maxAttempts: 4,
  baseDelayMs: 5,
  maxDelayMs: 2_000,
  maxTotalWaitMs: 5_000,
  secondaryRateLimitWaitMs: 50,
};

export function clientFor(gh: FakeGitHub, token: string, retry: Partial<RetryOptions> = FAST_RETRY): GitHubClient {
  return createGitHubClient({ token, baseUrl: gh.url, retry });
}
