import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { keepNewestCommit, loadReports, mergeReports, type LoadedReport } from '../../../src/action/aggregate.js';
import { createMemoryLogger } from '../../../src/logger.js';
import { privilegedBuildRefusal, pullRequestOf, repositoryOf, runStampOf, runUrl, workflowRunStamp } from '../../../src/action/event.js';
import { largestGrowth } from '../../../src/action/publish.js';
import { parseReport, ReportError } from '../../../src/report/parse-report.js';
import type { Report, ReportEntry } from '../../../src/types.js';

const opened = JSON.parse(readFileSync('test/fixtures/events/pull_request-opened.json', 'utf8')) as {
  pull_request: { head: { sha: string } };
};
const labeled: unknown = JSON.parse(readFileSync('test/fixtures/events/pull_request-labeled.json', 'utf8'));

function entry(overrides: Partial<ReportEntry>): ReportEntry {
  return {
    name: 'api',
    target: null,
    platform: 'linux/amd64',
    compressedBytes: 100,
    uncompressedBytes: 200,
    layerCount: 1,
    status: 'ok',
    findings: [],
    budget: { max: null, warn: null, maxLayers: null },
    layers: [],
    manifestDigest: null,
    error: null,
    ...overrides,
  };
}

function report(images: ReportEntry[], overrides: Partial<Report> = {}): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'image-budget', version: '0.1.0' },
    createdAt: '2026-11-25T00:00:00.000Z',
    commit: null,
    config: 'a.yml',
    overBudget: false,
    images,
    ...overrides,
  };
}

