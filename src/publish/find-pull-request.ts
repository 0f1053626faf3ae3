/**
 * The pull request behind a `workflow_run` event. For runs from forks GitHub leaves
 * `workflow_run.pull_requests` empty, so the PR is looked up by its head branch — and accepted
 * only if its head is exactly the commit that was built, or a comment about one commit could
 * land on a PR that has since moved on (or on someone else's PR from a same-named branch).
 */
import type { GitHubClient } from './github-client.js';
import { capPages } from './page-cap.js';

export interface FindPullRequestOptions {
  owner: string;
  repo: string;
  /** Owner of the head repository (the fork's owner), from `workflow_run.head_repository.owner.login`. */
  headOwner: string;
  /** `workflow_run.head_branch`. */
  headBranch: string;
  /** `workflow_run.head_sha`: the commit the report was built from. */
  headSha: string;
}

/** Pages of 100 followed by the PR and label lookups: the `head` filter leaves a handful of PRs at most. */
export const MAX_LOOKUP_PAGES = 10;

/** The PR, with its labels (the override label counts in `mode: comment` as in `check`). */
export type FoundPullRequest = { number: number; url: string; labels: string[]; reason?: undefined } | { number: null; reason: string };

export async function findPullRequestForHead(client: GitHubClient, opts: FindPullRequestOptions): Promise<FoundPullRequest> {
  const head = `${opts.headOwner}:${opts.headBranch}`;
  // Open PRs only: commenting on a closed PR is noise, and a reopened one is open again.
  const cap = capPages(MAX_LOOKUP_PAGES);
  const pulls = await client.paginate(
    client.rest.pulls.list,
    { owner: opts.owner, repo: opts.repo, head, state: 'open', per_page: 100 },
    cap.keep,
  );
  const sameHead = pulls.filter((p) => p.head.label === head);
  const match = sameHead.filter((p) => p.head.sha === opts.headSha);
  if (match.length === 1 && match[0]) {
    return { number: match[0].number, url: match[0].html_url, labels: match[0].labels.map((label) => label.name) };
  }
  if (match.length > 1) {
    return {
      number: null,
      reason: `${match.length} open pull requests in ${opts.owner}/${opts.repo} have head ${head} at ${opts.headSha} (#${match.map((p) => p.number).join(', #')}); not guessing which one`,
    };
  }
  if (sameHead.length > 0) {
    return {
      number: null,
      reason: `the open pull request for ${head} in ${opts.owner}/${opts.repo} (#${sameHead.map((p) => p.number).join(', #')}) is at ${sameHead.map((p) => p.head.sha.slice(0, 12)).join(', ')}, not at the built commit ${opts.headSha.slice(0, 12)}: a newer push will post its own report`,
    };
  }
  if (cap.truncated) {
    return {
      number: null,
      reason: `more than ${String(MAX_LOOKUP_PAGES * 100)} open pull requests in ${opts.owner}/${opts.repo} were listed for head ${head}, none at ${opts.headSha.slice(0, 12)}; the lookup stopped there`,
    };
  }
  return { number: null, reason: `no open pull request in ${opts.owner}/${opts.repo} has head ${head}` };
}

/** The names of the labels on pull request `number` (for a PR listed in `workflow_run.pull_requests`, which carries none). */
export async function listPullRequestLabels(
  client: GitHubClient,
  opts: { owner: string; repo: string; number: number },
): Promise<string[]> {
  // GitHub allows 100 labels on an issue: past the cap the listing is not GitHub's, and the
  // labels read so far are all there is to go on.
  const labels = await client.paginate(
    client.rest.issues.listLabelsOnIssue,
    { owner: opts.owner, repo: opts.repo, issue_number: opts.number, per_page: 100 },
    capPages(MAX_LOOKUP_PAGES).keep,
  );
  return labels.map((label) => label.name);
}
