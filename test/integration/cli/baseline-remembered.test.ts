/**
 * `check --base`: the base's measurement is kept in the cache directory, and the next run
 * against the same base commit uses it instead of building the base again — but only while the
 * image the base is built FROM resolves to the same digest. Here that image is one the test
 * builds and then re-tags, as an upstream `busybox:1.35` moves to a new patch release.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { objectIdsAt } from '../../../src/baseline/git.js';
import { imagesMatchingHead } from '../../../src/sources/reuse-base.js';
import type { ImageConfig } from '../../../src/config/types.js';
import type { Report, ReportEntry } from '../../../src/types.js';
import { runCli, type CliRun } from '../../support/run-cli.js';

const FROM = `ib-remembered-from:${process.pid}`;
let root: string;
let repo: string;

function git(...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: repo, encoding: 'utf8' }).trim();
}

/** (Re)tags FROM as a busybox with a file of `bytes` random bytes. */
function buildFromImage(bytes: number): string {
  const dir = mkdtempSync(path.join(root, 'from-'));
  writeFileSync(path.join(dir, 'Dockerfile'), `FROM busybox:1.35\nRUN head -c ${bytes} /dev/urandom > /from.bin\n`);
  execFileSync('docker', ['build', '-q', '-t', FROM, dir], { stdio: 'pipe' });
  return execFileSync('docker', ['image', 'inspect', '--format', '{{.Id}}', FROM], { encoding: 'utf8' }).trim();
}

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'ib-remembered-'));
  repo = path.join(root, 'repo');
  buildFromImage(100_000);
  execFileSync('mkdir', ['-p', path.join(repo, 'app')]);
  const dockerfile = (bytes: number) => `FROM ${FROM}\nRUN head -c ${bytes} /dev/urandom > /app.bin\n`;
  writeFileSync(path.join(repo, 'app/Dockerfile'), dockerfile(200_000));
  writeFileSync(path.join(repo, 'budget.yml'), 'version: 1\nimages:\n  app:\n    context: app\n');
  writeFileSync(path.join(repo, '.gitignore'), 'report*.json\n');
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'base');
  writeFileSync(path.join(repo, 'app/Dockerfile'), dockerfile(300_000));
  git('commit', '-qam', 'grow app');
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  execFileSync('docker', ['image', 'rm', '-f', FROM], { stdio: 'pipe' });
});

async function check(report: string, base = 'HEAD~1'): Promise<{ run: CliRun; entry: ReportEntry; report: Report }> {
  const args = [
    'check',
    '--config',
    'budget.yml',
    '--base',
    base,
    '--json',
    report,
    '--no-analyze',
    '--cache-dir',
    path.join(root, 'cache'),
  ];
  const run = await runCli(args, { cwd: repo });
  expect(run.exitCode, run.stderr).toBe(0);
  const parsed = JSON.parse(readFileSync(path.join(repo, report), 'utf8')) as Report;
  const entry = parsed.images.find((e) => e.name === 'app');
  if (!entry) throw new Error(`no app entry: ${JSON.stringify(parsed.images)}`);
  return { run, entry, report: parsed };
}

const BASE_BUILD = /base: \[1\/1\] building app/;

const keptCommit = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { commit: string }).commit;
/** The commits of the measurements kept in the cache directory. */
const keptCommits = () => {
  const dir = path.join(root, 'cache/baselines');
  return readdirSync(dir)
    .map((name) => keptCommit(path.join(dir, name)))
    .sort();
};

