/**
 * Which commit the PR is compared with. On `pull_request` GitHub checks out a merge commit of
 * the PR head onto the *current* base branch; its first parent is the base as it is now. The
 * frozen `pull_request.base.sha` can be far behind, and comparing with it would blame the PR
 * for everything that landed on the base branch since the PR was opened.
 */
import { runGit, tryGit } from './git.js';

export type BasePlan =
  | { kind: 'ref'; ref: string }
  | {
      kind: 'pull-request';
      baseRef: string;
      /** The base branch tip when the event fired: a last resort, often stale. */
      baseSha: string | null;
      prHeadSha: string | null;
      headSha: string;
    }
  | { kind: 'commit'; commit: string; reason: string }
  | { kind: 'none'; reason: string };

export type BaseMethod = 'ref' | 'merge-parent' | 'merge-base' | 'base-sha' | 'event-commit' | 'none';

export interface BaseResolution {
  commit: string | null;
  method: BaseMethod;
  /** One line for the log: why this commit. */
  detail: string;
}

export interface ResolveBaseOptions {
  event?: { name: string; payload: unknown };
  /** `GITHUB_SHA`; the checkout's HEAD is what actually decides. */
  headSha?: string;
  /** `--base REF` from the CLI: wins over the event. */
  base?: string;
  remote?: string;
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const ZERO_SHA = /^0+$/;
const PR_EVENTS = new Set(['pull_request', 'pull_request_target', 'pull_request_review', 'pull_request_review_comment']);

/** Decides from the event alone where the base comes from; git facts are checked later. */
export function chooseBaseRef(event: { name: string; payload: unknown }, headSha: string, cliBase?: string): BasePlan {
  if (cliBase !== undefined) return { kind: 'ref', ref: checkRef(cliBase, '--base') };
  const { payload } = event;
  if (PR_EVENTS.has(event.name)) {
    const baseRef = fieldAt(payload, 'pull_request', 'base', 'ref');
    if (typeof baseRef !== 'string' || baseRef === '') {
      return { kind: 'none', reason: `the ${event.name} event payload has no pull_request.base.ref` };
    }
    return {
      kind: 'pull-request',
      baseRef: checkRef(baseRef, 'pull_request.base.ref'),
      baseSha: asSha(fieldAt(payload, 'pull_request', 'base', 'sha')),
      prHeadSha: asSha(fieldAt(payload, 'pull_request', 'head', 'sha')),
      headSha,
    };
  }
  if (event.name === 'push') {
    const before = asSha(fieldAt(payload, 'before'));
    if (before === null || ZERO_SHA.test(before)) {
      return { kind: 'none', reason: 'the push created the branch: there is no previous commit to compare with' };
    }
    return { kind: 'commit', commit: before, reason: 'the branch tip before this push (push.before)' };
  }
  if (event.name === 'merge_group') {
    const baseSha = asSha(fieldAt(payload, 'merge_group', 'base_sha'));
    if (baseSha !== null) return { kind: 'commit', commit: baseSha, reason: 'the merge queue base (merge_group.base_sha)' };
  }
  return { kind: 'none', reason: `no base branch for a ${event.name} event; pass --base to compare with a ref` };
}

/**
 * HEAD is GitHub's PR merge commit when it has two parents and the second is the PR head:
 * then the first parent is the base branch as it is now. A PR head that is itself a merge
 * (main merged into the feature branch) fails the second check and is not mistaken for it.
 */
export function pickMergeParent(parents: string[], prHeadSha: string | null): string | null {
  if (parents.length !== 2) return null;
  const [first, second] = parents as [string, string];
  if (prHeadSha !== null && second !== prHeadSha) return null;
  return first;
}

/** Parents as written in the commit object: still known in a shallow clone, where `HEAD^1` is cut off. */
export function parseCommitParents(rawCommit: string): string[] {
  const parents: string[] = [];
  for (const line of rawCommit.split('\n')) {
    if (line === '') break;
    if (line.startsWith('parent ')) parents.push(line.slice('parent '.length).trim());
  }
  return parents;
}

export async function resolveBaseCommit(repoDir: string, options: ResolveBaseOptions = {}): Promise<BaseResolution> {
  const remote = options.remote ?? 'origin';
  const head = await runGit(repoDir, ['rev-parse', 'HEAD']);
  const event = options.event ?? { name: 'workflow_dispatch', payload: {} };
  const plan = chooseBaseRef(event, options.headSha ?? head, options.base);
  switch (plan.kind) {
    case 'none':
      return { commit: null, method: 'none', detail: plan.reason };
    case 'ref':
      return { commit: await resolveRef(repoDir, remote, plan.ref), method: 'ref', detail: `--base ${plan.ref}` };
    case 'commit':
      await ensureCommit(repoDir, remote, plan.commit);
      return { commit: plan.commit, method: 'event-commit', detail: plan.reason };
    case 'pull-request':
      return resolvePullRequestBase(repoDir, remote, head, plan);
  }
}

async function resolvePullRequestBase(
  repoDir: string,
  remote: string,
  head: string,
  plan: Extract<BasePlan, { kind: 'pull-request' }>,
): Promise<BaseResolution> {
  const parents = parseCommitParents(await runGit(repoDir, ['cat-file', 'commit', head]));
  const parent = pickMergeParent(parents, plan.prHeadSha);
  if (parent !== null) {
    await ensureCommit(repoDir, remote, parent);
    return { commit: parent, method: 'merge-parent', detail: `first parent of the PR merge commit ${head.slice(0, 12)}` };
  }
  const mergeBase = await findMergeBase(repoDir, remote, head, plan.baseRef);
  if (mergeBase !== null) {
    return { commit: mergeBase, method: 'merge-base', detail: `merge base of HEAD and ${remote}/${plan.baseRef}` };
  }
  if (plan.baseSha !== null) {
    await ensureCommit(repoDir, remote, plan.baseSha);
    return {
      commit: plan.baseSha,
      method: 'base-sha',
      detail: `pull_request.base.sha (no merge base with ${remote}/${plan.baseRef} found; may be stale)`,
    };
  }
  throw new Error(
    `cannot find the base commit in ${repoDir}: HEAD is not a PR merge commit, no merge base with ` +
      `${remote}/${plan.baseRef}, and the event has no pull_request.base.sha`,
  );
}

async function findMergeBase(repoDir: string, remote: string, head: string, baseRef: string): Promise<string | null> {
  const tracking = `refs/remotes/${remote}/${baseRef}`;
  const refspec = `+refs/heads/${baseRef}:${tracking}`;
  const shallow = await isShallow(repoDir);
  if (!(await hasCommit(repoDir, tracking))) {
    const fetched = await tryGit(repoDir, ['fetch', '--no-tags', ...(shallow ? ['--depth=50'] : []), remote, refspec]);
    if (fetched.exitCode !== 0) return null;
  }
  // A shallow history may end before the fork point: deepen a few times, then give up.
  for (let attempt = 0; attempt < 4; attempt++) {
    const found = await tryGit(repoDir, ['merge-base', head, tracking]);
    if (found.exitCode === 0 && SHA.test(found.stdout.trim())) return found.stdout.trim();
    if (!(await isShallow(repoDir))) return null;
    const deepened = await tryGit(repoDir, ['fetch', '--no-tags', '--deepen=100', remote, head, refspec]);
    if (deepened.exitCode !== 0) return null;
  }
  return null;
}

async function resolveRef(repoDir: string, remote: string, ref: string): Promise<string> {
  for (const candidate of [ref, `refs/remotes/${remote}/${ref}`]) {
    const found = await tryGit(repoDir, ['rev-parse', '--verify', '--quiet', `${candidate}^{commit}`]);
    if (found.exitCode === 0) return found.stdout.trim();
  }
  // Not here yet (a shallow CI checkout): ask the remote for it.
  const depth = (await isShallow(repoDir)) ? ['--depth=1'] : [];
  const fetched = await tryGit(repoDir, ['fetch', '--no-tags', ...depth, remote, ref]);
  if (fetched.exitCode !== 0) {
    throw new Error(`--base ${ref}: not a commit in ${repoDir}, and \`git fetch ${remote} ${ref}\` failed: ${fetched.stderr.trim()}`);
  }
  return runGit(repoDir, ['rev-parse', '--verify', 'FETCH_HEAD^{commit}']);
}

/** Makes sure the commit object is present, fetching just it when the clone is shallow. */
export async function ensureCommit(repoDir: string, remote: string, sha: string): Promise<void> {
  if (await hasCommit(repoDir, sha)) return;
  const depth = (await isShallow(repoDir)) ? ['--depth=1'] : [];
  await runGit(repoDir, ['fetch', '--no-tags', ...depth, remote, sha]);
  if (!(await hasCommit(repoDir, sha))) throw new Error(`commit ${sha} is still missing in ${repoDir} after fetching it from ${remote}`);
}

export async function hasCommit(repoDir: string, rev: string): Promise<boolean> {
  return (await tryGit(repoDir, ['cat-file', '-e', `${rev}^{commit}`])).exitCode === 0;
}

async function isShallow(repoDir: string): Promise<boolean> {
  return (await runGit(repoDir, ['rev-parse', '--is-shallow-repository'])) === 'true';
}

/** The value at `path` in an untyped event payload; undefined where the path ends early. */
function fieldAt(json: unknown, ...path: string[]): unknown {
  let value = json;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function asSha(value: unknown): string | null {
  return typeof value === 'string' && SHA.test(value) ? value : null;
}

/** A ref starting with `-` would be read by git as an option. */
function checkRef(ref: string, source: string): string {
  if (ref === '' || ref.startsWith('-') || /[\s\0]/.test(ref)) {
    throw new Error(`${source}: ${JSON.stringify(ref)} is not a usable git ref`);
  }
  return ref;
}
