/**
 * One sticky comment per key on a pull request: found by the hidden marker on its first line,
 * among comments written by this token's identity only, across every page; updated in place,
 * created when missing, and de-duplicated when two runs raced to create it. When the identity
 * cannot be told, nothing is updated and nothing is posted next to an existing marked comment.
 */
import { commentMarker, hasCommentMarker, isNewerRun, readRunStamp, withRunStamp, type RunStamp } from '../report/comment-marker.js';
import { GitHubApiError, type GitHubClient } from './github-client.js';
import { capPages } from './page-cap.js';

export type UpsertResult =
  | { action: 'created' | 'updated' | 'unchanged'; id: number; url: string }
  /** The comment was made for a newer run (`by`): left as it is. */
  | { action: 'superseded'; id: number; url: string; by: RunStamp }
  | { action: 'skipped'; reason: string; permission?: string };

export interface UpsertCommentOptions {
  owner: string;
  repo: string;
  issueNumber: number;
  key: string;
  body: string;
  /**
   * Login whose comments we may update (the `comment-author` input). Default:
   * {@link resolveCommentAuthor}. `null`: it could not be told; see {@link upsertComment}.
   */
  author?: string | null;
  /**
   * The run this body was made for: stamped on the comment's second line, and a comment
   * stamped by a newer run is not overwritten. Without it, the last writer wins.
   */
  run?: RunStamp;
}

interface Comment {
  id: number;
  body?: string | undefined;
  user: { login: string } | null;
  created_at: string;
  html_url: string;
}

/**
 * The login our comments carry, from the kind of token, never guessed from a failure:
 * - An installation token (`ghs_…`: GITHUB_TOKEN, or a GitHub App's from
 *   `actions/create-github-app-token`) cannot use `GET /user` (403 "Resource not accessible by
 *   integration") and `GET /app` needs the app's JWT. GraphQL's `viewer { login }` does accept
 *   it and names the bot (`github-actions[bot]`, `<app-slug>[bot]`), as
 *   marocchino/sticky-pull-request-comment relies on. An installation acts as a bot, so the REST
 *   login ends in `[bot]`.
 * - Any other token (a personal one): `GET /user`.
 * - null when that answer does not come (a rate limit, an outage, GraphQL blocked by a proxy):
 *   the `comment-author` input says it then.
 */
export async function resolveCommentAuthor(client: GitHubClient): Promise<string | null> {
  try {
    const { data } = await client.rest.users.getAuthenticated();
    return data.login;
  } catch (error) {
    // The token's kind (its `ghs_` prefix), or GitHub's own answer for installation tokens; any
    // other failure (a rate limit, an outage) says nothing about who the token is.
    const auth = (await client.auth().catch(() => ({}))) as { tokenType?: string };
    const integration =
      error instanceof GitHubApiError && error.status === 403 && /not accessible by integration/i.test(error.githubMessage);
    if (auth.tokenType !== 'installation' && !integration) return null;
  }
  const login = await viewerLogin(client);
  if (!login) return null;
  return login.endsWith('[bot]') ? login : `${login}[bot]`;
}

async function viewerLogin(client: GitHubClient): Promise<string | null> {
  try {
    const data = await client.graphql<{ viewer?: { login?: unknown } | null }>('query { viewer { login } }');
    const login = data.viewer?.login;
    return typeof login === 'string' && login.length > 0 ? login : null;
  } catch {
    return null;
  }
}

/** GitHub may hand a body back with CRLF line ends; compare text, not line endings. */
function sameBody(a: string | undefined, b: string): boolean {
  return (a ?? '').replace(/\r\n/g, '\n') === b.replace(/\r\n/g, '\n');
}

function where(o: UpsertCommentOptions): string {
  return `${o.owner}/${o.repo}#${o.issueNumber}`;
}

/** A 403/404/422 from GitHub as something the caller can act on; anything else rethrown. */
function explain(error: unknown, o: UpsertCommentOptions, doing: string, permission: string): UpsertResult {
  if (!(error instanceof GitHubApiError)) throw error;
  if (error.status === 403 && /not accessible by integration|permission/i.test(error.githubMessage)) {
    return {
      action: 'skipped',
      permission,
      reason:
        `the token may not ${doing} on ${where(o)} (GitHub: "${error.githubMessage}"); grant \`permissions: ${permission}\` ` +
        'to the job; a pull request from a fork only gets a read-only token, so post from a workflow_run workflow instead (see docs/permissions.md)',
    };
  }
  if (error.status === 404) {
    return {
      action: 'skipped',
      reason:
        `${error.endpoint} answered 404: pull request ${where(o)} does not exist or the token ` +
        `cannot see the repository (GitHub: "${error.githubMessage}").`,
    };
  }
  if (error.status === 422) {
    const fields = error.details.map((d) => d.field).filter((f): f is string => !!f);
    const named = fields.length > 0 ? `field ${fields.map((f) => `"${f}"`).join(', ')}` : 'the request';
    throw new Error(`GitHub rejected ${named} when trying to ${doing} on ${where(o)}: ${error.message}`, {
      cause: error,
    });
  }
  throw error;
}

/** Pages of 100 comments searched for the marker: 10,000 comments, far past any real PR. */
export const MAX_COMMENT_PAGES = 100;

/**
 * Comments with the marker for `o.key`, oldest first: by `author`, or by anyone when it is null.
 * `truncated`: the PR has more comments than were searched, so ours may be among the rest.
 */
