/**
 * A secret or agent that is not there stops `check` with exit 2 before anything is built, naming
 * the field (budget file: file:line:col) or the flag. Through the CLI's main(), as a terminal runs it.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { main } from '../../../src/cli/main.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ib-build-options-bad-'));
  await mkdir(path.join(dir, 'app'));
  await writeFile(path.join(dir, 'app/Dockerfile'), 'FROM busybox:1.35\nRUN --mount=type=secret,id=t true\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function check(budget: string, flags: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stderr: string }> {
  await writeFile(path.join(dir, 'budget.yml'), `version: 1\nimages:\n  app:\n    context: app\n${budget}`);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let text = '';
  stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  stdout.resume();
  const code = await main(['check', '--config', 'budget.yml', '--no-analyze', ...flags], {
    stdout,
    stderr,
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
  });
  return { code, stderr: text };
}

test.each([
  [
    1,
    '    secrets: ["id=t,src=.secrets/missing"]\n',
    [],
    {},
    'budget.yml:5:14 images.app.secrets: secret `t`: file .secrets/missing does not exist',
  ],
  [
    2,
    '    secrets: ["id=t,env=IB_NOT_SET"]\n',
    [],
    {},
    'budget.yml:5:14 images.app.secrets: secret `t`: environment variable IB_NOT_SET is not set',
  ],
  [3, '    ssh: [default]\n', [], {}, 'budget.yml:5:10 images.app.ssh: ssh `default`: no ssh agent: SSH_AUTH_SOCK is not set'],
  [4, '    ssh: [default]\n', [], { SSH_AUTH_SOCK: '/nonexistent/agent.sock' }, 'no ssh agent at SSH_AUTH_SOCK=/nonexistent/agent.sock'],
  [5, '', ['--secret', 'id=t,env=IB_NOT_SET'], {}, '--secret: secret `t`: environment variable IB_NOT_SET is not set'],
  [6, '', ['--secret', 'id=t,src=nope.txt'], {}, '--secret: secret `t`: file nope.txt does not exist'],
  [7, '', ['--ssh', 'default'], {}, '--ssh: ssh `default`: no ssh agent: SSH_AUTH_SOCK is not set'],
] as const)('%i. exit 2 before any build, naming the field', async (_n, budget, flags, env, message) => {
  const { code, stderr } = await check(budget, [...flags], env);
  expect(stderr).toContain(message);
  expect(code).toBe(2);
  expect(stderr).not.toMatch(/buildx build|built in|docker buildx/);
});