describe('a base measured by an earlier run', () => {
  let first: Awaited<ReturnType<typeof check>>;

  test('the first run builds the base and keeps its measurement', async () => {
    first = await check('report1.json');
    expect(first.run.stderr).toMatch(BASE_BUILD);
    expect(first.report.baseline?.note).toMatch(/^baseline: commit [0-9a-f]{7} built, /);
    // Kept: the base's measurement, and the head's (as what a base build of HEAD would give).
    expect(keptCommits()).toEqual([git('rev-parse', 'HEAD'), git('rev-parse', 'HEAD~1')].sort());
    // The PR added 100 kB of random bytes: the delta shows it (tar rounds files to 512-byte blocks).
    expect(Math.abs(first.entry.delta!.uncompressedBytes - 100_000)).toBeLessThan(1_024);
  });

  test('the second run against the same base commit uses it: the base is not built, the comparison is the same', async () => {
    const second = await check('report2.json');
    expect(second.run.stderr).not.toMatch(BASE_BUILD);
    expect(second.report.baseline?.note).toMatch(
      /^baseline: commit [0-9a-f]{7} as an earlier run measured it \(the same build, kept in cache-dir\), /,
    );
    expect(second.report.baseline?.commit).toBe(first.report.baseline?.commit);
    expect(second.entry.baseline).toEqual(first.entry.baseline);
    expect(second.entry.delta).toEqual(first.entry.delta);
    expect(second.entry.layerDiff).toEqual(first.entry.layerDiff);
  });

  test('the image the base is built FROM moved: the base is built again, and the comparison follows the new image', async () => {
    const before = first.entry.baseline!.uncompressedBytes;
    buildFromImage(150_000);
    const third = await check('report3.json');
    expect(third.run.stderr).toMatch(BASE_BUILD);
    expect(third.run.stderr).toMatch(
      new RegExp(
        `baseline: app is built again, not taken from an earlier run: docker\\.io/library/${FROM.replace('.', '\\.')} resolved to sha256:[0-9a-f]{64}, now to sha256:[0-9a-f]{64}`,
      ),
    );
    expect(third.report.baseline?.note).toMatch(/ built, /);
    // Both sides now start from the bigger image: the base grew by its 50 kB, the delta did not.
    expect(Math.abs(third.entry.baseline!.uncompressedBytes - before - 50_000)).toBeLessThan(1_024);
    expect(Math.abs(third.entry.delta!.uncompressedBytes - first.entry.delta!.uncompressedBytes)).toBeLessThan(1_024);

    // ... and that measurement is the one kept now.
    const fourth = await check('report4.json');
    expect(fourth.run.stderr).not.toMatch(BASE_BUILD);
    expect(fourth.entry.baseline).toEqual(third.entry.baseline);
  });

  let latest: Awaited<ReturnType<typeof check>>;

  test('a kept file that is not valid: a warning naming it, and the base is built', async () => {
    const dir = path.join(root, 'cache/baselines');
    const file = readdirSync(dir).find((name) => keptCommit(path.join(dir, name)) === git('rev-parse', 'HEAD~1'));
    writeFileSync(path.join(dir, file!), '{"schemaVersion": 1, "images": [{"name": "app"');
    const fifth = (latest = await check('report5.json'));
    expect(fifth.run.stderr).toMatch(BASE_BUILD);
    expect(fifth.run.stderr).toContain(
      `baseline: the measurement of app kept by an earlier run is not used: ${path.join(dir, file!)}: not valid JSON`,
    );
    // Rewritten by that build.
    expect(existsSync(path.join(dir, file!)) && JSON.parse(readFileSync(path.join(dir, file!), 'utf8')).schemaVersion).toBe(1);
  });

  test('the base branch moved with a commit outside the image: the new base commit uses the same measurement', async () => {
    const measuredAt = git('rev-parse', 'HEAD~1');
    git('branch', '-f', 'moved', 'HEAD~1');
    git('checkout', '-q', 'moved');
    writeFileSync(path.join(repo, 'README.md'), 'docs only\n');
    git('add', 'README.md');
    git('commit', '-qm', 'docs on main');
    git('checkout', '-q', '-');
    const moved = await check('report6.json', 'moved');
    expect(moved.run.stderr).not.toMatch(BASE_BUILD);
    expect(moved.report.baseline?.commit).toBe(git('rev-parse', 'moved'));
    expect(moved.report.baseline?.note).toContain(`(the same build of the same sources, at ${measuredAt.slice(0, 7)}, kept in cache-dir)`);
    expect(moved.entry.baseline).toEqual({ ...latest.entry.baseline, commit: git('rev-parse', 'moved') });
  });

  test("a base commit that changes the image's Dockerfile is another build: built", async () => {
    git('branch', '-f', 'changed', 'HEAD~1');
    git('checkout', '-q', 'changed');
    writeFileSync(path.join(repo, 'app/Dockerfile'), `FROM ${FROM}\nRUN head -c 250000 /dev/urandom > /app.bin\n`);
    git('commit', '-qam', 'app on main');
    git('checkout', '-q', '-');
    const changed = await check('report7.json', 'changed');
    expect(changed.run.stderr).toMatch(BASE_BUILD);
    expect(changed.report.baseline?.note).toMatch(/ built, /);
    expect(Math.abs(changed.entry.delta!.uncompressedBytes - 50_000)).toBeLessThan(1_024);
  });
});

