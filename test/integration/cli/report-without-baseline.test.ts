/**
 * `check --json` without `--base`: nothing is compared, and the report says so in the fields
 * docs/report.md promises (`baseline: null`, `delta: null`), not by leaving them out.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Report } from '../../../src/types.js';
import { runCli } from '../../support/run-cli.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ib-cli-nobase-'));
  await cp('test/fixtures/e2e', dir, { recursive: true });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('every entry carries baseline: null, delta: null and change: null; max-increase is skipped with a note', async () => {
  const config = [
    'version: 1',
    'images:',
    '  app:',
    '    context: app',
    '    targets: [runtime]',
    '    budget:',
    '      max: 1MB',
    '      max-increase: 10kB',
    '',
  ].join('\n');
  await writeFile(path.join(dir, 'budget.yml'), config);
  const run = await runCli(['check', '--config', 'budget.yml', '--json', 'report.json', '--no-analyze'], { cwd: dir });
  expect(run.exitCode, run.stderr).toBe(0);
  const report = JSON.parse(await readFile(path.join(dir, 'report.json'), 'utf8')) as Report;
  expect(report.baseline).toBeNull();
  expect(report.images).toHaveLength(1);
  const [entry] = report.images;
  expect(entry).toMatchObject({ name: 'app', target: 'runtime', status: 'ok', baseline: null, delta: null, change: null });
  expect(entry?.notes?.join('\n')).toMatch(/max-increase/);
});
