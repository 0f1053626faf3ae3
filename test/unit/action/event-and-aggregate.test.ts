import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { mergeReports } from '../../../src/action/aggregate.js';
import { pullRequestOf, pullRequestTargetRefusal, repositoryOf, runStampOf, runUrl, workflowRunStamp } from '../../../src/action/event.js';
import { largestGrowth } from '../../../src/action/publish.js';
import { parseReport, ReportError } from '../../../src/report/parse-report.js';
import type { Report, ReportEntry } from '../../../src/report/types.js';

const opened = JSON.parse(readFileSync('test/fixtures/events/pull_request-opened.json', 'utf8'));
const labeled = JSON.parse(readFileSync('test/fixtures/events/pull_request-labeled.json', 'utf8'));

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

  test('pull_request_target is refused unless allowed, and the refusal says why', () => {
    expect(pullRequestTargetRefusal({ name: 'pull_request_target', payload: opened }, false)).toMatch(/write token and your secrets/);
    expect(pullRequestTargetRefusal({ name: 'pull_request_target', payload: opened }, true)).toBeNull();
    expect(pullRequestTargetRefusal({ name: 'pull_request', payload: opened }, false)).toBeNull();
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
    const { workflow_run: run } = JSON.parse(readFileSync('test/fixtures/pr-flow/workflow_run.json', 'utf8'));
    expect(workflowRunStamp({ ...run, head_sha: sha })).toEqual({ id: 9876543210, attempt: 1, sha });
    // A head that is not a sha is not recorded.
    expect(workflowRunStamp({ id: 7, run_attempt: 2, head_sha: '$(evil)' })).toEqual({ id: 7, attempt: 2, sha: null });
  });
});
