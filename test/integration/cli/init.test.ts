/**
 * `image-budget init` on a directory with a multi-stage Dockerfile, then `check` on what it
 * wrote, then `init --update` after the image grew: budgets move, comments stay.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parse } from 'yaml';

/** What these tests read of a budget file init wrote. */
interface WrittenBudgetFile {
  version: number;
  images: Record<string, { context?: string; targets?: string[]; budget?: { max?: string; targets?: Record<string, { max?: string }> } }>;
}
/** What these tests read of a JSON report. */
interface CheckedReport {
  images: { compressedBytes: number; budget: { max: { compressed: number } } }[];
}
import { runCli } from '../../support/run-cli.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ib-init-'));
  await cp('test/fixtures/e2e/app', path.join(dir, 'services/app'), { recursive: true });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('init writes a budget file for each named stage, with headroom, that check accepts', async () => {
  const init = await runCli(['init', '--config', 'budget.yml', '--headroom', '20'], { cwd: dir });
  expect(init.exitCode, init.stderr).toBe(0);
  expect(init.stdout).toMatch(/app:builder: .* compressed/);
  expect(init.stdout).toMatch(/app:runtime: .* compressed/);
  const text = await readFile(path.join(dir, 'budget.yml'), 'utf8');
  expect(text).toMatch(/20%/); // the header states the headroom
  const file = parse(text) as WrittenBudgetFile;
  expect(file.version).toBe(1);
  expect(file.images.app!.context).toBe('services/app');
  expect(file.images.app!.targets).toEqual(['builder', 'runtime']);

  const check = await runCli(['check', '--config', 'budget.yml', '--json', 'r.json', '--no-analyze'], { cwd: dir });
  expect(check.exitCode, check.stderr).toBe(0);
  const report = JSON.parse(await readFile(path.join(dir, 'r.json'), 'utf8')) as CheckedReport;
  for (const entry of report.images) {
    // max = measured + 20 %, rounded up: the measured size sits between 1/1.2 and 1 of max.
    expect(entry.compressedBytes).toBeLessThan(entry.budget.max.compressed);
    expect(entry.compressedBytes * 1.2).toBeLessThanOrEqual(entry.budget.max.compressed * 1.01);
  }

  const again = await runCli(['init', '--config', 'budget.yml'], { cwd: dir });
  expect(again.exitCode).toBe(2); // a usage error
  expect(again.stderr).toMatch(/budget\.yml already exists: use --update/);
});

test('init --update raises the budgets of a grown image and keeps the comments', async () => {
  const file = path.join(dir, 'budget.yml');
  await writeFile(file, `# our budgets — keep this comment\n${await readFile(file, 'utf8')}`);
  const dockerfile = path.join(dir, 'services/app/Dockerfile');
  await writeFile(dockerfile, (await readFile(dockerfile, 'utf8')).replace('head -c 200000', 'head -c 2000000'));
  const before = parse(await readFile(file, 'utf8')) as WrittenBudgetFile;

  const update = await runCli(['init', '--update', '--config', 'budget.yml'], { cwd: dir });
  expect(update.exitCode, update.stderr).toBe(0);
  expect(update.stdout).toMatch(/app:runtime max: .* → /);
  const text = await readFile(file, 'utf8');
  expect(text.startsWith('# our budgets — keep this comment\n')).toBe(true);
  const after = parse(text) as WrittenBudgetFile;
  const runtimeMax = (f: WrittenBudgetFile) => f.images.app?.budget?.targets?.runtime?.max ?? f.images.app?.budget?.max;
  expect(String(runtimeMax(after))).not.toBe(String(runtimeMax(before)));

  const check = await runCli(['check', '--config', 'budget.yml', '--no-analyze'], { cwd: dir });
  expect(check.exitCode, check.stderr).toBe(0);
});
