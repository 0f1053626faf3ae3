/**
 * Registry logins, against a real distribution registry that requires basic auth: the docker
 * config's credential helper (a stub `docker-credential-<name>` on PATH), the registry-token
 * input, a clear 401 with wrong ones; the secret never in the report or the log. The registry
 * baseline reads through the same client and logs in the same way.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { measureRegistryImage } from '../../../src/baseline/registry.js';
import { createMemoryLogger } from '../../../src/logger.js';
import { runCheck } from '../../../src/run.js';
import { startAuthRegistry, writeCredentialHelper, type AuthRegistry } from './auth-registry.js';
import { pushImage, REPO, sizesOf, uniqueTag, writeContext } from './fixture.js';

const TAG = uniqueTag();
const USER = 'ci-robot';
const SECRET = `pw-${uniqueTag()}-do-not-print`;
const SECRET_B64 = Buffer.from(`${USER}:${SECRET}`).toString('base64');
let dir: string;
let registry: AuthRegistry;
let dockerConfig: string;
let secretFile: string;
let binDir: string;
const originalPath = process.env.PATH;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ib-given-auth-'));
  await writeContext(path.join(dir, 'ctx'), TAG);
  await pushImage(path.join(dir, 'ctx'), `localhost:5000/${REPO}:${TAG}`);
  registry = await startAuthRegistry(path.join(dir, 'registry'), USER, SECRET);
  binDir = path.join(dir, 'bin');
  secretFile = path.join(dir, 'secret');
  await writeCredentialHelper(binDir, 'ibstub', registry.host, USER, secretFile);
  dockerConfig = path.join(dir, 'docker-config');
  await mkdir(dockerConfig);
  await writeFile(path.join(dockerConfig, 'config.json'), JSON.stringify({ credHelpers: { [registry.host]: 'ibstub' } }));
  // Credential helpers are found on PATH, as docker finds them.
  process.env.PATH = `${binDir}:${originalPath ?? ''}`;
  await writeFile(
    path.join(dir, 'budget.yml'),
    `version: 1\nimages:\n  private:\n    image: ${registry.host}/${REPO}:${TAG}\n  public:\n    image: localhost:5000/${REPO}:${TAG}\n`,
  );
});

afterAll(async () => {
  process.env.PATH = originalPath;
  await registry?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function check(env: NodeJS.ProcessEnv, registryToken?: string) {
  const logger = createMemoryLogger();
  const { report } = await runCheck(
    {
      configPath: 'budget.yml',
      workdir: dir,
      parallel: 2,
      env: { PATH: process.env.PATH, ...env },
      ...(registryToken ? { registryToken } : {}),
    },
    logger,
  );
  const output = `${JSON.stringify(report)}\n${logger.lines.join('\n')}`;
  expect(output).not.toContain(SECRET);
  expect(output).not.toContain(SECRET_B64);
  return { report, output };
}

describe('a registry that requires basic auth', () => {
  test('anonymous access is refused: the registry really asks for a login', async () => {
    const response = await fetch(`http://${registry.host}/v2/${REPO}/manifests/${TAG}`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Basic realm="ib-given"');
  });

  test('the credential helper the docker config names logs in: measured as the same image without auth', async () => {
    await writeFile(secretFile, SECRET);
    await rm(path.join(binDir, 'calls.log'), { force: true });
    const { report } = await check({ DOCKER_CONFIG: dockerConfig });
    const priv = report.images.filter((e) => e.name === 'private');
    const pub = report.images.filter((e) => e.name === 'public');
    expect(priv.map((e) => [e.platform, e.status, e.error])).toEqual([
      ['linux/amd64', 'ok', null],
      ['linux/arm64', 'ok', null],
    ]);
    expect(priv.map(sizesOf)).toEqual(pub.map(sizesOf));
    expect(await readFile(path.join(binDir, 'calls.log'), 'utf8')).toContain(`get ${registry.host}`);
  });

  test('wrong credentials from the helper: a clear 401 for that image only, the secret nowhere', async () => {
    await writeFile(secretFile, `${SECRET}-wrong`);
    const { report, output } = await check({ DOCKER_CONFIG: dockerConfig });
    const priv = report.images.filter((e) => e.name === 'private');
    expect(priv.every((e) => e.status === 'error')).toBe(true);
    expect(priv[0]?.error).toBe(
      `measurement failed: GET http://${registry.host}/v2/${REPO}/manifests/${TAG}: HTTP 401 Unauthorized: the registry asks for a login and refused docker-credential-ibstub (credHelpers) (docker login, a credential helper in the docker config, or the registry-token input): UNAUTHORIZED: authentication required`,
    );
    expect(report.images.filter((e) => e.name === 'public').every((e) => e.status === 'ok')).toBe(true);
    expect(output).not.toContain(`${SECRET}-wrong`);
  });

  test('no docker config login: the registry-token input logs in as GITHUB_ACTOR', async () => {
    const empty = path.join(dir, 'empty-config');
    await mkdir(empty, { recursive: true });
    const { report } = await check({ DOCKER_CONFIG: empty, GITHUB_ACTOR: USER }, SECRET);
    expect(report.images.filter((e) => e.name === 'private').map((e) => e.status)).toEqual(['ok', 'ok']);
    const refused = await check({ DOCKER_CONFIG: empty, GITHUB_ACTOR: USER }, `${SECRET}-nope`);
    expect(refused.report.images.find((e) => e.name === 'private')?.error).toMatch(
      /HTTP 401 Unauthorized: the registry asks for a login and refused the registry-token input/,
    );
    expect(refused.output).not.toContain(`${SECRET}-nope`);
  });

  test('no login anywhere: the 401 says so', async () => {
    const empty = path.join(dir, 'empty-config');
    const { report } = await check({ DOCKER_CONFIG: empty });
    expect(report.images.find((e) => e.name === 'private')?.error).toMatch(
      /HTTP 401 Unauthorized: the registry asks for a login and no credentials were found for it/,
    );
  });

  test('the registry baseline logs in the same way', async () => {
    const previous = process.env.DOCKER_CONFIG;
    process.env.DOCKER_CONFIG = dockerConfig;
    try {
      await writeFile(secretFile, SECRET);
      const measures = await measureRegistryImage(`${registry.host}/${REPO}:${TAG}`);
      expect(measures.map((m) => m.platform)).toEqual(['linux/amd64', 'linux/arm64']);
      await writeFile(secretFile, `${SECRET}-wrong`);
      const failure = await measureRegistryImage(`${registry.host}/${REPO}:${TAG}`).catch((error: unknown) => error as Error);
      expect((failure as Error).message).toMatch(
        /HTTP 401 Unauthorized: the registry asks for a login and refused docker-credential-ibstub/,
      );
      expect((failure as Error).message).not.toContain(SECRET);
    } finally {
      if (previous === undefined) delete process.env.DOCKER_CONFIG;
      else process.env.DOCKER_CONFIG = previous;
    }
  });
});
