import { afterEach, beforeEach, expect, test } from 'vitest';
import { findPullRequestForHead, listPullRequestLabels } from '../../../src/publish/find-pull-request.js';
import { startFakeGitHub, type FakeGitHub } from '../../support/fake-github.js';
import { clientFor } from './publish-helpers.js';

let gh: FakeGitHub;
const SHA = '1'.repeat(40);
beforeEach(async () => {
  gh = await startFakeGitHub();
  gh.addPull('o', 'r', { number: 3, headOwner: 'alice', headRef: 'fix', headSha: SHA, labels: ['image-budget:accept', 'bug'] });
  // Same branch name in another fork, and an old closed PR from the same head.
  gh.addPull('o', 'r', { number: 4, headOwner: 'bob', headRef: 'fix', headSha: SHA });
  gh.addPull('o', 'r', { number: 2, headOwner: 'alice', headRef: 'fix', headSha: SHA, state: 'closed' });
});
afterEach(async () => {
  await gh.stop();
});

const base = { owner: 'o', repo: 'r', headOwner: 'alice', headBranch: 'fix' };

test('accepts the open PR whose head is the built commit', async () => {
  const client = clientFor(gh, gh.tokens.installation);
  expect(await findPullRequestForHead(client, { ...base, headSha: SHA })).toEqual({
    number: 3,
    url: 'https://github.com/o/r/pull/3',
    labels: ['image-budget:accept', 'bug'],
  });
  const [req] = gh.requestsTo('GET', /^\/repos\/o\/r\/pulls$/);
  expect(req?.query.get('head')).toBe('alice:fix');
  expect(req?.query.get('state')).toBe('open');
});

test('refuses a PR that has moved on to another commit', async () => {
  const client = clientFor(gh, gh.tokens.installation);
  const found = await findPullRequestForHead(client, { ...base, headSha: '2'.repeat(40) });
  expect(found).toEqual({
    number: null,
    reason:
      'the open pull request for alice:fix in o/r (#3) is at 111111111111, not at the built commit 222222222222: a newer push will post its own report',
  });
});

test('null with a reason when no PR has that head', async () => {
  const client = clientFor(gh, gh.tokens.installation);
  expect(await findPullRequestForHead(client, { ...base, headOwner: 'carol', headSha: SHA })).toEqual({
    number: null,
    reason: 'no open pull request in o/r has head carol:fix',
  });
});

test('the labels of a PR by number, across pages', async () => {
  const many = Array.from({ length: 120 }, (_, i) => `label-${i}`);
  gh.addPull('o', 'r', { number: 5, headOwner: 'o', headRef: 'same-repo', headSha: SHA, labels: many });
  const client = clientFor(gh, gh.tokens.installation);
  expect(await listPullRequestLabels(client, { owner: 'o', repo: 'r', number: 5 })).toEqual(many);
  expect(gh.requestsTo('GET', /^\/repos\/o\/r\/issues\/5\/labels$/)).toHaveLength(2);
});

test('the PR lookup follows at most MAX_LOOKUP_PAGES pages, and says it stopped', async () => {
  const { MAX_LOOKUP_PAGES } = await import('../../../src/publish/find-pull-request.js');
  for (let n = 0; n < MAX_LOOKUP_PAGES * 100 + 5; n += 1) {
    gh.addPull('o', 'r', { number: 100 + n, headOwner: 'carol', headRef: 'loop', headSha: '2'.repeat(40) });
  }
  const client = clientFor(gh, gh.tokens.installation);
  const found = await findPullRequestForHead(client, { ...base, headOwner: 'carol', headBranch: 'loop', headSha: SHA });
  expect(found.number).toBeNull();
  expect(gh.requestsTo('GET', /^\/repos\/o\/r\/pulls$/)).toHaveLength(MAX_LOOKUP_PAGES);
  expect(found.reason).toMatch(/^the open pull request for carol:loop in o\/r \(#100, #101, /);
});

test('labels: at most MAX_LOOKUP_PAGES pages are read', async () => {
  const { MAX_LOOKUP_PAGES } = await import('../../../src/publish/find-pull-request.js');
  const many = Array.from({ length: MAX_LOOKUP_PAGES * 100 + 5 }, (_, i) => `label-${i}`);
  gh.addPull('o', 'r', { number: 6, headOwner: 'alice', headRef: 'labels', headSha: SHA, labels: many });
  const client = clientFor(gh, gh.tokens.installation);
  expect(await listPullRequestLabels(client, { owner: 'o', repo: 'r', number: 6 })).toEqual(many.slice(0, MAX_LOOKUP_PAGES * 100));
  expect(gh.requestsTo('GET', /\/issues\/6\/labels$/)).toHaveLength(MAX_LOOKUP_PAGES);
});
