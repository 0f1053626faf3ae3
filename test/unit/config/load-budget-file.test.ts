import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { loadBudgetFile, MAX_BUDGET_FILE_BYTES } from '../../../src/config/load-budget-file.js';

let repo: string;

beforeEach(async () => {
  repo = await mkdtemp(path.join(os.tmpdir(), 'ib-config-load-'));
  await mkdir(path.join(repo, '.github'));
  await mkdir(path.join(repo, 'services/api'), { recursive: true });
  await writeFile(path.join(repo, 'services/api/Dockerfile'), 'FROM scratch\n');
});

afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
});

async function errorOf(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

test('reads the file relative to the workdir', async () => {
  await writeFile(path.join(repo, '.github/image-budget.yml'), 'version: 1\nimages:\n  api:\n    context: services/api\n');
  const file = await loadBudgetFile('.github/image-budget.yml', { workdir: repo });
  expect(file.path).toBe(path.join(repo, '.github/image-budget.yml'));
  expect(file.images[0]?.dockerfile).toBe(path.join(repo, 'services/api/Dockerfile'));
});

test('a missing file names the path and the config input', async () => {
  const error = await errorOf(loadBudgetFile('.github/image-budget.yml', { workdir: repo }));
  expect(error.message).toBe(
    `.github/image-budget.yml: budget file not found at ${path.join(repo, '.github/image-budget.yml')}; ` +
      'create it (`image-budget init` writes one) or point the `config` input (--config) at it',
  );
});

test('missing contexts and Dockerfiles point at their field, or at the image when defaulted', async () => {
  await writeFile(
    path.join(repo, '.github/image-budget.yml'),
    `version: 1
images:
  api:
    context: services/api
    dockerfile: Dockerfile.prod
  web:
    context: services/web
  root: {}
`,
  );
  const error = await errorOf(loadBudgetFile('.github/image-budget.yml', { workdir: repo }));
  expect(error.message.split('\n')).toEqual([
    '.github/image-budget.yml:5:17 images.api.dockerfile: dockerfile services/api/Dockerfile.prod does not exist (`dockerfile` is relative to the context services/api)',
    '.github/image-budget.yml:7:14 images.web.context: context services/web does not exist',
    '.github/image-budget.yml:8:3 images.root.dockerfile: dockerfile Dockerfile does not exist (the default; set `dockerfile` to change it)',
  ]);
});

test('a context that is a file', async () => {
  await writeFile(path.join(repo, 'image-budget.yml'), 'version: 1\nimages:\n  api:\n    context: services/api/Dockerfile\n');
  const error = await errorOf(loadBudgetFile('image-budget.yml', { workdir: repo }));
  expect(error.message).toBe('image-budget.yml:4:14 images.api.context: context services/api/Dockerfile is not a directory');
});

test('a target or targets entry naming no stage of the Dockerfile: located, with the stages there are', async () => {
  await writeFile(path.join(repo, 'services/api/Dockerfile'), 'FROM scratch AS Builder\nFROM scratch AS runtime\nFROM scratch\n');
  await writeFile(
    path.join(repo, 'image-budget.yml'),
    `version: 1
images:
  api:
    context: services/api
    targets: [builder, runtme, RUNTIME]
  one:
    context: services/api
    target: tester
`,
  );
  const error = await errorOf(loadBudgetFile('image-budget.yml', { workdir: repo }));
  expect(error.message.split('\n')).toEqual([
    'image-budget.yml:5:24 images.api.targets.1: Dockerfile services/api/Dockerfile has no stage named `runtme`; stages: builder, runtime; did you mean `runtime`?',
    'image-budget.yml:8:13 images.one.target: Dockerfile services/api/Dockerfile has no stage named `tester`; stages: builder, runtime',
  ]);
});

test('a target on a Dockerfile without named stages says how to name one', async () => {
  await writeFile(path.join(repo, 'image-budget.yml'), 'version: 1\nimages:\n  api:\n    context: services/api\n    target: app\n');
  const error = await errorOf(loadBudgetFile('image-budget.yml', { workdir: repo }));
  expect(error.message).toBe(
    'image-budget.yml:5:13 images.api.target: Dockerfile services/api/Dockerfile has no stage named `app`; stages: none named (name one with `FROM … AS name`)',
  );
});

test.each([
  ['a FIFO', 'not a regular file', (at: string) => execFileSync('mkfifo', [at])],
  ['a directory', 'a directory', (at: string) => execFileSync('mkdir', [at])],
])('%s as the budget file is refused without opening it', async (_name, kind, make) => {
  const at = path.join(repo, '.github/image-budget.yml');
  make(at);
  const started = Date.now();
  const error = await errorOf(loadBudgetFile('.github/image-budget.yml', { workdir: repo }));
  expect(Date.now() - started).toBeLessThan(5000);
  expect(error.message).toBe(
    `.github/image-budget.yml: the budget file at ${at} is ${kind}; create it (\`image-budget init\` writes one) or point the \`config\` input (--config) at it`,
  );
});

test('a budget file over the size limit is not read', async () => {
  await writeFile(path.join(repo, '.github/image-budget.yml'), Buffer.alloc(MAX_BUDGET_FILE_BYTES + 1, 0x20));
  const error = await errorOf(loadBudgetFile('.github/image-budget.yml', { workdir: repo }));
  expect(error.message).toMatch(/is 8388609 bytes; at most 8388608 are read$/);
});

test('a label too long for one command-line argument is an error naming the field, before any build', async () => {
  const big = 'v'.repeat(140 * 1024);
  await writeFile(
    path.join(repo, '.github/image-budget.yml'),
    `version: 1\ndefaults:\n  build-args: { SEED: "${big}" }\nimages:\n  api:\n    context: services/api\n    labels:\n      small: x\n      note: "${big}"\n`,
  );
  const error = await errorOf(loadBudgetFile('.github/image-budget.yml', { workdir: repo }));
  expect(error.message.split('\n')).toEqual([
    `.github/image-budget.yml:3:23 defaults.build-args.SEED: \`--build-arg SEED=…\` is ${140 * 1024 + 5} bytes, over the system's 131072-byte limit for one command-line argument; pass large values in a file (a build context or secret) instead`,
    `.github/image-budget.yml:9:13 images.api.labels.note: \`--label note=…\` is ${140 * 1024 + 5} bytes, over the system's 131072-byte limit for one command-line argument; pass large values in a file (a build context or secret) instead`,
  ]);
});

test('an annotation too long for one command-line argument is an error naming the field, before any build', async () => {
  const big = 'v'.repeat(140 * 1024);
  await writeFile(
    path.join(repo, '.github/image-budget.yml'),
    `version: 1\nimages:\n  api:\n    context: services/api\n    annotations:\n      - "manifest:org.example.small=x"\n      - "manifest:org.example.note=${big}"\n`,
  );
  const error = await errorOf(loadBudgetFile('.github/image-budget.yml', { workdir: repo }));
  expect(error.message.split('\n')).toEqual([
    `.github/image-budget.yml:7:9 images.api.annotations.1: \`--annotation manifest:org.example.note=…\` is ${140 * 1024 + 26} bytes, over the system's 131072-byte limit for one command-line argument; pass large values in a file (a build context or secret) instead`,
  ]);
  expect(error.message).not.toContain(big.slice(0, 100));
});
