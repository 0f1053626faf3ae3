/**
 * A build that prints its secret and fails: the value is replaced by *** in the build log, the
 * failure the report gives for that image, and every other output; the other image is still
 * measured.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createMemoryLogger } from '../../../src/logger.js';
import { renderJobSummary } from '../../../src/report/job-summary.js';
import { reportTextOptions } from '../../../src/report/report-head.js';
import { renderTerminalReport } from '../../../src/report/terminal.js';
import { runCheck } from '../../../src/run.js';
import type { Report } from '../../../src/types.js';

const SECRET = `leaky-${randomBytes(12).toString('hex')}`;
let dir: string;
let report: Report;
const logger = createMemoryLogger();

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ib-redaction-'));
  await mkdir(path.join(dir, 'leaky'));
  await mkdir(path.join(dir, 'fine'));
  await writeFile(
    path.join(dir, 'leaky/Dockerfile'),
    'FROM busybox:1.35\nRUN --mount=type=secret,id=token,required=true echo "token is $(cat /run/secrets/token)" && exit 3\n',
  );
  await writeFile(path.join(dir, 'fine/Dockerfile'), 'FROM busybox:1.35\nRUN echo fine > /fine\n');
  await writeFile(
    path.join(dir, 'budget.yml'),
    'version: 1\nimages:\n  leaky:\n    context: leaky\n    secrets: ["id=token,env=IB_LEAKY_SECRET"]\n  fine:\n    context: fine\n',
  );
  process.env.IB_LEAKY_SECRET = SECRET;
  report = (await runCheck({ configPath: 'budget.yml', workdir: dir, parallel: 2, env: process.env, analyze: false }, logger)).report;
}, 600_000);

afterAll(async () => {
  delete process.env.IB_LEAKY_SECRET;
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('the failing image is an error that shows *** where the build printed the secret; the other is measured', () => {
  const leaky = report.images.find((e) => e.name === 'leaky');
  expect(leaky?.status).toBe('error');
  expect(leaky?.error).toContain('token is ***');
  expect(report.images.find((e) => e.name === 'fine')?.status).toBe('ok');
});

test('the secret is in no output', () => {
  const written = [
    logger.lines.join('\n'),
    JSON.stringify(report),
    renderJobSummary(report, reportTextOptions(report)),
    renderTerminalReport(report),
  ].join('\n');
  expect(written).toContain('token is ***');
  expect(written).not.toContain(SECRET);
});
