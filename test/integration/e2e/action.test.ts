/**
 * The bundled action, run the way the Actions runner runs it, against the real engine.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { Report } from '../../../src/types.js';
import { formatSize } from '../../../src/config/size.js';
import { runActionProcess, type ActionRun } from '../../support/run-action.js';

/** IMAGE_BUDGET_ENTRY: another build of the same sources (e.g. lib/index.js) while dist/ is stale. */
const ENTRY = path.resolve(process.env.IMAGE_BUDGET_ENTRY ?? 'dist/index.js');
const WORKSPACE = path.resolve('test/fixtures/e2e');
const pullRequest: unknown = JSON.parse(await readFile('test/fixtures/events/pull_request-opened.json', 'utf8'));
const runs: ActionRun[] = [];

afterEach(async () => {
  for (const run of runs.splice(0)) await rm(run.runnerDir, { recursive: true, force: true });
});

async function runAction(inputs: Record<string, string>): Promise<ActionRun> {
  const run = await runActionProcess({
    entry: ENTRY,
    workspace: WORKSPACE,
    inputs: { baseline: 'none', ...inputs },
    eventName: 'pull_request',
    event: pullRequest,
  });
  runs.push(run);
  return run;
}

describe('node dist/index.js on a pull_request event', () => {
  test('passing config: exit 0, outputs, JSON report and job summary', async () => {
    const run = await runAction({ config: 'pass.yml' });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.outputs['over-budget']).toBe('false');

    const report = JSON.parse(await readFile(run.outputs.report ?? '', 'utf8')) as Report;
    expect(report.schemaVersion).toBe(1);
    expect(report.images.map((e) => [e.name, e.target, e.status])).toEqual([
      ['app', 'builder', 'ok'],
      ['app', 'runtime', 'ok'],
    ]);
    const runtime = report.images[1];
    // scratch + one 200 kB random file: one layer, compressed a little above 200 kB.
    expect(runtime?.layerCount).toBe(1);
    expect(runtime?.uncompressedBytes).toBeGreaterThan(200_000);
    expect(runtime?.layers[0]?.dockerfile).toMatchObject({ path: 'app/Dockerfile', line: 7 });

    // Issue 2's table, one row per target with the measured sizes, layers and budget; no
    // baseline (`baseline: none`), so no delta table.
    const size = (bytes: number | null | undefined) =>
      formatSize(bytes ?? 0)
        .replace('.', '\\.')
        .replace(' ', '\u00A0');
    expect(run.outputs.markdown).toContain('| Image | Target | Size (Δ) | Budget used | Status |');
    expect(run.outputs.markdown).toMatch(
      new RegExp(
        `^\\| \\*\\*app\\*\\* \\| runtime \\| ${size(runtime?.compressedBytes)} \\| \\d+%\u00A0of\u00A01\u00A0MB \\| ✅\u00A0ok \\|$`,
        'm',
      ),
    );
    // On disk, layers and the limits in words, in the table beside it.
    expect(run.outputs.markdown).toMatch(
      new RegExp(`^\\| \\*\\*app\\*\\* \\| runtime \\| ${size(runtime?.uncompressedBytes)} \\| 1 \\| max\u00A01\u00A0MB \\|$`, 'm'),
    );
    expect(run.outputs.markdown).toMatch(/^\| \*\*app\*\* \| builder \| .* \| \d+ \| max\u00A010\u00A0MB \|$/m);
    expect(run.outputs.markdown).not.toMatch(/\(\+/);
    expect(run.summary).toContain('✅ **All 2 images are within budget**');
    expect(run.summary).toContain('### Largest layers');
    // Build logs go into collapsible groups (the job's two builds went through one bake).
    expect(run.stdout).toMatch(/::group::docker buildx bake app:builder/);
  });

  test('over-budget config: exit 1, over-budget=true, the summary names the finding', async () => {
    const run = await runAction({ config: 'over.yml' });
    expect(run.exitCode).toBe(1);
    expect(run.outputs['over-budget']).toBe('true');
    expect(run.stdout).toMatch(/::error::image-budget: an image is over budget/);
    expect(run.summary).toContain('2 images: 1 over budget');
    expect(run.summary).toMatch(/❌ compressed 4\.\d+ MB \\> max 2 MB/);
    // The Dockerfile line of the largest layer gets a warning annotation.
    expect(run.stdout).toMatch(/::warning title=image-budget%3A largest growth,file=app\/Dockerfile,line=3::/);
  });

  test('with working-directory, the annotation names the Dockerfile relative to the repository root', async () => {
    // The repository root is test/fixtures; the budget file and its paths live in e2e/.
    const run = await runActionProcess({
      entry: ENTRY,
      workspace: path.dirname(WORKSPACE),
      inputs: { baseline: 'none', 'working-directory': 'e2e', config: 'over.yml' },
      eventName: 'pull_request',
      event: pullRequest,
    });
    runs.push(run);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/::warning title=image-budget%3A largest growth,file=e2e\/app\/Dockerfile,line=3::/);
  });

  test('a missing budget file fails the step naming it', async () => {
    const run = await runAction({ config: 'missing.yml' });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/::error::.*missing\.yml/);
  });

  test('a malformed budget file: one annotation per problem on its line and column, then the step fails', async () => {
    const run = await runAction({ config: 'malformed.yml' });
    expect(run.exitCode, run.stdout).toBe(1);
    const annotations = run.stdout.split('\n').filter((line) => line.startsWith('::error title='));
    // Workflow commands escape `:` in properties as %3A.
    expect(annotations).toEqual([
      '::error title=image-budget%3A images.app.budget.max,file=malformed.yml,line=7,col=12::images.app.budget.max: expected a size like "120MB" or "1.5GiB", got "12 parsecs"',
      '::error title=image-budget%3A images.app.budget.max_layers,file=malformed.yml,line=8,col=7::images.app.budget.max_layers: unknown field `max_layers`; did you mean `max-layers`?',
    ]);
    // The step's failure message lists them too; nothing was built.
    expect(run.stdout).toMatch(/::error::malformed\.yml:7:12 images\.app\.budget\.max: /);
    expect(run.stdout).not.toMatch(/::group::docker buildx /);
  });
});
