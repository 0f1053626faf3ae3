/**
 * Hostile input through the real CLI and the bundled action: fuzzed budget files end in exit 2
 * with `file:line:column field: message` (or, when valid, get past the config stage to the
 * builder check), quickly and without a stack trace; an oversized label is a config error naming
 * the field, not a `spawn E2BIG` crash; the action always writes `::error::`, a summary and outputs.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FIXTURE_DOCKERFILE, fuzzCase, oracle, type FuzzCase } from '../../support/budget-fuzz.js';
import { CLI_BIN } from '../../support/run-cli.js';
import { runActionProcess } from '../../support/run-action.js';
import { ENTRY } from '../pr-flow/helpers.js';

/** A builder that does not exist: a valid file gets past config and stops at the builder check. */
const NO_BUILDER = 'ib-fuzz-no-such-builder';
const TIME_BOUND_MS = 20_000;
const CONFIG_LINE = /^(?:image-budget: )?budget\.yml:\d+:\d+(?: [^\n]+)?: [^\n]+$/;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ib-hostile-'));
  await writeFile(path.join(dir, 'Dockerfile'), FIXTURE_DOCKERFILE);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  exitCode: number | null;
  stderr: string;
  stdout: string;
  ms: number;
}

/** The CLI with a hard time bound: a hang is killed and shows up as exit null. */
function cli(args: string[], cwd: string): Promise<Run> {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd, env: { ...process.env, BUILDX_BUILDER: '' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), TIME_BOUND_MS);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code, stdout, stderr, ms: Date.now() - started });
    }),
  );
}

async function checkFile(name: string, text: string): Promise<Run> {
  const caseDir = await mkdtemp(path.join(dir, `${name}-`));
  await writeFile(path.join(caseDir, 'Dockerfile'), FIXTURE_DOCKERFILE);
  await writeFile(path.join(caseDir, 'budget.yml'), text);
  return cli(['check', '--config', 'budget.yml', '--builder', NO_BUILDER], caseDir);
}

function expectNoStack(run: Run): void {
  expect(`${run.stdout}\n${run.stderr}`).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
}

/** 60 cases from the same generator as the unit fuzz test: every valid one, then the rest. */
function cliCases(): FuzzCase[] {
  const valid: FuzzCase[] = [];
  const invalid: FuzzCase[] = [];
  for (let seed = 1; valid.length < 20 || invalid.length < 40; seed += 1) {
    const c = fuzzCase(seed);
    if (oracle(c.text, { fixture: true })) {
      if (valid.length < 20) valid.push(c);
    } else if (invalid.length < 40) invalid.push(c);
  }
  return [...valid, ...invalid];
}

describe('fuzzed budget files through the CLI', () => {
  const cases = cliCases();
  test('60 files: valid ones reach the builder check, invalid ones exit 2 with positions', async () => {
    // Two at a time: the machine has two cores.
    const queue = [...cases];
    const failures: string[] = [];
    const worker = async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        const run = await checkFile(`seed-${c.seed}`, c.text);
        const valid = oracle(c.text, { fixture: true });
        const lines = run.stderr
          .split('\n')
          .filter((l) => l.startsWith('image-budget: ') || /^budget\.yml:/.test(l) || l.startsWith('… and '));
        const what = `seed ${c.seed} (${c.kind}, ${valid ? 'valid' : 'invalid'}): exit ${run.exitCode} in ${run.ms} ms\n${run.stderr.slice(0, 1500)}`;
        try {
          expect(run.exitCode, what).toBe(2);
          expect(run.ms, what).toBeLessThan(TIME_BOUND_MS);
          expectNoStack(run);
          if (valid) {
            expect(run.stderr, what).toContain(`builder "${NO_BUILDER}"`);
            expect(
              lines.some((l) => CONFIG_LINE.test(l)),
              what,
            ).toBe(false);
          } else {
            expect(lines.length, what).toBeGreaterThan(0);
            for (const line of lines) expect(line, what).toMatch(new RegExp(`${CONFIG_LINE.source}|^… and \\d+ more problems?$`));
          }
        } catch (error) {
          failures.push(error instanceof Error ? error.message : String(error));
        }
      }
    };
    await Promise.all([worker(), worker()]);
    expect(failures).toEqual([]);
  }, 240_000);
});

describe('an oversized label', () => {
  const text = `version: 1\nimages:\n  app:\n    labels:\n      note: "${'n'.repeat(140 * 1024)}"\n`;

  test('the CLI exits 2 naming images.app.labels.note, before any build', async () => {
    const run = await checkFile('big-label', text);
    expect(run.exitCode, run.stderr.slice(0, 2000)).toBe(2);
    expect(run.stderr).toMatch(
      /^image-budget: budget\.yml:5:13 images\.app\.labels\.note: `--label note=…` is 143365 bytes, over the system's 131072-byte limit/m,
    );
    expectNoStack(run);
  });

  test('the action writes ::error::, a job summary and its outputs', async () => {
    const workspace = await mkdtemp(path.join(dir, 'action-'));
    await writeFile(path.join(workspace, 'Dockerfile'), FIXTURE_DOCKERFILE);
    await writeFile(path.join(workspace, 'budget.yml'), text);
    const run = await runActionProcess({
      entry: ENTRY,
      workspace,
      eventName: 'push',
      event: {},
      inputs: { config: 'budget.yml', 'github-token': 'x', builder: NO_BUILDER },
    });
    try {
      expect(run.exitCode).toBe(1);
      expect(run.stdout).toMatch(/^::error::.*images\.app\.labels\.note: `--label note=…` is 143365 bytes/m);
      expect(run.summary).toContain('image-budget: error');
      expect(run.summary).toContain('images.app.labels.note');
      expect(run.outputs['over-budget']).toBe('false');
      expect(run.outputs.markdown).toContain('images.app.labels.note');
      expect(run.stdout + run.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    } finally {
      await rm(run.runnerDir, { recursive: true, force: true });
    }
  });
});
