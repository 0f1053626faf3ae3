/**
 * A PR that changes only the image config (LABEL, ENV, ENTRYPOINT), through runCheck with real
 * buildx builds of two git commits: the base built from main, then read from a registry image.
 * The report, comment, job summary and terminal say what changed — labels and env by name — and
 * no env value (a fake token here) reaches any output or log.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createMemoryLogger } from '../../../src/logger.js';
import { renderComment } from '../../../src/report/comment.js';
import { renderJobSummary } from '../../../src/report/job-summary.js';
import { verdictLine } from '../../../src/report/report-head.js';
import { renderTerminalReport } from '../../../src/report/terminal.js';
import { runCheck, type CheckOptions } from '../../../src/run.js';
import type { ConfigChange, Report, ReportEntry } from '../../../src/types.js';

// Values that must never be printed: env values can hold tokens.
const TOKEN = `ghp_${randomBytes(18).toString('hex')}`;
const MODE_BASE = `mode-${randomBytes(6).toString('hex')}`;
const MODE_HEAD = `mode-${randomBytes(6).toString('hex')}`;
const SECRETS = [TOKEN, MODE_BASE, MODE_HEAD];

// The layers come first and stay the same; only the config instructions after them change.
const dockerfile = (revision: string, env: string, entrypoint: string) =>
  [
    'FROM busybox:1.35',
    'RUN head -c 100000 /dev/urandom > /app.bin',
    `LABEL org.opencontainers.image.revision=${revision}`,
    env,
    `ENTRYPOINT ${entrypoint}`,
    '',
  ].join('\n');
const BASE_DOCKERFILE = dockerfile('base-rev', `ENV MODE=${MODE_BASE}`, '["/bin/true"]');
const PR_DOCKERFILE = dockerfile('head-rev', `ENV MODE=${MODE_HEAD} API_TOKEN=${TOKEN}`, '["/bin/true","--serve"]');
const BUDGET = 'version: 1\nimages:\n  app:\n    context: .\n';

const REGISTRY_IMAGE = `localhost:5000/ib-config-change:t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

let dir: string;
let baseDir: string;
const runs: { report: Report; log: string }[] = [];

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

async function check(baseline: CheckOptions['baseline']): Promise<{ report: Report; log: string }> {
  const logger = createMemoryLogger();
  const { report } = await runCheck(
    { configPath: 'budget.yml', workdir: dir, parallel: 2, env: { PATH: process.env.PATH, HOME: process.env.HOME }, baseline },
    logger,
  );
  return { report, log: logger.lines.join('\n') };
}

const app = (report: Report): ReportEntry => {
  const found = report.images.find((e) => e.name === 'app');
  if (!found) throw new Error('no entry app');
  return found;
};

const EXPECTED: ConfigChange[] = [
  { field: 'entrypoint', kind: 'changed', from: '["/bin/true"]', to: '["/bin/true","--serve"]' },
  { field: 'env', kind: 'added', key: 'API_TOKEN' },
  { field: 'env', kind: 'changed', key: 'MODE' },
  { field: 'label', kind: 'changed', key: 'org.opencontainers.image.revision' },
];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ib-config-change-'));
  const git = (...args: string[]) => run('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], dir);
  git('init', '--quiet', '--initial-branch=main');
  await writeFile(path.join(dir, 'Dockerfile'), BASE_DOCKERFILE);
  await writeFile(path.join(dir, 'budget.yml'), BUDGET);
  git('add', '.');
  git('commit', '--quiet', '-m', 'base');
  git('checkout', '--quiet', '-b', 'feature');
  await writeFile(path.join(dir, 'Dockerfile'), PR_DOCKERFILE);
  git('commit', '--quiet', '-am', 'PR: config only');

  // The base commit's image, as CI would have pushed it.
  baseDir = `${dir}-base`;
  run('mkdir', ['-p', baseDir], dir);
  await writeFile(path.join(baseDir, 'Dockerfile'), BASE_DOCKERFILE);
  run('docker', ['buildx', 'build', '--quiet', '--provenance=false', '--push', '-t', REGISTRY_IMAGE, '.'], baseDir);

  runs.push(await check({ mode: 'build', baseRef: 'main' }));
  runs.push(await check({ mode: 'registry', baseRef: 'main', imageTemplate: REGISTRY_IMAGE }));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  if (baseDir) await rm(baseDir, { recursive: true, force: true });
});

describe.each([
  ['built from the base commit', 0],
  ['read from the registry', 1],
])('a config-only PR, the base %s', (_how, index) => {
  const result = () => runs[index]!;

  test('the entry records what changed: labels and env by name, the entrypoint by value; no layer moved', () => {
    const entry = app(result().report);
    expect(entry.change).toBe('changed');
    expect(entry.layerDiff?.every((row) => row.state === 'unchanged')).toBe(true);
    expect(entry.configChanges).toEqual(EXPECTED);
    expect(entry.imageConfig?.env?.map(([name]) => name)).toEqual(['API_TOKEN', 'MODE', 'PATH']);
    expect(entry.imageConfig?.entrypoint).toEqual(['/bin/true', '--serve']);
  });

  test('the verdict counts it as a config change, not as growth', () => {
    const verdict = verdictLine(result().report);
    expect(verdict).toContain('1 config changed');
    expect(verdict).not.toMatch(/grew|unchanged/);
  });

  test('comment, job summary and terminal say what changed', () => {
    const { report } = result();
    const said =
      'entrypoint `["/bin/true"]` → `["/bin/true","--serve"]`, env `API_TOKEN` added, env `MODE` changed, label `org.opencontainers.image.revision` changed';
    const comment = renderComment(report, { key: 'k', configPath: 'budget.yml' });
    expect(comment).toContain(`**Only the image config changed**`);
    expect(comment).toContain(said);
    expect(renderJobSummary(report, { configPath: 'budget.yml' })).toContain(said);
    expect(renderTerminalReport(report)).toContain(
      'config app: image config changed: entrypoint ["/bin/true"] → ["/bin/true","--serve"], env API_TOKEN added, env MODE changed, label org.opencontainers.image.revision changed',
    );
  });

  test('no env value in any output: JSON report, comment, summary, terminal, log', () => {
    const { report, log } = result();
    const outputs = {
      json: JSON.stringify(report),
      comment: renderComment(report, { key: 'k', configPath: 'budget.yml' }),
      summary: renderJobSummary(report, { configPath: 'budget.yml' }),
      terminal: renderTerminalReport(report),
      log,
    };
    for (const [where, text] of Object.entries(outputs)) {
      for (const secret of SECRETS) expect(text.includes(secret), `${where} holds an env value`).toBe(false);
      // …while it does name the variable: the check reads the outputs about this change.
      if (where !== 'log') expect(text, where).toContain('API_TOKEN');
    }
    expect(log).toContain('app');
  });
});
