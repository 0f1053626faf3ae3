import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { GitHubApiError } from '../../../src/publish/github-client.js';
import { startFakeGitHub, type FakeGitHub, type RecordedRequest } from '../../support/fake-github.js';
import { clientFor } from './publish-helpers.js';

let gh: FakeGitHub;
beforeEach(async () => {
  gh = await startFakeGitHub();
  gh.addPull('o', 'r', { number: 7, headOwner: 'o', headRef: 'feature', headSha: 'a'.repeat(40) });
});
afterEach(async () => {
  await gh.stop();
});

const COMMENTS = /^\/repos\/o\/r\/issues\/7\/comments$/;

describe('createGitHubClient retries', () => {
  test('5xx then success', async () => {
    gh.fail('GET', COMMENTS, 2, { status: 503 });
    const client = clientFor(gh, gh.tokens.user);
    const { data } = await client.rest.issues.listComments({ owner: 'o', repo: 'r', issue_number: 7 });
    expect(data).toEqual([]);
    expect(gh.requestsTo('GET', COMMENTS).map((r) => r.status)).toEqual([503, 503, 200]);
  });

  test('a secondary rate limit honours retry-after', async () => {
    gh.fail('POST', COMMENTS, 1, { status: 403, kind: 'secondary-rate-limit', retryAfterSeconds: 1 });
    const client = clientFor(gh, gh.tokens.user);
    const started = Date.now();
    const { data } = await client.rest.issues.createComment({ owner: 'o', repo: 'r', issue_number: 7, body: 'hi' });
    const posts = gh.requestsTo('POST', COMMENTS);
    expect(posts.map((r) => r.status)).toEqual([403, 201]);
    // Waited the second GitHub asked for, not the 5 ms backoff.
    expect((posts[1]?.at ?? 0) - (posts[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(data.body).toBe('hi');
    expect(gh.commentsOn('o', 'r', 7)).toHaveLength(1);
  });

  describe('a secondary rate limit without retry-after (GitHub: wait at least a minute)', () => {
    /** The real defaults, with GitHub's seconds passing 50 times faster: its minute takes 1.2 s here. */
    const SECOND_MS = 20;
    const MINUTE_MS = 60 * SECOND_MS;
    const scaledClient = () => clientFor(gh, gh.tokens.user, { rateLimitSecondMs: SECOND_MS });
    const gapsBetween = (requests: RecordedRequest[]): number[] => requests.slice(1).map((r, i) => r.at - (requests[i]?.at ?? r.at));

    test('waits one minute, then retries', async () => {
      gh.fail('POST', COMMENTS, 1, { status: 403, kind: 'secondary-rate-limit' });
      await scaledClient().rest.issues.createComment({ owner: 'o', repo: 'r', issue_number: 7, body: 'hi' });
      const posts = gh.requestsTo('POST', COMMENTS);
      expect(posts.map((r) => r.status)).toEqual([403, 201]);
      const [gap] = gapsBetween(posts);
      expect(gap).toBeGreaterThanOrEqual(MINUTE_MS - 5);
      expect(gap).toBeLessThan(2 * MINUTE_MS);
    });

    test('again: a minute each time (plugin-throttling’s fallback), a 429 as a 403', async () => {
      gh.fail('POST', COMMENTS, 1, { status: 429, kind: 'secondary-rate-limit' });
      gh.fail('POST', COMMENTS, 1, { status: 403, kind: 'secondary-rate-limit' });
      await scaledClient().rest.issues.createComment({ owner: 'o', repo: 'r', issue_number: 7, body: 'hi' });
      const posts = gh.requestsTo('POST', COMMENTS);
      expect(posts.map((r) => r.status)).toEqual([429, 403, 201]);
      for (const gap of gapsBetween(posts)) {
        expect(gap).toBeGreaterThanOrEqual(MINUTE_MS - 5);
        expect(gap).toBeLessThan(2 * MINUTE_MS);
      }
    });

    test('gives up once the next wait would end past the 3 minutes, and says why', async () => {
      gh.fail('POST', COMMENTS, 10, { status: 403, kind: 'secondary-rate-limit' });
      const error = (await scaledClient()
        .rest.issues.createComment({ owner: 'o', repo: 'r', issue_number: 7, body: 'hi' })
        .catch((e: unknown) => e)) as GitHubApiError;
      expect(error).toBeInstanceOf(GitHubApiError);
      expect(error.message).toBe(
        'GitHub API POST /repos/o/r/issues/7/comments failed with 403 after 3 attempts (secondary rate limit, no retry-after: ' +
          'GitHub asks to wait at least a minute, longer each time; gave up after 3 attempts and 120s of waiting rather than ' +
          'wait 60s more (180s allowed in all)): You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      );
      const posts = gh.requestsTo('POST', COMMENTS);
      expect(posts).toHaveLength(3);
      for (const gap of gapsBetween(posts)) expect(gap).toBeGreaterThanOrEqual(MINUTE_MS - 5);
      expect(gh.commentsOn('o', 'r', 7)).toHaveLength(0);
    });

    test('a server error still backs off in seconds', async () => {
      gh.fail('GET', COMMENTS, 1, { status: 502 });
      await scaledClient().rest.issues.listComments({ owner: 'o', repo: 'r', issue_number: 7 });
      const gets = gh.requestsTo('GET', COMMENTS);
      expect(gets.map((r) => r.status)).toEqual([502, 200]);
      // plugin-retry's first step: 1 s, whatever the rate limits' clock.
      const [gap] = gapsBetween(gets);
      expect(gap).toBeGreaterThanOrEqual(995);
      expect(gap).toBeLessThan(10_000);
    });
  });

  test('429 with retry-after, and a primary rate limit with x-ratelimit-reset', async () => {
    gh.fail('GET', COMMENTS, 1, { status: 429, kind: 'secondary-rate-limit', retryAfterSeconds: 0 });
    gh.fail('GET', COMMENTS, 1, { status: 403, kind: 'primary-rate-limit', resetInSeconds: 0 });
    const client = clientFor(gh, gh.tokens.user);
    await client.rest.issues.listComments({ owner: 'o', repo: 'r', issue_number: 7 });
    expect(gh.requestsTo('GET', COMMENTS).map((r) => r.status)).toEqual([429, 403, 200]);
  });

  test('gives up after maxAttempts with the endpoint, status and message', async () => {
    gh.fail('GET', COMMENTS, 10, { status: 502 });
    const client = clientFor(gh, gh.tokens.user, { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 10, maxTotalWaitMs: 1000 });
    const error = await client.rest.issues.listComments({ owner: 'o', repo: 'r', issue_number: 7 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubApiError);
    expect((error as GitHubApiError).message).toBe(
      'GitHub API GET /repos/o/r/issues/7/comments failed with 502 after 3 attempts (gave up after 3 attempts): Server Error',
    );
    expect((error as GitHubApiError).attempts).toBe(3);
    expect(gh.requestsTo('GET', COMMENTS)).toHaveLength(3);
  });

  test.each([403, 429] as const)('does not wait longer than allowed for a rate-limit reset an hour away (%i)', async (status) => {
    gh.fail('GET', COMMENTS, 1, { status, kind: 'primary-rate-limit', resetInSeconds: 3600 });
    const client = clientFor(gh, gh.tokens.user);
    const started = Date.now();
    const error = (await client.rest.issues
      .listComments({ owner: 'o', repo: 'r', issue_number: 7 })
      .catch((e: unknown) => e)) as GitHubApiError;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error.status).toBe(status);
    expect(error.message).toMatch(
      new RegExp(
        `^GitHub API GET /repos/o/r/issues/7/comments failed with ${String(status)} \\(retrying would mean waiting 3[56]\\d\\ds, over the limit of 2s\\): API rate limit exceeded for installation\\.$`,
      ),
    );
    expect(gh.requestsTo('GET', COMMENTS)).toHaveLength(1);
  });

  test('4xx other than rate limits are not retried', async () => {
    gh.fail('GET', COMMENTS, 1, { status: 404 });
    const client = clientFor(gh, gh.tokens.user);
    const error = (await client.rest.issues
      .listComments({ owner: 'o', repo: 'r', issue_number: 7 })
      .catch((e: unknown) => e)) as GitHubApiError;
    expect(error.message).toBe('GitHub API GET /repos/o/r/issues/7/comments failed with 404: Not Found');
    expect(gh.requestsTo('GET', COMMENTS)).toHaveLength(1);
  });

  test('a 403 that is not a rate limit is not retried', async () => {
    const client = clientFor(gh, gh.tokens.installation);
    const error = (await client.rest.users.getAuthenticated().catch((e: unknown) => e)) as GitHubApiError;
    expect(error.message).toBe('GitHub API GET /user failed with 403: Resource not accessible by integration');
    expect(gh.requestsTo('GET', /^\/user$/)).toHaveLength(1);
  });

  test('the fake sends rate-limit headers on every answer', async () => {
    const client = clientFor(gh, gh.tokens.user);
    const { headers } = await client.rest.users.getAuthenticated();
    expect(headers['x-ratelimit-limit']).toBe('5000');
    expect(Number(headers['x-ratelimit-remaining'])).toBeLessThan(5000);
  });
});
