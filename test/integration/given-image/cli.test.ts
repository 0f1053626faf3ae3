/**
 * The CLI's `--image` and `--registry-token`, as the action's `image` and `registry-token`
 * inputs: the `image: from-input` entry measures the image `--image` names with no build, by
 * tag and by digest, from a registry that requires a login the token gives (a real distribution
 * with an htpasswd file). Through the CLI's main(), as a terminal runs it; the token in no output.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { main } from '../../../src/cli/main.js';
import type { Report } from '../../../src/types.js';
import { startAuthRegistry, type AuthRegistry } from './auth-registry.js';
import { pushImage, REPO, sizesOf, uniqueTag, writeContext, type Pushed } from './fixture.js';

const TAG = uniqueTag();
const USER = 'ci-robot';
const TOKEN = `tok-${uniqueTag()}-do-not-print`;
const TOKEN_B64 = Buffer.from(`${USER}:${TOKEN}`).toString('base64');
const BUDGET = `version: 1
images:
  given:
    image: from-input
  public:
    image: localhost:5000/${REPO}:${TAG}
`;
let dir: string;
let registry: AuthRegistry;
let pushed: Pushed;
let emptyConfig: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ib-given-cli-'));
  await writeContext(path.join(dir, 'ctx'), TAG);
  pushed = await pushImage(path.join(dir, 'ctx'), `localhost:5000/${REPO}:${TAG}`);
  registry = await startAuthRegistry(path.join(dir, 'registry'), USER, TOKEN);
  emptyConfig = path.join(dir, 'docker-config');
  await mkdir(emptyConfig);
  await writeFile(path.join(dir, 'budget.yml'), BUDGET);
  await writeFile(path.join(dir, 'no-taker.yml'), `version: 1\nimages:\n  public:\n    image: localhost:5000/${REPO}:${TAG}\n`);
}, 300_000);

afterAll(async () => {
  await registry?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function cli(flags: string[]) {
  const collect = () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
    return { stream, text: () => text };
  };
  const stdout = collect();
  const stderr = collect();
  const json = path.join(dir, `report-${uniqueTag()}.json`);
  const code = await main(['check', '--json', json, ...flags], {
    stdout: stdout.stream,
    stderr: stderr.stream,
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DOCKER_CONFIG: emptyConfig, GITHUB_ACTOR: USER },
  });
  const reportText = await readFile(json, 'utf8').catch(() => '');
  const report = reportText ? (JSON.parse(reportText) as Report) : null;
  const output = `${stdout.text()}\n${stderr.text()}\n${reportText}`;
  expect(output).not.toContain(TOKEN);
  expect(output).not.toContain(TOKEN_B64);
  return { code, report, stderr: stderr.text(), output };
}

function expectNoBuild(stderr: string): void {
  expect(stderr.split('\n').filter((line) => /building |docker buildx|buildx build/.test(line))).toEqual([]);
  expect(stderr).toMatch(/budget\.yml: 2 image\(s\), 0 build\(s\), 2 given image\(s\) measured without a build/);
}

describe('check --image --registry-token', () => {
  test('by tag, from the registry that needs the token: measured with no build, equal to the same image read anonymously', async () => {
    const run = await cli(['--config', 'budget.yml', '--image', `${registry.host}/${REPO}:${TAG}`, '--registry-token', TOKEN]);
    expect(run.code, run.stderr).toBe(0);
    expectNoBuild(run.stderr);
    const given = run.report?.images.filter((e) => e.name === 'given') ?? [];
    const pub = run.report?.images.filter((e) => e.name === 'public') ?? [];
    expect(given.map((e) => [e.platform, e.status, e.error])).toEqual([
      ['linux/amd64', 'ok', null],
      ['linux/arm64', 'ok', null],
    ]);
    expect(given.map(sizesOf)).toEqual(pub.map(sizesOf));
  });

  test('by digest (build-push-action’s digest output pinned to the repository)', async () => {
    const run = await cli(['--config', 'budget.yml', '--image', `${registry.host}/${REPO}@${pushed.digest}`, '--registry-token', TOKEN]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.report?.images.filter((e) => e.name === 'given').map((e) => e.status)).toEqual(['ok', 'ok']);
  });

  test('without the token the registry refuses: that image’s 401, the other still measured, exit 1', async () => {
    const run = await cli(['--config', 'budget.yml', '--image', `${registry.host}/${REPO}:${TAG}`]);
    expect(run.code).toBe(1);
    expect(run.report?.images.find((e) => e.name === 'given')?.error).toMatch(
      /HTTP 401 Unauthorized: the registry asks for a login and no credentials were found for it/,
    );
    expect(run.report?.images.filter((e) => e.name === 'public').map((e) => e.status)).toEqual(['ok', 'ok']);
  });

  test('a wrong token: a clear 401 naming the token as what was refused, never the token', async () => {
    const run = await cli(['--config', 'budget.yml', '--image', `${registry.host}/${REPO}:${TAG}`, '--registry-token', `${TOKEN}x`]);
    expect(run.code).toBe(1);
    expect(run.report?.images.find((e) => e.name === 'given')?.error).toMatch(
      /HTTP 401 Unauthorized: the registry asks for a login and refused the registry-token input/,
    );
    expect(run.output).not.toContain(`${TOKEN}x`);
  });

  test.each([
    [
      1,
      'budget.yml',
      [],
      /budget\.yml:3:3 images\.given\.image: from-input, but no image was given \(the action's image, digest or metadata input; the CLI's --image\)/,
    ],
    [2, 'no-taker.yml', ['--image', `localhost:5000/${REPO}:${TAG}`], /no entry says `image: from-input` to take it/],
  ])('%i. --image and `from-input` must go together: exit 2 before anything is fetched', async (_n, config, flags, message) => {
    const run = await cli(['--config', config, ...flags]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.report).toBeNull();
  });
});