describe('event facts', () => {
  test('a pull_request payload gives the PR number, labels and head', () => {
    expect(pullRequestOf({ name: 'pull_request', payload: opened })).toEqual({
      number: 42,
      labels: [],
      headSha: opened.pull_request.head.sha,
      baseRef: 'main',
    });
    expect(pullRequestOf({ name: 'pull_request', payload: labeled })?.labels).toEqual(['image-budget:accept']);
    expect(pullRequestOf({ name: 'push', payload: {} })).toBeNull();
  });

  test('pull_request_target and workflow_run builds are refused unless allowed, and the refusal says why', () => {
    expect(privilegedBuildRefusal({ name: 'pull_request_target', payload: opened }, false)).toMatch(/write token and your secrets/);
    expect(privilegedBuildRefusal({ name: 'pull_request_target', payload: opened }, true)).toBeNull();
    const workflowRun = privilegedBuildRefusal({ name: 'workflow_run', payload: {} }, false);
    expect(workflowRun).toMatch(
      /^refusing to build under `workflow_run` with `mode: check`: that event runs with a write token and your secrets/,
    );
    expect(workflowRun).toContain('`mode: comment`');
    expect(workflowRun).toContain('allow-privileged-build: true');
    expect(privilegedBuildRefusal({ name: 'workflow_run', payload: {} }, true)).toBeNull();
    expect(privilegedBuildRefusal({ name: 'pull_request', payload: opened }, false)).toBeNull();
    expect(privilegedBuildRefusal({ name: 'push', payload: {} }, false)).toBeNull();
  });

  test('repository and run URL from the runner environment', () => {
    expect(repositoryOf({ GITHUB_REPOSITORY: 'acme/shop' })).toEqual({ owner: 'acme', repo: 'shop' });
    expect(repositoryOf({})).toBeNull();
    expect(runUrl({ GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/shop', GITHUB_RUN_ID: '7' })).toBe(
      'https://github.com/acme/shop/actions/runs/7',
    );
  });
});

describe('aggregate', () => {
  test('merges entries, keeps the first of duplicates, recomputes over-budget', () => {
    const a = report([entry({ name: 'api' })], { config: 'a.yml' });
    const b = report([entry({ name: 'web', status: 'over' }), entry({ name: 'api', compressedBytes: 999 })], { config: 'b.yml' });
    const merged = mergeReports([a, b]);
    expect(merged.images.map((e) => [e.name, e.compressedBytes])).toEqual([
      ['api', 100],
      ['web', 100],
    ]);
    expect(merged.overBudget).toBe(true);
    expect(merged.config).toBe('a.yml, b.yml');
  });
});

describe('aggregate: budget changes, commits, stray files', () => {
  const change = { image: 'api', target: null, platform: null, field: 'max.compressed', label: 'max', from: '25 MB', to: '40 MB' };

  test('jobs sharing a budget file list each budget change once', () => {
    const other = { ...change, image: 'web' };
    const merged = mergeReports([
      report([entry({ name: 'api' })], { budgetChanges: [change, other] }),
      report([entry({ name: 'worker' })], { budgetChanges: [change] }),
    ]);
    expect(merged.budgetChanges).toEqual([change, other]);
  });

  test('reports for different commits are not merged: the newest commit’s are kept, the others left out', () => {
    const at = (file: string, commit: string | null, createdAt: string): LoadedReport => ({
      file,
      report: report([entry({ name: file })], { commit, createdAt }),
    });
    const [old, fresh] = ['a'.repeat(40), 'b'.repeat(40)];
    const choice = keepNewestCommit([
      at('1.json', old, '2026-11-25T10:00:00.000Z'),
      at('2.json', fresh, '2026-11-25T12:00:00.000Z'),
      at('3.json', fresh, '2026-11-25T09:00:00.000Z'),
      at('4.json', null, '2026-11-25T11:00:00.000Z'),
    ]);
    expect(choice.commit).toBe(fresh);
    expect(choice.kept.map((l) => l.file)).toEqual(['2.json', '3.json']);
    expect(choice.skipped.map((l) => l.file)).toEqual(['1.json', '4.json']);
    const same = keepNewestCommit([at('1.json', old, '2026-11-25T10:00:00.000Z'), at('2.json', old, '2026-11-25T11:00:00.000Z')]);
    expect(same.skipped).toEqual([]);
  });

  test('a directory’s other JSON files are skipped with a warning naming them; a file named in `reports` must be a report', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ib-aggregate-'));
    try {
      mkdirSync(path.join(dir, 'artifacts', 'api'), { recursive: true });
      writeFileSync(path.join(dir, 'artifacts', 'api', 'report.json'), JSON.stringify(report([entry({})])));
      writeFileSync(path.join(dir, 'artifacts', 'api', 'sbom.json'), JSON.stringify({ spdxVersion: 'SPDX-2.3' }));
      writeFileSync(path.join(dir, 'artifacts', 'broken.json'), '{');
      const logger = createMemoryLogger();
      const loaded = await loadReports(['artifacts'], dir, logger);
      expect(loaded.map((l) => path.relative(dir, l.file))).toEqual(['artifacts/api/report.json']);
      const warnings = logger.lines.filter((l) => l.startsWith('warning: '));
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toContain(`skipping ${path.join(dir, 'artifacts', 'api', 'sbom.json')}: not an image-budget report`);
      expect(warnings[1]).toContain(`skipping ${path.join(dir, 'artifacts', 'broken.json')}: not an image-budget report`);
      await expect(loadReports(['artifacts/api/sbom.json'], dir, logger)).rejects.toThrow(ReportError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('largest growth annotation', () => {
  test('the contributor that grew most, else the largest layer of an over-budget image', () => {
    const grew = report([
      entry({
        contributors: [
          {
            location: 'Dockerfile:4',
            instruction: 'RUN',
            createdBy: 'RUN a',
            state: 'changed',
            deltaBytes: 10,
            baseBytes: 5,
            headBytes: 15,
          },
          {
            location: 'Dockerfile:9',
            instruction: 'COPY',
            createdBy: 'COPY b',
            state: 'added',
            deltaBytes: 500,
            baseBytes: null,
            headBytes: 500,
          },
        ],
      }),
    ]);
    expect(largestGrowth(grew)).toMatchObject({ file: 'Dockerfile', line: 9 });
    const over = report([
      entry({
        status: 'over',
        layers: [
          {
            digest: 'sha256:a',
            compressedBytes: 10,
            uncompressedBytes: 10,
            createdBy: 'RUN x',
            dockerfile: { path: 'svc/Dockerfile', line: 2 },
          },
          {
            digest: 'sha256:b',
            compressedBytes: 90,
            uncompressedBytes: 90,
            createdBy: 'COPY y',
            dockerfile: { path: 'svc/Dockerfile', line: 5 },
          },
        ],
      }),
    ]);
    expect(largestGrowth(over)).toMatchObject({ file: 'svc/Dockerfile', line: 5 });
    expect(largestGrowth(report([entry({})]))).toBeNull();
  });
});

describe('untrusted reports', () => {
  test.each([
    [1, 'not JSON', '{', /not valid JSON/],
    [2, 'another schema version', JSON.stringify({ ...report([]), schemaVersion: 2 }), /schemaVersion/],
    [3, 'a negative size', JSON.stringify(report([entry({ compressedBytes: -1 })])), /images\[0\]\.compressedBytes/],
    [4, 'a fake commit', JSON.stringify(report([], { commit: '<script>' })), /commit: expected a full commit sha/],
  ])('%i. %s is refused with the JSON path', (_n, _name, text, message) => {
    expect(() => parseReport(text, 'r.json')).toThrow(ReportError);
    expect(() => parseReport(text, 'r.json')).toThrow(message);
  });

  test('a valid report round-trips', () => {
    const valid = report([entry({})]);
    expect(parseReport(JSON.stringify(valid), 'r.json')).toEqual(valid);
  });
});

describe('the run a comment is stamped with', () => {
  const sha = 'a'.repeat(40);
  test('this run: GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT, the PR head or GITHUB_SHA', () => {
    expect(runStampOf({ GITHUB_RUN_ID: '4242', GITHUB_RUN_ATTEMPT: '3', GITHUB_SHA: 'b'.repeat(40) }, sha)).toEqual({
      id: 4242,
      attempt: 3,
      sha,
    });
    expect(runStampOf({ GITHUB_RUN_ID: '4242', GITHUB_SHA: 'b'.repeat(40) }, null)).toEqual({ id: 4242, attempt: 1, sha: 'b'.repeat(40) });
    // Outside Actions there is no run to order by.
    expect(runStampOf({}, sha)).toBeNull();
    expect(runStampOf({ GITHUB_RUN_ID: 'x' }, sha)).toBeNull();
  });

  test('mode: comment: the workflow_run it posts for', () => {
    const { workflow_run: run } = JSON.parse(readFileSync('test/fixtures/pr-flow/workflow_run.json', 'utf8')) as {
      workflow_run: Record<string, unknown>;
    };
    expect(workflowRunStamp({ ...run, head_sha: sha })).toEqual({ id: 9876543210, attempt: 1, sha });
    // A head that is not a sha is not recorded.
    expect(workflowRunStamp({ id: 7, run_attempt: 2, head_sha: '$(evil)' })).toEqual({ id: 7, attempt: 2, sha: null });
  });
});

describe('aggregate picks by GITHUB_SHA and caps what it reads', () => {
  const at = (file: string, commit: string | null, createdAt: string): LoadedReport => ({
    file,
    report: report([entry({ name: file })], { commit, createdAt }),
  });
  const [ours, newer] = ['a'.repeat(40), 'b'.repeat(40)];

  test.each([
    ['GITHUB_SHA named by a report wins over a newer report', ours, ours, ['1.json']],
    ['GITHUB_SHA named by no report: the newest report’s commit, as without it', 'c'.repeat(40), newer, ['2.json']],
    ['no GITHUB_SHA: the newest report’s commit', undefined, newer, ['2.json']],
  ])('%s', (_name, sha, commit, kept) => {
    const choice = keepNewestCommit([at('1.json', ours, '2026-11-25T10:00:00.000Z'), at('2.json', newer, '2026-11-25T12:00:00.000Z')], sha);
    expect(choice.commit).toBe(commit);
    expect(choice.kept.map((l) => l.file)).toEqual(kept);
  });

  test('files past the count, per-file or total limits are left out before reading, named in one warning', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ib-aggregate-caps-'));
    try {
      const text = JSON.stringify(report([entry({})]));
      for (const name of ['a', 'b', 'c', 'd']) writeFileSync(path.join(dir, `${name}.json`), text);
      // Not valid JSON: if it were read, loading would fail; left out by size, it is never read.
      writeFileSync(path.join(dir, 'huge.json'), `{${' '.repeat(text.length * 3)}`);
      const logger = createMemoryLogger();
      const limits = { files: 3, fileBytes: text.length * 2, totalBytes: text.length * 10 };
      const loaded = await loadReports([dir], dir, logger, limits);
      expect(loaded.map((l) => path.basename(l.file))).toEqual(['a.json', 'b.json', 'c.json']);
      expect(logger.lines).toEqual([
        `warning: aggregate: leaving out 2 report file(s) past the limits (3 files, ${text.length * 2} bytes each, ${text.length * 10} in all): ` +
          `${path.join(dir, 'd.json')} (${text.length} bytes), ${path.join(dir, 'huge.json')} (${text.length * 3 + 1} bytes)`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
