/**
 * Shared by the PR-flow tests: the bundled action run as the runner runs it, against a real
 * git checkout (test/support/git-fixture.ts), the real engine and the fake GitHub API.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Report } from '../../../src/types.js';
import type { FakeGitHub } from '../../support/fake-github.js';
import type { PullRequestRepo } from '../../support/git-fixture.js';
import { runActionProcess, type ActionRun } from '../../support/run-action.js';

/**
 * The bundle the runner runs. IMAGE_BUDGET_ENTRY points the tests at another build of the same
 * sources (e.g. `lib/index.js` from `npm run build`) while dist/ has not been rebuilt yet.
 */
export const ENTRY = path.resolve(process.env.IMAGE_BUDGET_ENTRY ?? 'dist/index.js');
export const OWNER = 'acme';
export const REPO = 'shop';

export interface RunOptions {
  repo: PullRequestRepo;
  gh: FakeGitHub;
  eventName: string;
  event: unknown;
  inputs?: Record<string, string>;
  /** Default: the fake's GITHUB_TOKEN (github-actions[bot]). */
  token?: string;
  env?: Record<string, string>;
  /** Default: the PR checkout. A `workflow_run` job has no checkout of the PR. */
  workspace?: string;
}

const runnerDirs: string[] = [];

/** Removes the RUNNER_TEMP folders of every run so far (call in `afterAll`). */
export async function removeRunnerDirs(): Promise<void> {
  await Promise.all(runnerDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** `node dist/index.js` in the checkout, GITHUB_SHA = the merge commit, API = the fake. */
export async function runAction(options: RunOptions): Promise<ActionRun> {
  const run = await runActionProcess({
    entry: ENTRY,
    workspace: options.workspace ?? options.repo.dir,
    eventName: options.eventName,
    event: options.event,
    inputs: { 'github-token': options.token ?? options.gh.tokens.installation, ...options.inputs },
    env: {
      GITHUB_API_URL: options.gh.url,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
      GITHUB_RUN_ID: '4242',
      GITHUB_SHA: options.repo.shas.merge,
      ...options.env,
    },
  });
  runnerDirs.push(run.runnerDir);
  return run;
}

export async function readReport(run: ActionRun): Promise<Report> {
  const file = run.outputs.report;
  if (!file) throw new Error(`no report output; stdout:\n${run.stdout}`);
  return JSON.parse(await readFile(file, 'utf8')) as Report;
}

/** The action's log without the build output, for error messages that stay readable. */
export function logOf(run: ActionRun): string {
  return `exit ${run.exitCode}\n${run.stdout.replace(/::group::[\s\S]*?::endgroup::/g, '[group]')}\n${run.stderr}`;
}

/** Decodes the `%0A`-style escapes of workflow commands. */
export function unescapeCommand(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
}

/** The text of the log group whose title starts with `title`. */
export function logGroups(run: ActionRun, title: RegExp): string[] {
  const groups: string[] = [];
  for (const m of run.stdout.matchAll(/::group::(.*)\n([\s\S]*?)::endgroup::/g)) {
    if (title.test(m[1] ?? '')) groups.push(`${m[1]}\n${m[2]}`);
  }
  return groups;
}

/** test/fixtures/pr-flow/workflow_run.json: the fields the tests rewrite. */
export interface WorkflowRunFixture {
  workflow_run: {
    head_sha: string;
    head_commit: { id: string };
    head_branch: string;
    head_repository: { owner: { login: string }; full_name: string };
    pull_requests: unknown[];
  };
}

/**
 * A comment with run-to-run noise replaced: digests, commit shas, byte-exact small sizes.
 * Sizes of kB and up stay: random bytes don't compress, and three digits hide the framing.
 */
export function normalizeComment(body: string, repo: PullRequestRepo): string {
  let text = body;
  for (const name of Object.keys(repo.shas) as (keyof PullRequestRepo['shas'])[]) {
    const sha = repo.shas[name];
    text = text.replaceAll(sha, `<${name}>`).replaceAll(sha.slice(0, 12), `<${name}:12>`).replaceAll(sha.slice(0, 7), `<${name}:7>`);
  }
  return (
    text
      .replace(/`[0-9a-f]{12}`/g, '`<digest>`')
      // Sub-kB sizes are the small COPY layers, whose tar headers hold the checkout's mtimes.
      .replace(/\b\d{1,3} B\b/g, '<n> B')
      // A Δ% over such a small base moves with those bytes: the test asserts the exact cell.
      .replace(/ \| ([+-])\d+(\.\d+)?% \| /g, ' | $1<pct>% | ')
      // …and so does the one in the details' "base → PR (Δ, Δ%)" line.
      .replace(/, ([+-])\d+(\.\d+)?%\)/g, ', $1<pct>%)')
      .replace(/image-budget \d+\.\d+\.\d+[^ ]*/g, 'image-budget <version>')
  );
}

/** Cells of a markdown table row, split the way GFM does: on `|` not preceded by a backslash. */
export function tableCells(line: string): string[] {
  const inner = line
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '');
  const cells: string[] = [];
  let current = '';
  // As cmark-gfm splits a row: every `\\|` is an escaped pipe, whatever precedes the backslash.
  for (let i = 0; i < inner.length; i++) {
    const c = inner.charAt(i);
    if (c === '|' && inner[i - 1] !== '\\') {
      cells.push(current);
      current = '';
    } else current += c;
  }
  cells.push(current);
  return cells;
}