test('objectIdsAt: tree and blob ids at a commit, null for what it does not have', async () => {
  const [root, app, dockerfile, none] = await objectIdsAt(repo, 'HEAD~1', ['', 'app', 'app/Dockerfile', 'app/Dockerfile.dockerignore']);
  expect(root).toBe(git('rev-parse', 'HEAD~1^{tree}'));
  expect(app).toBe(git('rev-parse', 'HEAD~1:app'));
  expect(dockerfile).toBe(git('rev-parse', 'HEAD~1:app/Dockerfile'));
  expect(none).toBeNull();
});

describe('two images, and a base branch that changed one of them', () => {
  let two: string;
  const run = async (report: string, base: string) => {
    const result = await runCli(
      ['check', '--config', 'budget.yml', '--base', base, '--json', report, '--no-analyze', '--cache-dir', path.join(two, 'cache')],
      { cwd: path.join(two, 'repo') },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    return { run: result, report: JSON.parse(readFileSync(path.join(two, 'repo', report), 'utf8')) as Report };
  };
  const inTwo = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
      cwd: path.join(two, 'repo'),
      encoding: 'utf8',
    }).trim();
  const dockerfile = (bytes: number) => `FROM busybox:1.35\nRUN head -c ${bytes} /dev/urandom > /data.bin\n`;

  beforeAll(() => {
    two = mkdtempSync(path.join(os.tmpdir(), 'ib-remembered-two-'));
    for (const name of ['app', 'web']) {
      execFileSync('mkdir', ['-p', path.join(two, 'repo', name)]);
      writeFileSync(path.join(two, 'repo', name, 'Dockerfile'), dockerfile(100_000));
    }
    writeFileSync(path.join(two, 'repo/budget.yml'), 'version: 1\nimages:\n  app:\n    context: app\n  web:\n    context: web\n');
    writeFileSync(path.join(two, 'repo/.gitignore'), 'report*.json\n');
    inTwo('init', '-q', '-b', 'main');
    inTwo('add', '-A');
    inTwo('commit', '-qm', 'base');
    // The PR grows both images.
    for (const name of ['app', 'web']) writeFileSync(path.join(two, 'repo', name, 'Dockerfile'), dockerfile(150_000));
    inTwo('commit', '-qam', 'grow both');
  });
  afterAll(() => rmSync(two, { recursive: true, force: true }));

  test('each image is kept on its own: the one the base changed is built, the other is not', async () => {
    const first = await run('report1.json', 'HEAD~1');
    expect(first.run.stderr).toMatch(/base: \[\d\/2\] building app/);
    expect(first.run.stderr).toMatch(/base: \[\d\/2\] building web/);
    // app and web, each for the base and for the head.
    expect(readdirSync(path.join(two, 'cache/baselines'))).toHaveLength(4);

    // main moved: web's Dockerfile changed there, app's did not.
    const measuredAt = inTwo('rev-parse', 'HEAD~1');
    inTwo('branch', '-f', 'moved', 'HEAD~1');
    inTwo('checkout', '-q', 'moved');
    writeFileSync(path.join(two, 'repo/web/Dockerfile'), dockerfile(120_000));
    inTwo('commit', '-qam', 'web on main');
    inTwo('checkout', '-q', '-');
    const second = await run('report2.json', 'moved');
    expect(second.run.stderr).toMatch(/base: \[1\/1\] building web/);
    expect(second.run.stderr).not.toMatch(/base: \[\d\/\d\] building app/);
    expect(second.report.baseline?.note).toContain(
      `built, --base moved; app as an earlier run measured it (the same build of the same sources, at ${measuredAt.slice(0, 7)}, kept in cache-dir)`,
    );
    const entry = (r: Report, name: string) => r.images.find((e) => e.name === name)!;
    expect(entry(second.report, 'app').baseline).toEqual({ ...entry(first.report, 'app').baseline, commit: inTwo('rev-parse', 'moved') });
    // web's base is the one main has now: 20 kB bigger than before, so the PR adds 20 kB less.
    const webDelta = (r: Report) => entry(r, 'web').delta!.uncompressedBytes;
    expect(Math.abs(webDelta(first.report) - webDelta(second.report) - 20_000)).toBeLessThan(1_024);
  });

  test("a commit measured as the head is the next change's base: nothing is built on the base", async () => {
    // `check` at HEAD keeps what it measured; then a change to web is compared with that HEAD.
    const measured = await run('report3.json', 'HEAD~1');
    writeFileSync(path.join(two, 'repo/web/Dockerfile'), dockerfile(170_000));
    inTwo('commit', '-qam', 'grow web again');
    const next = await run('report4.json', 'HEAD~1');
    expect(next.run.stderr).toMatch(/baseline: app unchanged by this change/);
    expect(next.run.stderr).not.toMatch(/base: \[\d\/\d\] building/);
    expect(next.report.baseline?.note).toMatch(
      /^baseline: commit [0-9a-f]{7} as an earlier run measured it \(the same build, kept in cache-dir\)/,
    );
    const web = (r: Report) => r.images.find((e) => e.name === 'web')!;
    expect(next.report.baseline?.commit).toBe(inTwo('rev-parse', 'HEAD~1'));
    expect(web(next.report).baseline).toEqual({
      commit: inTwo('rev-parse', 'HEAD~1'),
      compressedBytes: web(measured.report).compressedBytes,
      uncompressedBytes: web(measured.report).uncompressedBytes,
    });
  });
});

