import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { GitHubApiError, isRetryable, isSecondaryRateLimit, requestedWaitMs } from '../../../src/publish/github-client.js';
import { startFakeGitHub, type FakeGitHub } from '../../support/fake-github.js';
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

  describe('a secondary rate limit without retry-after (GitHub: wait at least a minute, longer each time)', () => {
    /** The real defaults, with a sleep that records instead of waiting. */
    function recordingClient(): { client: ReturnType<typeof clientFor>; waits: number[] } {
      const waits: number[] = [];
      const sleep = async (ms: number): Promise<void> => {
        waits.push(ms);
      };
      return { client: clientFor(gh, gh.tokens.user, { sleep, random: () => 0 }), waits };
    }

    test('waits one minute, then retries', async () => {
      gh.fail('POST', COMMENTS, 1, { status: 403, kind: 'secondary-rate-limit' });
      const { client, waits } = recordingClient();
      await client.rest.issues.createComment({ owner: 'o', repo: 'r', issue_number: 7, body: 'hi' });
      expect(waits).toEqual([60_000]);
      expect(gh.requestsTo('POST', COMMENTS).map((r) => r.status)).toEqual([403, 201]);
    });

    test('again: two minutes; a 429 that is not the primary limit counts as one', async () => {
      gh.fail('POST', COMMENTS, 1, { status: 429 });
      gh.fail('POST', COMMENTS, 1, { status: 403, kind: 'secondary-rate-limit' });
      const { client, waits } = recordingClient();
      await client.rest.issues.createComment({ owner: 'o', repo: 'r', issue_number: 7, body: 'hi' });
      expect(waits).toEqual([60_000, 120_000]);
      expect(gh.requestsTo('POST', COMMENTS).map((r) => r.status)).toEqual([429, 403, 201]);
    });

    test('gives up once the next wait would pass the cap, and says why', async () => {
      gh.fail('POST', COMMENTS, 10, { status: 403, kind: 'secondary-rate-limit' });
      const { client, waits } = recordingClient();
      const error = (await client.rest.issues
        .createComment({ owner: 'o', repo: 'r', issue_number: 7, body: 'hi' })
        .catch((e: unknown) => e)) as GitHubApiError;
      expect(waits).toEqual([60_000, 120_000]);
      expect(error).toBeInstanceOf(GitHubApiError);
      expect(error.message).toBe(
        'GitHub API POST /repos/o/r/issues/7/comments failed with 403 after 3 attempts (secondary rate limit, no retry-after: ' +
          'GitHub asks to wait at least a minute, longer each time; gave up after 3 attempts and 180s of waiting rather than ' +
          'wait 240s more (180s allowed in all)): You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      );
      expect(gh.requestsTo('POST', COMMENTS)).toHaveLength(3);
      expect(gh.commentsOn('o', 'r', 7)).toHaveLength(0);
    });

    test('a server error still backs off in seconds', async () => {
      gh.fail('GET', COMMENTS, 1, { status: 502 });
      const { client, waits } = recordingClient();
      await client.rest.issues.listComments({ owner: 'o', repo: 'r', issue_number: 7 });
      expect(waits).toEqual([500]);
    });
  });

  test('429 with retry-after, and a primary rate limit with x-ratelimit-reset', async () => {
    gh.fail('GET', COMMENTS, 1, { status: 429, retryAfterSeconds: 0 });
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

  test('does not wait longer than allowed for a rate-limit reset an hour away', async () => {
    gh.fail('GET', COMMENTS, 1, { status: 403, kind: 'primary-rate-limit', resetInSeconds: 3600 });
    const client = clientFor(gh, gh.tokens.user);
    const started = Date.now();
    const error = (await client.rest.issues
      .listComments({ owner: 'o', repo: 'r', issue_number: 7 })
      .catch((e: unknown) => e)) as GitHubApiError;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error.status).toBe(403);
    expect(error.message).toMatch(
      /^GitHub API GET \/repos\/o\/r\/issues\/7\/comments failed with 403 \(retrying would mean waiting 3[56]\d\ds, over the limit of 2s\): API rate limit exceeded for installation\.$/,
    );
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

  test('the fake sends rate-limit headers on every answer', async () => {
    const client = clientFor(gh, gh.tokens.user);
    const { headers } = await client.rest.users.getAuthenticated();
    expect(headers['x-ratelimit-limit']).toBe('5000');
    expect(Number(headers['x-ratelimit-remaining'])).toBeLessThan(5000);
  });
});

describe('retry decisions', () => {
  test.each([
    [403, {}, 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', true],
    [403, {}, 'You have triggered an abuse detection mechanism.', true],
    [429, {}, 'Too Many Requests', true],
    [403, { 'x-ratelimit-remaining': '0' }, 'API rate limit exceeded for installation.', false],
    [429, { 'x-ratelimit-remaining': '0' }, 'API rate limit exceeded', false],
    [403, {}, 'Resource not accessible by integration', false],
    [502, {}, 'Server Error', false],
  ] as const)('secondary rate limit? #%# %i %o %s → %s', (status, headers, message, expected) => {
    expect(isSecondaryRateLimit(status, headers, message)).toBe(expected);
  });

  test.each([
    [500, {}, 'x', true],
    [503, {}, 'x', true],
    [429, {}, 'x', true],
    [403, { 'retry-after': '3' }, 'x', true],
    [403, { 'x-ratelimit-remaining': '0' }, 'x', true],
    [403, {}, 'You have exceeded a secondary rate limit', true],
    [403, {}, 'Resource not accessible by integration', false],
    [404, {}, 'Not Found', false],
    [422, {}, 'Validation Failed', false],
  ] as const)('#%# %i %o %s → %s', (status, headers, message, expected) => {
    expect(isRetryable(status, headers, message)).toBe(expected);
  });

  test('retry-after in seconds or as a date; reset as epoch seconds', () => {
    const now = Date.parse('2024-05-01T12:00:00Z');
    expect(requestedWaitMs(403, { 'retry-after': '2' }, now)).toBe(2000);
    expect(requestedWaitMs(429, { 'retry-after': 'Wed, 01 May 2024 12:00:05 GMT' }, now)).toBe(5000);
    expect(requestedWaitMs(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 7) }, now)).toBe(7000);
    expect(requestedWaitMs(503, {}, now)).toBeNull();
  });
});