async function listOurs(
  client: GitHubClient,
  o: UpsertCommentOptions,
  author: string | null,
): Promise<Comment[] & { truncated?: boolean }> {
  const cap = capPages(MAX_COMMENT_PAGES);
  const all: Comment[] = await client.paginate(
    client.rest.issues.listComments,
    { owner: o.owner, repo: o.repo, issue_number: o.issueNumber, per_page: 100 },
    cap.keep,
  );
  const ours: Comment[] & { truncated?: boolean } = all
    .filter((c) => (author === null || c.user?.login === author) && hasCommentMarker(c.body, o.key))
    .sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id);
  ours.truncated = cap.truncated;
  return ours;
}

function truncatedReason(o: UpsertCommentOptions): string {
  return (
    `${where(o)} has more than ${String(MAX_COMMENT_PAGES * 100)} comments and this report's comment is not among the first ` +
    `${String(MAX_COMMENT_PAGES * 100)}: no second one was posted`
  );
}

function authorOf(opts: { author?: string | null }, client: GitHubClient): Promise<string | null> {
  return opts.author !== undefined ? Promise.resolve(opts.author) : resolveCommentAuthor(client);
}

function unknownAuthorReason(o: UpsertCommentOptions, count: number): string {
  return (
    `could not tell which account the token acts as, and ${String(count)} comment(s) on ${where(o)} carry this report's marker: ` +
    'none was updated and no second one posted. Set the `comment-author` input to the login the comments are written by'
  );
}

async function deleteQuietly(client: GitHubClient, o: UpsertCommentOptions, id: number): Promise<void> {
  try {
    await client.rest.issues.deleteComment({ owner: o.owner, repo: o.repo, comment_id: id });
  } catch (error) {
    // A racing run deleted it first: that is the outcome we wanted.
    if (error instanceof GitHubApiError && error.status === 404) return;
    throw error;
  }
}

/**
 * Our existing comment for `key`, or null: for the `on-change`/`on-failure` policies, which
 * must update an existing comment even when they would not create one.
 */
export async function findExistingComment(
  client: GitHubClient,
  opts: Omit<UpsertCommentOptions, 'body'>,
): Promise<{ id: number; url: string; body: string } | null> {
  const author = await authorOf(opts, client);
  // With the author unknown, any marked comment counts as existing: upsertComment then declines to write.
  const [first] = await listOurs(client, { ...opts, body: '' }, author);
  return first ? { id: first.id, url: first.html_url, body: first.body ?? '' } : null;
}

/**
 * Updates comment `id` with `o.body` unless a newer run stamped it. The comment is read again
 * right before the write, which narrows the race with a newer run to one round trip; after the
 * write it is read once more, and if an older run's write landed in between, ours (the newer)
 * is put back. GitHub has no conditional update, so this is as close as it gets; the README's
 * `concurrency` group keeps two runs of one PR from overlapping in the first place.
 */
async function updateUnlessNewer(client: GitHubClient, o: UpsertCommentOptions, id: number): Promise<UpsertResult> {
  const read = async () => (await client.rest.issues.getComment({ owner: o.owner, repo: o.repo, comment_id: id })).data;
  const write = async () => (await client.rest.issues.updateComment({ owner: o.owner, repo: o.repo, comment_id: id, body: o.body })).data;
  const current = await read();
  const theirs = readRunStamp(current.body);
  if (o.run && theirs && isNewerRun(theirs, o.run)) return { action: 'superseded', id, url: current.html_url, by: theirs };
  if (sameBody(current.body, o.body)) return { action: 'unchanged', id, url: current.html_url };
  let data = await write();
  if (o.run) {
    const after = readRunStamp((await read()).body);
    if (after && isNewerRun(o.run, after)) data = await write();
  }
  return { action: 'updated', id: data.id, url: data.html_url };
}

/** Creates or updates the comment for `key`; see {@link UpsertResult} for what happened. */
export async function upsertComment(client: GitHubClient, opts: UpsertCommentOptions): Promise<UpsertResult> {
  const marker = commentMarker(opts.key);
  const marked = hasCommentMarker(opts.body, opts.key) ? opts.body : `${marker}\n${opts.body}`;
  const body = opts.run ? withRunStamp(marked, opts.run) : marked;
  let author = await authorOf(opts, client);
  const o = { ...opts, body };

  let ours: Comment[] & { truncated?: boolean };
  try {
    ours = await listOurs(client, o, author);
  } catch (error) {
    return explain(error, o, 'read comments', 'pull-requests: read');
  }
  if (author === null && ours.length > 0) return { action: 'skipped', reason: unknownAuthorReason(o, ours.length) };
  if (ours.length === 0 && ours.truncated) return { action: 'skipped', reason: truncatedReason(o) };

  try {
    const [existing, ...duplicates] = ours;
    if (existing) {
      // Leftovers of an earlier race: one comment per key.
      for (const dup of duplicates) await deleteQuietly(client, o, dup.id);
      return await updateUnlessNewer(client, o, existing.id);
    }

    const { data: created } = await client.rest.issues.createComment({
      owner: o.owner,
      repo: o.repo,
      issue_number: o.issueNumber,
      body,
    });
    // What GitHub wrote it as is who the token is, when that could not be told before.
    author ??= created.user?.login ?? null;
    if (author === null) return { action: 'created', id: created.id, url: created.html_url };
    // Another run may have created its own between our list and our create: keep the oldest.
    const after = await listOurs(client, o, author);
    const keep = after[0];
    if (!keep || keep.id === created.id) {
      for (const dup of after.slice(1)) await deleteQuietly(client, o, dup.id);
      return { action: 'created', id: created.id, url: created.html_url };
    }
    for (const dup of after.slice(1)) await deleteQuietly(client, o, dup.id);
    if (!after.some((c) => c.id === created.id)) await deleteQuietly(client, o, created.id);
    return await updateUnlessNewer(client, o, keep.id);
  } catch (error) {
    return explain(error, o, 'write comments', 'pull-requests: write');
  }
}