test('imagesMatchingHead: only a checkout whose image sources are exactly HEAD’s (nothing modified, untracked or ignored)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ib-matches-head-'));
  const inDir = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: dir });
  try {
    execFileSync('mkdir', ['-p', path.join(dir, 'app'), path.join(dir, 'web')]);
    writeFileSync(path.join(dir, 'app/Dockerfile'), 'FROM scratch\n');
    writeFileSync(path.join(dir, 'web/Dockerfile'), 'FROM scratch\n');
    writeFileSync(path.join(dir, '.gitignore'), 'app/dist/\n');
    inDir('init', '-q', '-b', 'main');
    inDir('add', '-A');
    inDir('commit', '-qm', 'app');
    const app = { name: 'app', context: path.join(dir, 'app'), dockerfile: path.join(dir, 'app/Dockerfile') } as ImageConfig;
    const checkoutMatchesHead = async (root: string, image: ImageConfig) => (await imagesMatchingHead(root, [image])).includes(image);
    expect(await checkoutMatchesHead(dir, app)).toBe(true);
    writeFileSync(path.join(dir, 'README.md'), 'outside the image\n');
    expect(await checkoutMatchesHead(dir, app)).toBe(true);
    writeFileSync(path.join(dir, 'app/Dockerfile'), 'FROM busybox:1.35\n');
    expect(await checkoutMatchesHead(dir, app)).toBe(false);
    // One git status for several images: only the one whose sources changed is left out.
    const web = { name: 'web', context: path.join(dir, 'web'), dockerfile: path.join(dir, 'web/Dockerfile') } as ImageConfig;
    expect(await imagesMatchingHead(dir, [app, web])).toEqual([web]);
    inDir('checkout', '-q', '--', 'app/Dockerfile');
    writeFileSync(path.join(dir, 'app/new.txt'), 'untracked\n');
    expect(await checkoutMatchesHead(dir, app)).toBe(false);
    rmSync(path.join(dir, 'app/new.txt'));
    execFileSync('mkdir', ['-p', path.join(dir, 'app/dist')]);
    writeFileSync(path.join(dir, 'app/dist/bundle.js'), 'generated, ignored\n');
    expect(await checkoutMatchesHead(dir, app)).toBe(false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
