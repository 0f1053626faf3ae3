/**
 * The CLI in a terminal, through the real bin and a real build: `--verbose` streams BuildKit's
 * output while the build runs, `--json -` / `--markdown -` put the report on stdout (the table
 * and the progress on stderr), colour follows FORCE_COLOR / NO_COLOR.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Report } from '../../../src/types.js';
import { CLI_BIN, runCli } from '../../support/run-cli.js';

let dir: string;
/** A new value each run, so BuildKit cannot answer the RUN from its cache. */
const NONCE = `${process.pid}-${Date.now()}`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ib-cli-terminal-'));
  await mkdir(path.join(dir, 'slow'));
  await writeFile(
    path.join(dir, 'slow', 'Dockerfile'),
    ['FROM busybox:1.35', `RUN echo "first-line ${NONCE}" && sleep 4 && echo "second-line ${NONCE}"`, ''].join('\n'),
  );
  await writeFile(
    path.join(dir, 'budget.yml'),
    ['version: 1', 'images:', '  slow:', '    context: slow', '    budget:', '      max: 10MB', ''].join('\n'),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('--verbose', () => {
  test('the build output arrives while the build runs, not after it', async () => {
    const child = spawn(process.execPath, [CLI_BIN, 'check', '--config', 'budget.yml', '--verbose', '--no-analyze'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
    });
    const started = Date.now();
    let stderr = '';
    const seen: Record<string, number> = {};
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      for (const marker of [`first-line ${NONCE}`, `second-line ${NONCE}`]) {
        // The echo of the RUN command itself also holds the text: count the output line only.
        if (seen[marker] === undefined && new RegExp(`^slow │ #\\d+ [\\d.]+ ${marker}$`, 'm').test(stderr))
          seen[marker] = Date.now() - started;
      }
    });
    const exitCode = await new Promise<number>((resolve) =>
      child.on('close', (code) => {
        resolve(code ?? -1);
      }),
    );
    const ended = Date.now() - started;
    expect(exitCode, stderr).toBe(0);
    const first = seen[`first-line ${NONCE}`];
    const second = seen[`second-line ${NONCE}`];
    expect(first, stderr).toBeDefined();
    expect(second, stderr).toBeDefined();
    // The RUN sleeps 4 s between its two lines: the first was shown seconds before the second and before the end.
    expect(second! - first!).toBeGreaterThan(2500);
    expect(ended - first!).toBeGreaterThan(2500);
    // Streamed once: the log group that closes the build does not print it again.
    expect(stderr.match(new RegExp(`first-line ${NONCE}\\n`, 'g'))?.length ?? 0).toBe(1);
  });
});

describe('reports on stdout', () => {
  test('--json -: stdout is the JSON report alone; the table and the progress are on stderr', async () => {
    const run = await runCli(['check', '--config', 'budget.yml', '--json', '-', '--no-analyze'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(run.exitCode, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.images.map((e) => e.name)).toEqual(['slow']);
    expect(run.stderr).toMatch(/^IMAGE +TARGET +PLATFORM/m);
    expect(run.stderr).toContain('1 image: 1 within budget');
  });

  test('--markdown -: stdout is the markdown report; FORCE_COLOR colours the table on stderr', async () => {
    const run = await runCli(['check', '--config', 'budget.yml', '--markdown', '-', '--no-analyze'], {
      cwd: dir,
      env: { ...process.env, FORCE_COLOR: '1' },
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout.startsWith('## 📦 Image budget\n')).toBe(true);
    expect(run.stdout).not.toContain('\u001b[');
    expect(run.stderr).toContain('\u001b[32mok');
  });

  test('a flag of the other command: exit 2 before anything is built', async () => {
    const run = await runCli(['check', '--config', 'budget.yml', '--headroom', '5'], { cwd: dir });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('--headroom is an option of `image-budget init`, not of `image-budget check`');
    expect(run.stderr).not.toContain('building');
  });
});
