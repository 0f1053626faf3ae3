/**
 * `image-budget init` builds, so it takes check's build options: a Dockerfile that needs a
 * secret and a build argument is initialised (and `--update`d) with them, fails without the
 * secret, and the secret's value is in no output nor in the file written. Through the CLI's
 * main(), as a terminal runs it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parse } from 'yaml';
import { main } from '../../../src/cli/main.js';
import { parseSize } from '../../../src/config/size.js';

const SECRET = `npm-token-${randomBytes(12).toString('hex')}`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
// The RUN line names only the secret's hash; FILL bytes of random data make the size the build argument sets.
const DOCKERFILE = `FROM busybox:1.35 AS runtime
ARG FILL=1000
RUN --mount=type=secret,id=npmrc,required=true \\
    test "$(sha256sum < /run/secrets/npmrc | cut -c1-64)" = "${sha256(SECRET)}" && \\
    head -c "$FILL" /dev/urandom > /data
`;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ib-init-options-'));
  await mkdir(path.join(dir, 'app'));
  await writeFile(path.join(dir, 'app/Dockerfile'), DOCKERFILE);
  await writeFile(path.join(dir, '.npmrc'), SECRET, { mode: 0o600 });
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function init(flags: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await main(['init', '--config', 'budget.yml', '--headroom', '0', ...flags], {
    stdout,
    stderr,
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...(process.env.BUILDX_BUILDER ? { BUILDX_BUILDER: process.env.BUILDX_BUILDER } : {}),
    },
  });
  const file = await readFile(path.join(dir, 'budget.yml'), 'utf8').catch(() => '');
  expect(`${out}\n${err}\n${file}`).not.toContain(SECRET);
  return { code, stdout: out, stderr: err, file };
}

/** The compressed max init wrote for app, in bytes. */
function compressedMax(file: string): number {
  const budget = (parse(file) as { images: { app: { budget: { max: { compressed: string } | string } } } }).images.app.budget;
  const max = typeof budget.max === 'string' ? budget.max : budget.max.compressed;
  return parseSize(max);
}

test('without the secret the build fails: exit 1, the failure says which secret', async () => {
  const run = await init([]);
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/npmrc/);
});

test('with --secret and --build-arg, init builds with them and writes budgets sized by the argument', async () => {
  const run = await init(['--secret', 'id=npmrc,src=.npmrc', '--build-arg', 'FILL=300000', '--force', '--verbose']);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toMatch(/^app:runtime: .* compressed/m);
  // The secret reached the build (its RUN checks the hash, required=true), and so did the argument:
  expect(run.stderr).toContain('head -c "300000" /dev/urandom');
  const max = compressedMax(run.file);
  // busybox (~2 MB) plus 300 000 random bytes, which gzip cannot shrink.
  expect(max).toBeGreaterThan(300_000);
  expect(max).toBeLessThan(3_000_000);
});

test('init --update takes them too: a larger FILL raises the budget by what it adds', async () => {
  const before = compressedMax(await readFile(path.join(dir, 'budget.yml'), 'utf8'));
  const run = await init(['--update', '--secret', 'id=npmrc,src=.npmrc', '--build-arg', 'FILL=900000']);
  expect(run.code, run.stderr).toBe(0);
  const grown = compressedMax(run.file) - before;
  expect(grown).toBeGreaterThan(550_000);
  expect(grown).toBeLessThan(650_000);
});

test('a secret file that is not there: exit 2 naming the flag, before any build', async () => {
  const run = await init(['--secret', 'id=npmrc,src=missing.npmrc', '--force']);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/^image-budget: --secret: .*missing\.npmrc/);
  expect(run.stderr).not.toMatch(/buildx build/);
});
