import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { findExistingComment, resolveCommentAuthor, upsertComment } from '../../../src/publish/comment.js';
import { commentMarker, readRunStamp, withRunStamp } from '../../../src/report/comment-marker.js';
import { ACTIONS_BOT, APP_BOT, fakeUser, startFakeGitHub, type FakeGitHub } from '../../support/fake-github.js';
import { clientFor } from './publish-helpers.js';

let gh: FakeGitHub;
beforeEach(async () => {
  gh = await startFakeGitHub();
  gh.addPull('o', 'r', { number: 7, headOwner: 'fork-owner', headRef: 'feature', headSha: 'a'.repeat(40) });
});
afterEach(async () => {
  await gh.stop();
});

const MARKER = commentMarker('default');
const target = { owner: 'o', repo: 'r', issueNumber: 7, key: 'default' };

describe('upsertComment', () => {
  test('creates the comment with the marker on its first line', async () => {
    const client = clientFor(gh, gh.tokens.installation);
    const result = await upsertComment(client, { ...target, body: `${MARKER}\nhello` });
    const [comment] = gh.commentsOn('o', 'r', 7);
    expect(result).toEqual({ action: 'created', id: comment?.id, url: comment?.html_url });
    expect(comment?.body).toBe(`${MARKER}\nhello`);
    expect(comment?.user?.login).toBe('github-actions[bot]');
  });

  test('adds the marker when the body lacks it', async () => {
    const client = clientFor(gh, gh.tokens.installation);
    await upsertComment(client, { ...target, body: 'plain' });
    expect(gh.commentsOn('o', 'r', 7)[0]?.body).toBe(`${MARKER}\nplain`);
  });

  test('finds and updates ours on page 3 of 250 comments, leaving lookalikes alone', async () => {
    const stranger = fakeUser('mallory', 666);
    for (let i = 0; i < 250; i++) {
      // Every 10th comment fakes our marker, written by someone else: never ours to touch.
      gh.addComment('o', 'r', 7, i % 10 === 0 ? `${MARKER}\nfake ${i}` : `comment ${i}`, stranger);
    }
    // Our marker quoted in the middle of a comment by the bot itself (another tool): not ours.
    gh.addComment('o', 'r', 7, `see:\n${MARKER}\nquoted`, ACTIONS_BOT);
    const ours = gh.addComment('o', 'r', 7, `${MARKER}\nold numbers`, ACTIONS_BOT);
    gh.addComment('o', 'r', 7, `${commentMarker('other-key')}\nother key`, ACTIONS_BOT);
    const before = new Map(gh.commentsOn('o', 'r', 7).map((c) => [c.id, c.body]));

    const client = clientFor(gh, gh.tokens.installation);
    const result = await upsertComment(client, { ...target, body: `${MARKER}\nnew numbers` });

    expect(result).toEqual({ action: 'updated', id: ours.id, url: ours.html_url });
    const after = gh.commentsOn('o', 'r', 7);
    expect(after).toHaveLength(253);
    for (const c of after) {
      if (c.id === ours.id) expect(c.body).toBe(`${MARKER}\nnew numbers`);
      else expect(c.body).toBe(before.get(c.id));
    }
    // Listed with per_page=100 and followed the Link header to page 3.
    const lists = gh.requestsTo('GET', /^\/repos\/o\/r\/issues\/7\/comments$/);
    expect(lists.map((r) => [r.query.get('per_page'), r.query.get('page') ?? '1'])).toEqual([
      ['100', '1'],
      ['100', '2'],
      ['100', '3'],
    ]);
    expect(gh.requestsTo('PATCH', /comments/)).toHaveLength(1);
    expect(gh.requestsTo('POST', /comments/)).toHaveLength(0);
  });

  test('an identical body is left alone', async () => {
    const ours = gh.addComment('o', 'r', 7, `${MARKER}\nsame`, ACTIONS_BOT);
    const client = clientFor(gh, gh.tokens.installation);
    expect(await upsertComment(client, { ...target, body: `${MARKER}\nsame` })).toEqual({
      action: 'unchanged',
      id: ours.id,
      url: ours.html_url,
    });
    expect(gh.requestsTo('PATCH', /comments/)).toHaveLength(0);
  });

  test('a body stored with CRLF line ends counts as identical', async () => {
    const ours = gh.addComment('o', 'r', 7, `${MARKER}\r\nsame\r\nlines`, ACTIONS_BOT);
    const client = clientFor(gh, gh.tokens.installation);
    expect(await upsertComment(client, { ...target, body: `${MARKER}\nsame\nlines` })).toMatchObject({ action: 'unchanged', id: ours.id });
  });

  test('a personal token owns the comments of its /user login', async () => {
    gh.addComment('o', 'r', 7, `${MARKER}\nby the bot`, ACTIONS_BOT);
    const mine = gh.addComment('o', 'r', 7, `${MARKER}\nby octocat`, fakeUser('octocat', 583231));
    const client = clientFor(gh, gh.tokens.user);
    expect(await resolveCommentAuthor(client)).toBe('octocat');
    const result = await upsertComment(client, { ...target, body: `${MARKER}\nv2` });
    expect(result).toMatchObject({ action: 'updated', id: mine.id });
  });

  test('GITHUB_TOKEN is github-actions[bot]: GET /user answers 403', async () => {
    const client = clientFor(gh, gh.tokens.installation);
    expect(await resolveCommentAuthor(client)).toBe('github-actions[bot]');
    expect(gh.requestsTo('GET', /^\/user$/).map((r) => r.status)).toEqual([403]);
  });

  test("a GitHub App's installation token is its bot: GraphQL's viewer names it", async () => {
    const client = clientFor(gh, gh.tokens.app);
    expect(await resolveCommentAuthor(client)).toBe(APP_BOT.login);
    expect(gh.requestsTo('GET', /^\/user$/).map((r) => r.status)).toEqual([403]);
    expect(gh.requestsTo('POST', /^\/graphql$/).map((r) => r.status)).toEqual([200]);
  });

  test('an app token upserting twice leaves one comment, its own; the bot’s comment is not touched', async () => {
    const actions = gh.addComment('o', 'r', 7, `${MARKER}\nby github-actions`, ACTIONS_BOT);
    const client = clientFor(gh, gh.tokens.app);
    const first = await upsertComment(client, { ...target, body: `${MARKER}\nrun 1` });
    const second = await upsertComment(client, { ...target, body: `${MARKER}\nrun 2` });
    expect(first).toMatchObject({ action: 'created' });
    expect(second).toMatchObject({ action: 'updated', id: first.action === 'skipped' ? -1 : first.id });
    const ours = gh.commentsOn('o', 'r', 7).filter((c) => c.user?.login === APP_BOT.login);
    expect(ours.map((c) => c.body)).toEqual([`${MARKER}\nrun 2`]);
    expect(gh.commentsOn('o', 'r', 7).find((c) => c.id === actions.id)?.body).toBe(`${MARKER}\nby github-actions`);
  });

  test('when GraphQL cannot answer, the `author` option (comment-author) still finds the app’s comment', async () => {
    gh.fail('POST', /^\/graphql$/, 100, { status: 404 });
    const client = clientFor(gh, gh.tokens.app);
    // Without it the identity is not guessed (github-actions[bot] would be wrong for an app token).
    expect(await resolveCommentAuthor(client)).toBeNull();
    await upsertComment(client, { ...target, body: `${MARKER}\nrun 1`, author: APP_BOT.login });
    await upsertComment(client, { ...target, body: `${MARKER}\nrun 2`, author: APP_BOT.login });
    expect(gh.commentsOn('o', 'r', 7).map((c) => [c.user?.login, c.body])).toEqual([[APP_BOT.login, `${MARKER}\nrun 2`]]);
  });

  test('a fork read-only token is skipped with the permission named, not thrown', async () => {
    const client = clientFor(gh, gh.tokens.forkReadOnly);
    const result = await upsertComment(client, { ...target, body: 'x' });
    expect(result).toMatchObject({ action: 'skipped', permission: 'pull-requests: write' });
    if (result.action !== 'skipped') throw new Error('unreachable');
    expect(result.reason).toContain('Resource not accessible by integration');
    expect(result.reason).toContain('o/r#7');
    expect(result.reason).toContain('workflow_run');
    expect(gh.commentsOn('o', 'r', 7)).toHaveLength(0);
    // Not retried: a permission problem does not go away.
    expect(gh.requestsTo('POST', /comments/)).toHaveLength(1);
  });

  test('404 (no such PR or no access) is skipped with a clear reason', async () => {
    const client = clientFor(gh, gh.tokens.installation);
    const result = await upsertComment(client, { ...target, issueNumber: 999, body: 'x' });
    expect(result).toEqual({
      action: 'skipped',
      reason:
        'GET /repos/o/r/issues/999/comments answered 404: pull request o/r#999 does not exist or the token cannot see the repository (GitHub: "Not Found").',
    });
    const noRepo = await upsertComment(client, { ...target, repo: 'missing', body: 'x' });
    expect(noRepo).toMatchObject({ action: 'skipped' });
  });

  test('422 names the field GitHub rejected', async () => {
    const client = clientFor(gh, gh.tokens.installation);
    const error = (await upsertComment(client, { ...target, body: 'x'.repeat(70_000) }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe(
      'GitHub rejected field "body" when trying to write comments on o/r#7: GitHub API POST /repos/o/r/issues/7/comments failed with 422: Validation Failed (field "body": body is too long (maximum is 65536 characters))',
    );
  });

  test('a 5xx during the update is retried and the update lands', async () => {
    const ours = gh.addComment('o', 'r', 7, `${MARKER}\nold`, ACTIONS_BOT);
    gh.fail('PATCH', /^\/repos\/o\/r\/issues\/comments\/\d+$/, 2, { status: 500 });
    const client = clientFor(gh, gh.tokens.installation);
    expect(await upsertComment(client, { ...target, body: `${MARKER}\nnew` })).toMatchObject({ action: 'updated', id: ours.id });
    expect(gh.requestsTo('PATCH', /comments/).map((r) => r.status)).toEqual([500, 500, 200]);
  });

  test('two concurrent upserts leave exactly one comment', async () => {
    gh.latencyMs = 20;
    const a = clientFor(gh, gh.tokens.installation);
    const b = clientFor(gh, gh.tokens.installation);
    const results = await Promise.all([
      upsertComment(a, { ...target, body: `${MARKER}\nrun A`, author: 'github-actions[bot]' }),
      upsertComment(b, { ...target, body: `${MARKER}\nrun B`, author: 'github-actions[bot]' }),
    ]);
    // Both really created one: the race happened.
    expect(gh.requestsTo('POST', /comments/)).toHaveLength(2);
    const left = gh.commentsOn('o', 'r', 7);
    expect(left).toHaveLength(1);
    const [kept] = left;
    expect(kept?.body).toMatch(/^<!-- image-budget:comment key=default -->\nrun [AB]$/);
    // Both runs report the comment that survived.
    for (const r of results) expect(r).toMatchObject({ id: kept?.id });
  });

  test('duplicates left by an old race are cleaned up on the next run', async () => {
    const oldest = gh.addComment('o', 'r', 7, `${MARKER}\n1`, ACTIONS_BOT);
    gh.addComment('o', 'r', 7, `${MARKER}\n2`, ACTIONS_BOT);
    const client = clientFor(gh, gh.tokens.installation);
    expect(await upsertComment(client, { ...target, body: `${MARKER}\n3` })).toMatchObject({ action: 'updated', id: oldest.id });
    expect(gh.commentsOn('o', 'r', 7).map((c) => c.body)).toEqual([`${MARKER}\n3`]);
  });

  describe('runs stamped on the comment: never overwrite a newer run’s', () => {
    const stamped = (id: number, attempt: number, text: string) => withRunStamp(`${MARKER}\n${text}`, { id, attempt, sha: null });
    const run = (id: number, attempt = 1) => ({ id, attempt, sha: 'c'.repeat(40) });
    const COMMENT = /^\/repos\/o\/r\/issues\/comments\/\d+$/;

    test('the run is stamped on the second line', async () => {
      const client = clientFor(gh, gh.tokens.installation);
      await upsertComment(client, { ...target, body: `${MARKER}\nhello`, run: run(4242, 2) });
      expect(gh.commentsOn('o', 'r', 7)[0]?.body).toBe(
        `${MARKER}\n<!-- image-budget:run id=4242 attempt=2 sha=${'c'.repeat(40)} -->\nhello`,
      );
      expect(readRunStamp(gh.commentsOn('o', 'r', 7)[0]?.body)).toEqual(run(4242, 2));
    });

    test('a comment made for a newer run is left alone', async () => {
      const ours = gh.addComment('o', 'r', 7, stamped(200, 1, 'newer'), ACTIONS_BOT);
      const client = clientFor(gh, gh.tokens.installation);
      const result = await upsertComment(client, { ...target, body: `${MARKER}\nolder`, run: run(199, 3) });
      expect(result).toEqual({ action: 'superseded', id: ours.id, url: ours.html_url, by: { id: 200, attempt: 1, sha: null } });
      expect(gh.commentsOn('o', 'r', 7).map((c) => c.body)).toEqual([stamped(200, 1, 'newer')]);
      expect(gh.requestsTo('PATCH', COMMENT)).toHaveLength(0);
    });

    test('a re-run of the same run, a newer run and an unstamped comment are updated', async () => {
      gh.addComment('o', 'r', 7, `${MARKER}\nwritten by an older image-budget`, ACTIONS_BOT);
      const client = clientFor(gh, gh.tokens.installation);
      expect(await upsertComment(client, { ...target, body: `${MARKER}\nv1`, run: run(200) })).toMatchObject({ action: 'updated' });
      expect(await upsertComment(client, { ...target, body: `${MARKER}\nv2`, run: run(200, 2) })).toMatchObject({ action: 'updated' });
      expect(await upsertComment(client, { ...target, body: `${MARKER}\nv3`, run: run(201) })).toMatchObject({ action: 'updated' });
      expect(readRunStamp(gh.commentsOn('o', 'r', 7)[0]?.body)).toEqual(run(201));
      expect(gh.commentsOn('o', 'r', 7)[0]?.body).toMatch(/\nv3$/);
    });

    test('a newer run writing after our list is seen by the read right before our write', async () => {
      const comment = gh.addComment('o', 'r', 7, stamped(100, 1, 'old'), ACTIONS_BOT);
      gh.onRequest = (request) => {
        // The newer run's update lands while we are on our way to write.
        if (request.method === 'GET' && COMMENT.test(request.path)) comment.body = stamped(300, 1, 'newest');
      };
      const client = clientFor(gh, gh.tokens.installation);
      expect(await upsertComment(client, { ...target, body: `${MARKER}\nmine`, run: run(200) })).toMatchObject({
        action: 'superseded',
        by: { id: 300 },
      });
      expect(comment.body).toBe(stamped(300, 1, 'newest'));
    });

    test('an older run’s write landing right after ours is undone', async () => {
      const comment = gh.addComment('o', 'r', 7, stamped(100, 1, 'old'), ACTIONS_BOT);
      let reads = 0;
      gh.onRequest = (request) => {
        // Our check-after-write read: an older run's update got in between.
        if (request.method === 'GET' && COMMENT.test(request.path) && ++reads === 2) comment.body = stamped(250, 1, 'older');
      };
      const client = clientFor(gh, gh.tokens.installation);
      expect(await upsertComment(client, { ...target, body: `${MARKER}\nnewest`, run: run(300) })).toMatchObject({ action: 'updated' });
      expect(gh.requestsTo('PATCH', COMMENT)).toHaveLength(2);
      expect(comment.body).toBe(stamped(300, 1, 'newest').replace('attempt=1 -->', `attempt=1 sha=${'c'.repeat(40)} -->`));
    });

    test.each([
      ['an existing comment', true],
      ['no comment yet (both create)', false],
    ])('two racing runs (%s): the newer run’s body is the one left', async (_name, existing) => {
      if (existing) gh.addComment('o', 'r', 7, stamped(100, 1, 'old'), ACTIONS_BOT);
      gh.latencyMs = 20;
      const [a, b] = [clientFor(gh, gh.tokens.installation), clientFor(gh, gh.tokens.installation)];
      const author = 'github-actions[bot]';
      await Promise.all([
        upsertComment(b, { ...target, body: `${MARKER}\nolder run`, run: run(400), author }),
        upsertComment(a, { ...target, body: `${MARKER}\nnewer run`, run: run(500), author }),
      ]);
      const left = gh.commentsOn('o', 'r', 7);
      expect(left).toHaveLength(1);
      expect(left[0]?.body).toMatch(/\nnewer run$/);
      expect(readRunStamp(left[0]?.body)?.id).toBe(500);
    });
  });

  test('findExistingComment sees ours only', async () => {
    const client = clientFor(gh, gh.tokens.installation);
    gh.addComment('o', 'r', 7, `${MARKER}\nfake`, fakeUser('mallory', 666));
    expect(await findExistingComment(client, target)).toBeNull();
    const ours = gh.addComment('o', 'r', 7, `${MARKER}\nreal`, ACTIONS_BOT);
    expect(await findExistingComment(client, target)).toEqual({ id: ours.id, url: ours.html_url, body: `${MARKER}\nreal` });
  });
});
