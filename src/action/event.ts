/** The workflow event, read once from GITHUB_EVENT_PATH, and the facts the action needs from it. */
import { readFile } from 'node:fs/promises';
import type { RunStamp } from '../report/comment-marker.js';

export interface WorkflowEvent {
  name: string;
  /** Untyped JSON: read through eventField. */
  payload: unknown;
}

/** The value at `path` in untyped event JSON; undefined where the path ends early. */
export function eventField(json: unknown, ...path: string[]): unknown {
  let value = json;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** A scalar of event JSON as text; '' for anything else. */
export function eventText(value: unknown): string {
  if (typeof value === 'string') return value;
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
}

export interface PullRequestFacts {
  number: number;
  labels: string[];
  headSha: string | null;
  baseRef: string | null;
}

export async function readEvent(env: NodeJS.ProcessEnv): Promise<WorkflowEvent> {
  const name = env.GITHUB_EVENT_NAME ?? '';
  const file = env.GITHUB_EVENT_PATH;
  if (!file) return { name, payload: {} };
  try {
    const payload: unknown = JSON.parse(await readFile(file, 'utf8'));
    return { name, payload };
  } catch (error) {
    throw new Error(
      `cannot read the event payload at GITHUB_EVENT_PATH=${file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

export function pullRequestOf(event: WorkflowEvent): PullRequestFacts | null {
  const pr = eventField(event.payload, 'pull_request');
  const number = eventField(pr, 'number');
  if (typeof number !== 'number') return null;
  const listed = eventField(pr, 'labels');
  const labels = Array.isArray(listed)
    ? listed.map((label: unknown) => eventField(label, 'name')).filter((n): n is string => typeof n === 'string')
    : [];
  const headSha = eventField(pr, 'head', 'sha');
  const baseRef = eventField(pr, 'base', 'ref');
  return {
    number,
    labels,
    headSha: typeof headSha === 'string' ? headSha : null,
    baseRef: typeof baseRef === 'string' ? baseRef : null,
  };
}

export function repositoryOf(env: NodeJS.ProcessEnv): { owner: string; repo: string } | null {
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
  return owner && repo ? { owner, repo } : null;
}

/**
 * `pull_request_target` and `workflow_run` run with a write token and secrets. Building the
 * PR's code there lets any fork run code with them (a "pwn request"): a `workflow_run` job only
 * builds PR code if it checks it out, but nothing stops it, so `mode: check` is refused on both
 * unless the user opted in. `mode: comment` (posting a saved report, never building) is the
 * way to use `workflow_run`.
 */
export function privilegedBuildRefusal(event: WorkflowEvent, allowed: boolean): string | null {
  if (allowed) return null;
  const optIn = 'If every PR author is trusted, set `allow-privileged-build: true` (or the older `allow-pull-request-target: true`).';
  if (event.name === 'pull_request_target') {
    return `refusing to build pull request code under \`pull_request_target\`: that event runs with a write token and your secrets, so building a fork's Dockerfile there lets it use them. Run image-budget on \`pull_request\`, and post comments for forks from a \`workflow_run\` workflow with \`mode: comment\` (see docs/permissions.md). ${optIn}`;
  }
  if (event.name === 'workflow_run') {
    return `refusing to build under \`workflow_run\` with \`mode: check\`: that event runs with a write token and your secrets, so building a pull request's code there (a checkout of the run's head) lets a fork's Dockerfile use them. Build and measure in the \`pull_request\` workflow and use \`mode: comment\` here to post the report it saved (see docs/permissions.md). ${optIn}`;
  }
  return null;
}

/** This workflow run (GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT) for the comment's stamp; null outside Actions. */
export function runStampOf(env: NodeJS.ProcessEnv, sha: string | null): RunStamp | null {
  return stampOf(env.GITHUB_RUN_ID, env.GITHUB_RUN_ATTEMPT, sha ?? env.GITHUB_SHA ?? null);
}

/** The `pull_request` run a `workflow_run` event is about: the run whose report `mode: comment` posts. */
export function workflowRunStamp(run: unknown): RunStamp | null {
  const headSha = eventField(run, 'head_sha');
  return stampOf(eventField(run, 'id'), eventField(run, 'run_attempt'), typeof headSha === 'string' ? headSha : null);
}

function stampOf(id: unknown, attempt: unknown, sha: string | null): RunStamp | null {
  const runId = Number(id);
  if (!Number.isSafeInteger(runId) || runId <= 0) return null;
  const runAttempt = Number(attempt ?? 1);
  return {
    id: runId,
    attempt: Number.isSafeInteger(runAttempt) && runAttempt > 0 ? runAttempt : 1,
    sha: sha && /^[0-9a-f]{40}$/.test(sha) ? sha : null,
  };
}

/** Link to this run's job summary, for a trimmed comment. */
export function runUrl(env: NodeJS.ProcessEnv): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = env;
  return server && repo && run ? `${server}/${repo}/actions/runs/${run}` : undefined;
}
