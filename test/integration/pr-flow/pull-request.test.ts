/**
 * The pull_request flow end to end: `node dist/index.js` in a real PR merge checkout, the
 * base built in a worktree with the same cache, and one sticky comment on the fake GitHub.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { formatBytes, formatDelta, formatMovement, formatPercent } from '../../../src/report/comment-format.js';
import { commentMarker } from '../../../src/report/comment-marker.js';
import { dockerMajor, engine } from '../../support/engine-info.js';
import type { Report, ReportEntry } from '../../../src/types.js';
import { fakeUser, startFakeGitHub, type FakeGitHub } from '../../support/fake-github.js';
import {
  createPullRequestRepo,
  GROWTH_LINE,
  pullRequestEvent,
  pushToPullRequest,
  type PullRequestRepo,
} from '../../support/git-fixture.js';
import type { ActionRun } from '../../support/run-action.js';
import {
  logGroups,
  logOf,
  normalizeComment,
  OWNER,
  readReport,
  removeRunnerDirs,
  REPO,
  runAction,
  tableCells,
  unescapeCommand,
} from './helpers.js';

let repo: PullRequestRepo;
let gh: FakeGitHub;
let first: ActionRun;
let report: Report;
let cacheDir: string;

beforeAll(async () => {
  repo = createPullRequestRepo();
  gh = await startFakeGitHub();
  gh.addPull(OWNER, REPO, { number: 1, headOwner: OWNER, headRef: repo.branch, headSha: repo.shas.prHead });
  // A busy PR: 150 comments before ours, so ours lands on page 2 (per_page=100). Other
  // people's, other bots', one by the token's user, and one with a copy of our marker.
  for (let i = 0; i < 150; i++) {
    const user = i % 3 === 0 ? fakeUser('someone', 42) : i % 3 === 1 ? fakeUser('renovate[bot]', 2740, 'Bot') : fakeUser('octocat', 583231);
    gh.addComment(OWNER, REPO, 1, i === 75 ? `${commentMarker('default')}\ncopied marker` : `comment ${i}`, user);
  }
  // The cache directory persists between the runs of this PR, as actions/cache keeps it.
  cacheDir = mkdtempSync(path.join(os.tmpdir(), 'ib-prflow-cache-'));
  first = await runAction({
    repo,
    gh,
    eventName: 'pull_request',
    event: pullRequestEvent(repo, { action: 'opened' }),
    inputs: { 'cache-dir': cacheDir },
  });
  report = await readReport(first);
});

afterAll(async () => {
  await removeRunnerDirs();
  await gh?.stop();
  repo?.cleanup();
  if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
});

function runtimeEntry(r: Report): ReportEntry {
  const entry = r.images.find((e) => e.name === 'app' && e.target === 'runtime');
  if (!entry) throw new Error(`no app:runtime entry in ${JSON.stringify(r.images.map((e) => [e.name, e.target]))}`);
  return entry;
}

describe('pull_request opened, baseline: build', () => {
  test('exit code and outputs', () => {
    expect(first.exitCode, logOf(first)).toBe(0);
    expect(first.outputs['over-budget']).toBe('false');
    expect(first.outputs.report).toMatch(/report\.json$/);
    expect(first.outputs['comment-url']).toMatch(/^https:\/\/github\.com\/acme\/shop\/pull\/1#issuecomment-\d+$/);
    expect(first.outputs.markdown).toContain('## 📦 Image budget');
    expect(first.summary.trimEnd()).toBe(first.outputs.markdown?.trimEnd());
  });

  test('the baseline is the merge commit’s first parent (main now), not the stale base.sha', () => {
    expect(report.commit).toBe(repo.shas.merge);
    expect(report.baseline?.mode).toBe('build');
    expect(report.baseline?.commit).toBe(repo.shas.mainTip);
    expect(report.baseline?.commit).not.toBe(repo.shas.base);
    const entry = runtimeEntry(report);
    expect(entry.baseline?.commit).toBe(repo.shas.mainTip);
    expect(report.pullRequest).toEqual({ number: 1, headSha: repo.shas.prHead });
  });

  test('delta = head − base exactly as measured, the 5 MB layer blamed on its Dockerfile line', () => {
    const entry = runtimeEntry(report);
    const base = entry.baseline;
    if (!base || entry.compressedBytes === null || entry.uncompressedBytes === null) throw new Error(JSON.stringify(entry));
    expect(entry.delta).toEqual({
      compressedBytes: entry.compressedBytes - base.compressedBytes,
      uncompressedBytes: entry.uncompressedBytes - base.uncompressedBytes,
    });
    // 5,000,000 random bytes do not compress: the growth is the file plus its tar/gzip framing.
    expect(entry.delta?.uncompressedBytes).toBeGreaterThan(5_000_000);
    expect(entry.delta?.compressedBytes).toBeGreaterThan(5_000_000);
    expect(entry.delta?.compressedBytes).toBeLessThan(5_100_000);
    // Compressed = layer blobs + the config blob (docs/report.md); uncompressed = the layers.
    const layerBytes = entry.layers.reduce((n, l) => n + l.compressedBytes, 0);
    expect(entry.compressedBytes - layerBytes).toBeGreaterThan(0);
    expect(entry.compressedBytes - layerBytes).toBeLessThan(10_000);
    expect(entry.uncompressedBytes).toBe(entry.layers.reduce((n, l) => n + l.uncompressedBytes, 0));

    const [top] = entry.contributors ?? [];
    expect(top?.location).toBe(`Dockerfile:${GROWTH_LINE}`);
    expect(top?.state).toBe('added');
    expect(top?.deltaBytes).toBeGreaterThan(5_000_000);
    // The changed app.conf layer is the other change, paired by its (unmoved) line.
    const changed = entry.layerDiff?.filter((row) => row.state === 'changed') ?? [];
    expect(changed.map((row) => row.dockerfile?.line)).toEqual([9]);
    expect(entry.layerDiff?.filter((row) => row.state === 'unchanged').map((row) => row.dockerfile?.line)).toEqual([8]);
  });

  test('the base build’s unchanged steps were cache hits, as its build log shows', () => {
    const [baseLog] = logGroups(first, /^base: docker buildx build app:runtime/);
    expect(baseLog, 'no log group for the base build').toBeDefined();
    // `RUN head -c 300000` and the COPY of app.bin are the same instructions on the same inputs.
    const cached = [...(baseLog ?? '').matchAll(/^(#\d+) CACHED$/gm)].map((m) => m[1]);
    expect(cached.length).toBeGreaterThanOrEqual(2);
    const step = (pattern: RegExp) => /^(#\d+) \[/m.exec((baseLog ?? '').split('\n').find((l) => pattern.test(l)) ?? '')?.[1];
    const runStep = step(/\[build \d\/\d\] RUN head -c 300000/);
    expect(runStep, baseLog).toBeDefined();
    expect(cached).toContain(runStep);
  });

  test('one comment, with the marker, the verdict, the Δ row and why it grew', async () => {
    const all = gh.commentsOn(OWNER, REPO, 1);
    expect(all).toHaveLength(151);
    const comments = all.filter((c) => c.user?.login === 'github-actions[bot]');
    expect(comments).toHaveLength(1);
    expect(all.indexOf(comments[0] as (typeof all)[number])).toBe(150);
    const body = comments[0]?.body ?? '';
    expect(body.split('\n')[0]).toBe(commentMarker('default'));
    // The run it was made for (GITHUB_RUN_ID, attempt) and the PR head, on the hidden second line.
    expect(body.split('\n')[1]).toBe(`<!-- image-budget:run id=4242 attempt=1 sha=${repo.shas.prHead} -->`);
    expect(body).toContain('✅ **The image is within budget**\\\n1 image: 1 grew');
    const entry = runtimeEntry(report);
    const row = body.split('\n').find((l) => l.startsWith('| **app** | runtime |'));
    expect(row).toBeDefined();
    // The PR's size with Δ and Δ% in one cell, non-breaking.
    const sizeCell = `${formatBytes(entry.compressedBytes ?? 0)} (${formatDelta(entry.delta?.compressedBytes ?? 0)}, ${formatPercent(entry.delta?.compressedBytes ?? 0, entry.baseline?.compressedBytes ?? 0)})`;
    expect(tableCells(row ?? '')[2]).toBe(` ${sizeCell.replace(/ /g, '\u00A0')} `);
    // Both metrics in the details: base → PR (Δ, Δ%), as measured.
    const base = entry.baseline;
    expect(body).toContain(
      `\ncompressed ${formatMovement(base?.compressedBytes ?? 0, entry.compressedBytes ?? 0)} · ` +
        `on disk ${formatMovement(base?.uncompressedBytes ?? 0, entry.uncompressedBytes ?? 0)}\n`,
    );
    expect(body).toContain('**Why it grew**');
    // The Dockerfile's own text of the line that grew, under its file:line and Δ.
    expect(body).toMatch(
      new RegExp(`1\\. \`Dockerfile:${GROWTH_LINE}\` \\+5(\\.\\d+)? MB[^\\n]*\\n\\n {3}\`\`\`dockerfile\\n {3}COPY [^\\n]*big\\.bin`),
    );
    expect(body).toContain(repo.shas.mainTip.slice(0, 7));
    // Layer sizes are the bytes the builder's gzip writes: Docker 26's built-in BuildKit compresses
    // the fixture's layers a few bytes differently from BuildKit 0.2x, so each has its snapshot.
    const snapshot = engine.driver === 'docker' && dockerMajor === 26 ? 'pull-request-opened.docker26.md' : 'pull-request-opened.md';
    await expect(normalizeComment(body, repo)).toMatchFileSnapshot(`__outputs__/${snapshot}`);
  });

  test('a warning annotation on the Dockerfile line that grew most', () => {
    const warning = first.stdout.split('\n').find((l) => l.startsWith('::warning') && l.includes('largest growth'));
    expect(warning).toBeDefined();
    expect(unescapeCommand(warning ?? '')).toMatch(
      new RegExp(
        `^::warning title=image-budget: largest growth,file=Dockerfile,line=${GROWTH_LINE}::app:runtime \\(linux/\\w+\\) grew \\+?5(\\.\\d+)? MB here`,
      ),
    );
  });
});

describe('a second run on the same PR', () => {
  test('synchronize updates the one comment in place, found on page 2 among 150 others', async () => {
    const listedBefore = gh.requestsTo('GET', /\/issues\/1\/comments$/).length;
    const ours = gh.commentsOn(OWNER, REPO, 1).find((c) => c.user?.login === 'github-actions[bot]');
    const id = ours?.id;
    const firstBody = ours?.body;
    pushToPullRequest(repo, { 'app.conf': 'mode=pr\nassets=big.bin\nsecond=push\n' });
    const second = await runAction({
      repo,
      gh,
      eventName: 'pull_request',
      event: pullRequestEvent(repo, { action: 'synchronize' }),
      inputs: { 'cache-dir': cacheDir },
    });
    expect(second.exitCode, logOf(second)).toBe(0);
    // Every run builds its base (BENCHMARKS.md: keeping an earlier run's measurement saved too little).
    expect(second.stdout).toMatch(/base: \[\d+\/\d+\] building/);
    expect(first.stdout).toMatch(/base: \[\d+\/\d+\] building/);

    const all = gh.commentsOn(OWNER, REPO, 1);
    expect(all).toHaveLength(151);
    const mine = all.filter((c) => c.user?.login === 'github-actions[bot]');
    expect(mine).toHaveLength(1);
    expect(mine[0]?.id).toBe(id);
    expect(gh.requestsTo('POST', /\/issues\/1\/comments$/)).toHaveLength(1);
    expect(gh.requestsTo('PATCH', new RegExp(`/issues/comments/${id}$`))).toHaveLength(1);
    // It listed every page (per_page=100: two pages) before deciding.
    const pages = gh
      .requestsTo('GET', /\/issues\/1\/comments$/)
      .slice(listedBefore)
      .map((r) => r.query.get('page') ?? '1');
    expect(pages).toEqual(['1', '2']);
    // The new body: the new merge commit, compared with the same base.
    expect(mine[0]?.body).not.toBe(firstBody);
    expect(mine[0]?.body).toContain(repo.shas.merge.slice(0, 12));
    expect((await readReport(second)).baseline?.commit).toBe(repo.shas.mainTip);
    expect(second.outputs['comment-url']).toBe(first.outputs['comment-url']);
    // The copied marker by someone else is untouched.
    expect(all.find((c) => c.body?.endsWith('copied marker'))?.user?.login).toBe('someone');
  });
});
