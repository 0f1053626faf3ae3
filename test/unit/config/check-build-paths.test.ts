import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { loadBudgetFile, type LoadOptions } from '../../../src/config/load-budget-file.js';

let root: string;
let repo: string;
let outside: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'ib-paths-'));
  repo = path.join(root, 'repo');
  outside = path.join(root, 'outside');
  await mkdir(path.join(repo, 'app/docker'), { recursive: true });
  await mkdir(path.join(repo, 'libs/shared'), { recursive: true });
  await mkdir(outside);
  await writeFile(path.join(repo, 'app/Dockerfile'), 'FROM scratch\n');
  await writeFile(path.join(repo, 'app/docker/Dockerfile.prod'), 'FROM scratch\n');
  await writeFile(path.join(repo, '.npmrc'), 'registry=x\n');
  await writeFile(path.join(outside, 'id_token'), 'x\n');
  await symlink(outside, path.join(repo, 'escape'));
  await symlink(path.join(outside, 'id_token'), path.join(repo, 'token-link'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function errorsOf(entry: string, opts: Partial<LoadOptions> = {}): Promise<string[]> {
  await writeFile(path.join(repo, 'b.yml'), `version: 1\nimages:\n  api:\n${entry}`);
  const error = await loadBudgetFile('b.yml', { workdir: repo, env: {}, ...opts }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).message.split('\n');
}

const OUTSIDE = 'paths in the budget file must stay inside it unless the workflow sets `allow-outside-paths: true` (--allow-outside-paths)';

describe('paths resolve inside the repository, symlinks followed', () => {
  test.each([
    [
      1,
      'a context above the repository',
      '    context: ..\n',
      (o: string) => [
        `b.yml:4:14 images.api.context: context .. is outside the repository (it resolves to ${path.dirname(o)}); ${OUTSIDE}`,
      ],
    ],
    [
      2,
      'a context through a symlink',
      '    context: escape\n',
      (o: string) => [`b.yml:4:14 images.api.context: context escape is outside the repository (it resolves to ${o}); ${OUTSIDE}`],
    ],
    [
      3,
      'a secret file through a symlink',
      '    context: app\n    secrets: ["id=t,src=token-link"]\n',
      (o: string) => [
        `b.yml:5:14 images.api.secrets: secret \`t\`: file token-link is outside the repository (it resolves to ${path.join(o, 'id_token')}); ${OUTSIDE}`,
      ],
    ],
    [
      4,
      'an absolute secret path',
      '    context: app\n    secrets: ["id=t,src=../outside/id_token"]\n',
      (o: string) => [
        `b.yml:5:14 images.api.secrets: secret \`t\`: file ../outside/id_token is outside the repository (it resolves to ${path.join(o, 'id_token')}); ${OUTSIDE}`,
      ],
    ],
    [
      5,
      'a build context outside',
      '    context: app\n    build-contexts: { up: ../outside }\n',
      (o: string) => [
        `b.yml:5:21 images.api.build-contexts: build context \`up\`: ../outside is outside the repository (it resolves to ${o}); ${OUTSIDE}`,
      ],
    ],
  ])('%i. %s', async (_n, _what, entry, expected) => {
    expect(await errorsOf(entry)).toEqual(expected(outside));
  });

  test('allow-outside-paths lets them through', async () => {
    await writeFile(path.join(outside, 'Dockerfile'), 'FROM scratch\n');
    await writeFile(path.join(repo, 'b.yml'), 'version: 1\nimages:\n  api:\n    context: escape\n    secrets: ["id=t,src=token-link"]\n');
    const file = await loadBudgetFile('b.yml', { workdir: repo, env: {}, allowOutsidePaths: true });
    expect(file.images[0]?.options.secrets).toEqual([{ id: 't', src: path.join(repo, 'token-link') }]);
  });
});

describe('what a build reads must exist before anything is built', () => {
  test.each([
    [
      1,
      'a Dockerfile written relative to the repository, as build-push-action does',
      '    context: app\n    dockerfile: app/docker/Dockerfile.prod\n',
      [
        'b.yml:5:17 images.api.dockerfile: dockerfile app/app/docker/Dockerfile.prod does not exist (`dockerfile` is relative to the context app); did you mean `dockerfile: docker/Dockerfile.prod`?',
      ],
    ],
    [
      2,
      'a secret file that does not exist',
      '    context: app\n    secrets: ["id=npmrc,src=nope/.npmrc"]\n',
      ['b.yml:5:14 images.api.secrets: secret `npmrc`: file nope/.npmrc does not exist'],
    ],
    [
      3,
      'a secret env var that is not set',
      '    context: app\n    secrets: ["id=t,env=NPM_TOKEN"]\n',
      ['b.yml:5:14 images.api.secrets: secret `t`: environment variable NPM_TOKEN is not set'],
    ],
    [
      4,
      'ssh default without an agent',
      '    context: app\n    ssh: [default]\n',
      [
        'b.yml:5:10 images.api.ssh: ssh `default`: no ssh agent: SSH_AUTH_SOCK is not set (start one with `eval "$(ssh-agent)"` and `ssh-add`, or give key paths: default=PATH)',
      ],
    ],
    [
      5,
      'ssh key that does not exist',
      '    context: app\n    ssh: ["github=keys/id"]\n',
      ['b.yml:5:10 images.api.ssh: ssh `github`: keys/id does not exist'],
    ],
    [
      6,
      'a build context that does not exist',
      '    context: app\n    build-contexts: { shared: libs/shard }\n',
      ['b.yml:5:21 images.api.build-contexts: build context `shared`: libs/shard does not exist'],
    ],
  ])('%i. %s', async (_n, _what, entry, expected) => {
    expect(await errorsOf(entry)).toEqual(expected);
  });

  test('ssh default with SSH_AUTH_SOCK at a path that is no socket, then at a listening one', async () => {
    const sock = path.join(root, 'agent.sock');
    expect(await errorsOf('    context: app\n    ssh: [default]\n', { env: { SSH_AUTH_SOCK: sock } })).toEqual([
      `b.yml:5:10 images.api.ssh: ssh \`default\`: no ssh agent at SSH_AUTH_SOCK=${sock} (no such socket; is the agent running?)`,
    ]);
    const server = net.createServer().listen(sock);
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const file = await loadBudgetFile('b.yml', { workdir: repo, env: { SSH_AUTH_SOCK: sock } });
      expect(file.images[0]?.options.ssh).toEqual([{ id: 'default', paths: [] }]);
    } finally {
      server.close();
    }
  });

  test('everything present: secrets from a file and the environment, a named context', async () => {
    await writeFile(
      path.join(repo, 'b.yml'),
      'version: 1\nimages:\n  api:\n    context: app\n    secrets: ["id=npmrc,src=.npmrc", "id=t,env=NPM_TOKEN"]\n    build-contexts: { shared: libs/shared }\n',
    );
    const file = await loadBudgetFile('b.yml', { workdir: repo, env: { NPM_TOKEN: 'x' } });
    expect(file.images[0]?.options.buildContexts).toEqual({ shared: path.join(repo, 'libs/shared') });
  });
});
