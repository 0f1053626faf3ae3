import { describe, expect, test } from 'vitest';
import { chooseBaseRef, parseCommitParents, pickMergeParent } from '../../../src/baseline/base-commit.js';

const BASE_SHA = 'a'.repeat(40);
const HEAD_SHA = 'b'.repeat(40);
const MERGE_SHA = 'c'.repeat(40);
const NEW_BASE = 'd'.repeat(40);

/** Trimmed from real webhook payloads: the fields GitHub sends, with our fake shas. */
function pullRequestPayload(action: string, extra: Record<string, unknown> = {}) {
  return {
    action,
    number: 42,
    pull_request: {
      number: 42,
      state: 'open',
      merge_commit_sha: MERGE_SHA,
      head: { label: 'octo:feature', ref: 'feature', sha: HEAD_SHA, repo: { full_name: 'octo/app' } },
      base: { label: 'octo:main', ref: 'main', sha: BASE_SHA, repo: { full_name: 'octo/app' } },
      labels: [],
    },
    repository: { full_name: 'octo/app', default_branch: 'main' },
    ...extra,
  };
}

describe('chooseBaseRef', () => {
  test.each([
    [1, 'pull_request', pullRequestPayload('opened')],
    [2, 'pull_request', pullRequestPayload('synchronize', { before: 'e'.repeat(40), after: HEAD_SHA })],
    [3, 'pull_request', pullRequestPayload('labeled', { label: { name: 'image-budget:accept' } })],
    [4, 'pull_request', pullRequestPayload('reopened')],
    [5, 'pull_request_target', pullRequestPayload('opened')],
  ])('%i: %s keeps base.ref, base.sha only as a fallback, and the PR head', (_n, name, payload) => {
    expect(chooseBaseRef({ name, payload }, MERGE_SHA)).toEqual({
      kind: 'pull-request',
      baseRef: 'main',
      baseSha: BASE_SHA,
      prHeadSha: HEAD_SHA,
      headSha: MERGE_SHA,
    });
  });

  test.each([
    [
      1,
      'push to main',
      { ref: 'refs/heads/main', before: BASE_SHA, after: HEAD_SHA, created: false },
      { kind: 'commit', commit: BASE_SHA },
    ],
    [2, 'push creating a branch', { ref: 'refs/heads/new', before: '0'.repeat(40), after: HEAD_SHA, created: true }, { kind: 'none' }],
    [3, 'push without before', { ref: 'refs/heads/main' }, { kind: 'none' }],
  ])('%i: %s', (_n, _title, payload, expected) => {
    expect(chooseBaseRef({ name: 'push', payload }, HEAD_SHA)).toMatchObject(expected);
  });

  test('merge_group uses the queue base', () => {
    const payload = { action: 'checks_requested', merge_group: { head_sha: HEAD_SHA, base_sha: NEW_BASE, base_ref: 'refs/heads/main' } };
    expect(chooseBaseRef({ name: 'merge_group', payload }, HEAD_SHA)).toMatchObject({ kind: 'commit', commit: NEW_BASE });
  });

  test('other events have no base unless --base is given', () => {
    expect(chooseBaseRef({ name: 'workflow_dispatch', payload: { inputs: {} } }, HEAD_SHA)).toMatchObject({ kind: 'none' });
    expect(chooseBaseRef({ name: 'workflow_dispatch', payload: {} }, HEAD_SHA, 'origin/main')).toEqual({ kind: 'ref', ref: 'origin/main' });
  });

  test('--base wins over the pull_request event', () => {
    expect(chooseBaseRef({ name: 'pull_request', payload: pullRequestPayload('opened') }, MERGE_SHA, 'v1.2.0')).toEqual({
      kind: 'ref',
      ref: 'v1.2.0',
    });
  });

  test.each([
    [1, '--upload-pack=evil'],
    [2, ''],
    [3, 'main branch'],
  ])('%i: refuses ref %j that git would misread', (_n, ref) => {
    expect(() => chooseBaseRef({ name: 'push', payload: {} }, HEAD_SHA, ref)).toThrow(/--base: .* is not a usable git ref/);
  });

  test('a malformed pull_request payload gives no base instead of crashing', () => {
    expect(chooseBaseRef({ name: 'pull_request', payload: { pull_request: { base: {} } } }, HEAD_SHA)).toMatchObject({ kind: 'none' });
    expect(chooseBaseRef({ name: 'pull_request', payload: null }, HEAD_SHA)).toMatchObject({ kind: 'none' });
    const garbage = pullRequestPayload('opened');
    garbage.pull_request.base.sha = 'not-a-sha';
    expect(chooseBaseRef({ name: 'pull_request', payload: garbage }, HEAD_SHA)).toMatchObject({ kind: 'pull-request', baseSha: null });
  });
});

describe('pickMergeParent', () => {
  test.each([
    [1, 'GitHub merge commit', [NEW_BASE, HEAD_SHA], HEAD_SHA, NEW_BASE],
    [2, 'merge commit, PR head unknown', [NEW_BASE, HEAD_SHA], null, NEW_BASE],
    [3, 'PR head checked out (one parent)', [BASE_SHA], HEAD_SHA, null],
    [4, 'PR head is itself a merge of main into the branch', [HEAD_SHA, NEW_BASE], HEAD_SHA, null],
    [5, 'root commit', [], HEAD_SHA, null],
    [6, 'octopus merge', [NEW_BASE, HEAD_SHA, BASE_SHA], HEAD_SHA, null],
  ])('%i: %s', (_n, _title, parents, prHead, expected) => {
    expect(pickMergeParent(parents, prHead)).toBe(expected);
  });
});

test('parseCommitParents reads the parent lines of the header only', () => {
  const raw = `tree ${'f'.repeat(40)}\nparent ${NEW_BASE}\nparent ${HEAD_SHA}\nauthor A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n\nMerge\n\nparent ${BASE_SHA}\n`;
  expect(parseCommitParents(raw)).toEqual([NEW_BASE, HEAD_SHA]);
});
