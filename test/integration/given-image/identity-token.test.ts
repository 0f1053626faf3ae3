/**
 * Identity tokens, against a real distribution registry with `auth: token` and a token server
 * written in the test (JWTs it signs, which the registry verifies with its rootcertbundle): the
 * docker config's `auths.<host>.identitytoken`, and a credential helper answering Username
 * `<token>`, are exchanged for a Bearer token by the OAuth2 refresh_token POST. Given images and
 * the registry baseline log in so; a wrong token is that image's clear 401; neither the identity
 * token nor an access token is in any output.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { measureRegistryImage } from '../../../src/baseline/registry.js';
import { createMemoryLogger } from '../../../src/logger.js';
import { runCheck } from '../../../src/run.js';
import { startTokenRegistry, writeCredentialHelper, type TokenRegistry } from './auth-registry.js';
import { pushImage, REPO, sizesOf, uniqueTag, writeContext } from './fixture.js';

const TAG = uniqueTag();
const IDENTITY_TOKEN = `idt-${uniqueTag()}-do-not-print`;
let dir: string;
let registry: TokenRegistry;
let secretFile: string;
let binDir: string;
const originalPath = process.env.PATH;

/** A DOCKER_CONFIG directory holding `config`. */
async function dockerConfig(name: string, config: unknown): Promise<string> {
  const configDir = path.join(dir, name);
  await mkdir(configDir, { recursive: true });
  await writeFile(path.join(configDir, 'config.json'), JSON.stringify(config));
  return configDir;
}

/** `docker login` to a token registry stores this: the user name alone in `auth`, the token beside it. */
const authsWith = (token: string) => ({
  auths: { [registry.host]: { auth: Buffer.from('ci-robot:').toString('base64'), identitytoken: token } },
});

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ib-given-idtoken-'));
  await writeContext(path.join(dir, 'ctx'), TAG);
  await pushImage(path.join(dir, 'ctx'), `localhost:5000/${REPO}:${TAG}`);
  registry = await startTokenRegistry(path.join(dir, 'registry'), IDENTITY_TOKEN);
  binDir = path.join(dir, 'bin');
  secretFile = path.join(dir, 'secret');
  await writeCredentialHelper(binDir, 'ibtoken', registry.host, '<token>', secretFile);
  process.env.PATH = `${binDir}:${originalPath ?? ''}`;
  await writeFile(
    path.join(dir, 'budget.yml'),
    `version: 1\nimages:\n  private:\n    image: ${registry.host}/${REPO}:${TAG}\n  public:\n    image: localhost:5000/${REPO}:${TAG}\n`,
  );
}, 300_000);

afterAll(async () => {
  process.env.PATH = originalPath;
  await registry?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function check(configDir: string) {
  const logger = createMemoryLogger();
  const { report } = await runCheck(
    { configPath: 'budget.yml', workdir: dir, parallel: 2, env: { PATH: process.env.PATH, DOCKER_CONFIG: configDir } },
    logger,
  );
  const output = `${JSON.stringify(report)}\n${logger.lines.join('\n')}`;
  expect(output.length).toBeGreaterThan(500);
  expect(output).not.toContain(IDENTITY_TOKEN);
  for (const token of registry.issued) expect(output).not.toContain(token);
  return { report, output };
}

describe('a registry with token auth and identity tokens', () => {
  test('the registry really wants a token: anonymous reads get a Bearer challenge, the token server refuses anonymous GETs', async () => {
    const response = await fetch(`http://${registry.host}/v2/${REPO}/manifests/${TAG}`);
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(
      /^Bearer realm="http:\/\/127\.0\.0\.1:\d+\/token",service="ib-token-registry",scope="repository:ib-given:pull"$/,
    );
    const realm = /realm="([^"]+)"/.exec(challenge)?.[1] ?? '';
    expect((await fetch(`${realm}?service=ib-token-registry&scope=repository:ib-given:pull`)).status).toBe(401);
  });

  test('auths identitytoken: exchanged by the OAuth2 POST, measured as the same image read anonymously', async () => {
    registry.requests.length = 0;
    const { report } = await check(await dockerConfig('auths-config', authsWith(IDENTITY_TOKEN)));
    const priv = report.images.filter((e) => e.name === 'private');
    const pub = report.images.filter((e) => e.name === 'public');
    expect(priv.map((e) => [e.platform, e.status, e.error])).toEqual([
      ['linux/amd64', 'ok', null],
      ['linux/arm64', 'ok', null],
    ]);
    expect(priv.map(sizesOf)).toEqual(pub.map(sizesOf));
    expect(registry.requests.length).toBeGreaterThan(0);
    expect(registry.requests[0]).toEqual({
      method: 'POST',
      form: { grant_type: 'refresh_token', client_id: 'image-budget', service: 'ib-token-registry', scope: `repository:${REPO}:pull` },
      refreshTokenMatched: true,
    });
    expect(registry.issued.length).toBeGreaterThan(0);
  });

  test('a credential helper answering Username <token>: its Secret is the identity token', async () => {
    await writeFile(secretFile, IDENTITY_TOKEN);
    registry.requests.length = 0;
    const { report } = await check(await dockerConfig('helper-config', { credHelpers: { [registry.host]: 'ibtoken' } }));
    expect(report.images.filter((e) => e.name === 'private').map((e) => e.status)).toEqual(['ok', 'ok']);
    expect(registry.requests.every((r) => r.method === 'POST' && r.refreshTokenMatched)).toBe(true);
  });

  test('a wrong identity token: that image’s 401 naming where it came from, the other image measured', async () => {
    const wrong = `${IDENTITY_TOKEN}-revoked`;
    const { report, output } = await check(await dockerConfig('wrong-config', authsWith(wrong)));
    const priv = report.images.filter((e) => e.name === 'private');
    expect(priv.every((e) => e.status === 'error')).toBe(true);
    expect(priv[0]?.error).toBe(
      `measurement failed: GET http://${registry.host}/v2/${REPO}/manifests/${TAG}: HTTP 401 Unauthorized: the registry asks for a login and refused anonymous access, the docker config (auths) (docker login, a credential helper in the docker config, or the registry-token input): UNAUTHORIZED: authentication required`,
    );
    expect(report.images.filter((e) => e.name === 'public').every((e) => e.status === 'ok')).toBe(true);
    expect(output).not.toContain(wrong);
  });

  test('the registry baseline exchanges the identity token the same way', async () => {
    const previous = process.env.DOCKER_CONFIG;
    process.env.DOCKER_CONFIG = await dockerConfig('auths-config', authsWith(IDENTITY_TOKEN));
    try {
      const measures = await measureRegistryImage(`${registry.host}/${REPO}:${TAG}`);
      expect(measures.map((m) => m.platform)).toEqual(['linux/amd64', 'linux/arm64']);
      process.env.DOCKER_CONFIG = await dockerConfig('wrong-config', authsWith(`${IDENTITY_TOKEN}-revoked`));
      const failure = await measureRegistryImage(`${registry.host}/${REPO}:${TAG}`).catch((error: unknown) => error as Error);
      expect((failure as Error).message).toMatch(
        /HTTP 401 Unauthorized: the registry asks for a login and refused anonymous access, the docker config/,
      );
      expect((failure as Error).message).not.toContain(IDENTITY_TOKEN);
    } finally {
      if (previous === undefined) delete process.env.DOCKER_CONFIG;
      else process.env.DOCKER_CONFIG = previous;
    }
  });
});
