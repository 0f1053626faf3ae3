/**
 * Hints for what ships, through runCheck with real buildx builds: a builder target (a stage the
 * runtime copies from) shows none of its hints unless its budget forbids one; then that hint is
 * shown and fails it. The runtime built from it keeps its own hints. Comment, job summary and
 * terminal all read the same entries.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createMemoryLogger } from '../../../src/logger.js';
import { renderComment } from '../../../src/report/comment.js';
import { renderJobSummary } from '../../../src/report/job-summary.js';
import { renderTerminalReport } from '../../../src/report/terminal.js';
import { runCheck } from '../../../src/run.js';
import type { Report, ReportEntry } from '../../../src/types.js';

// The builder runs as root and holds a Go toolchain; the runtime (FROM scratch) holds neither.
const DOCKERFILE = `FROM busybox:1.35 AS builder
RUN mkdir -p /usr/local/go/bin && head -c 300000 /dev/urandom > /usr/local/go/bin/go && echo ok > /app

FROM scratch AS runtime
COPY --from=builder /app /app
`;
const BUDGET = `version: 1
images:
  quiet:
    context: .
    targets: [builder, runtime]
  asked:
    context: .
    targets: [builder, runtime]
    budget:
      targets:
        builder:
          forbid: [runs-as-root]
`;

let dir: string;
let report: Report;

const entry = (name: string, target: string): ReportEntry => {
  const found = report.images.find((e) => e.name === name && e.target === target);
  if (!found) throw new Error(`no entry ${name}:${target}`);
  return found;
};
const hintIds = (e: ReportEntry) => (e.analysis?.hints ?? []).map((h) => h.id).sort();

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ib-builder-hints-'));
  await writeFile(path.join(dir, 'Dockerfile'), DOCKERFILE);
  await writeFile(path.join(dir, 'budget.yml'), BUDGET);
  const result = await runCheck(
    { configPath: 'budget.yml', workdir: dir, parallel: 2, env: { PATH: process.env.PATH, HOME: process.env.HOME } },
    createMemoryLogger(),
  );
  report = result.report;
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('hints only for what ships', () => {
  test('a builder target shows none of its hints when nothing asks for them', () => {
    const builder = entry('quiet', 'builder');
    expect(builder.analysis, JSON.stringify(builder.notes)).toBeTruthy();
    expect(hintIds(builder)).toEqual([]);
    expect(builder.status).toBe('ok');
  });

  test('forbid on the builder target brings that hint back, and it fails the builder', () => {
    const builder = entry('asked', 'builder');
    expect(hintIds(builder)).toEqual(['runs-as-root']);
    expect(builder.findings.map((f) => f.rule)).toEqual(['forbid.runs-as-root']);
    expect(builder.status).toBe('over');
  });

  test('the runtime built from it keeps its own hint, with advice that fits scratch', () => {
    for (const name of ['quiet', 'asked']) {
      const runtime = entry(name, 'runtime');
      expect(hintIds(runtime)).toEqual(['runs-as-root']);
      const [hint] = runtime.analysis?.hints ?? [];
      expect(hint?.fix).toContain('`USER 65532:65532`');
      expect(hint?.fix).not.toMatch(/adduser|useradd/);
      expect(runtime.status).toBe('ok');
    }
  });

  test('comment, job summary and terminal show no toolchain hint (only the builder has one) and the forbidden one once', () => {
    const outputs = [
      renderComment(report, { configPath: 'budget.yml', key: 'test' }),
      renderJobSummary(report, { configPath: 'budget.yml' }),
      renderTerminalReport(report),
    ];
    for (const text of outputs) {
      // Markdown escapes the hyphens: `runs\-as\-root`.
      expect(text).not.toMatch(/toolchain\\?-in\\?-final\\?-image/);
      expect(text).toMatch(/runs\\?-as\\?-root/);
    }
  });
});
