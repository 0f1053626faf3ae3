import { describe, expect, test } from 'vitest';
import { RegistryClient, registryErrorDetail } from '../../../src/baseline/registry-client.js';
import { parseImageRef, readDockerCredentials, registryIdentities, type RegistryIdentity } from '../../../src/baseline/registry-ref.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const REF = parseImageRef('registry.test/acme/api:1');
const URL_ = `https://registry.test/v2/acme/api/manifests/1`;
const SECRET = 's3cret-value';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

interface Seen {
  url: string;
  authorization: string | null;
}

/** A scripted registry: `answer` decides each response from the request. */
function fakeFetch(answer: (url: string, authorization: string | null, n: number) => Response | Error): {
  fetch: typeof fetch;
  seen: Seen[];
} {
  const seen: Seen[] = [];
  const impl = (input: string | URL | Request, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : input.toString();
    const headers = (init?.headers ?? {}) as Record<string, string>;
    const authorization = headers.Authorization ?? null;
    seen.push({ url, authorization });
    const result = answer(url, authorization, seen.length);
    return result instanceof Error ? Promise.reject(result) : Promise.resolve(result);
  };
  return { fetch: impl, seen };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const ok = () => json(200, { schemaVersion: 2 });
const basicChallenge = () =>
  json(401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }, { 'www-authenticate': 'Basic realm="r"' });
const bearerChallenge = () =>
  json(
    401,
    { errors: [{ code: 'UNAUTHORIZED' }] },
    { 'www-authenticate': 'Bearer realm="https://auth.test/token",service="registry.test"' },
  );

const identity = (label: string, username: string, password: string): RegistryIdentity => ({
  label,
  credentials: () => Promise.resolve({ username, password }),
});
const nobody: RegistryIdentity = { label: 'the docker config', credentials: () => Promise.resolve(null) };

async function getJsonError(client: RegistryClient): Promise<Error> {
  return client.getJson(URL_).then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error as Error,
  );
}

describe('RegistryClient auth', () => {
  test('1: anonymous access: no Authorization header, one request', async () => {
    const { fetch, seen } = fakeFetch(() => ok());
    const client = new RegistryClient(REF, { fetch, identities: [identity('the docker config', 'u', SECRET)] });
    await client.getJson(URL_);
    expect(seen).toEqual([{ url: URL_, authorization: null }]);
  });

  test('2: Basic: the docker config first, then the token input', async () => {
    const good = basic('ci', 'token-ok');
    const { fetch, seen } = fakeFetch((_url, auth) => (auth === good ? ok() : basicChallenge()));
    const client = new RegistryClient(REF, {
      fetch,
      identities: [identity('the docker config', 'u', SECRET), identity('the registry-token input', 'ci', 'token-ok')],
    });
    await client.getJson(URL_);
    expect(seen.map((s) => s.authorization)).toEqual([null, basic('u', SECRET), good]);
  });

  test('3: Bearer: an anonymous token first, then a token for the credentials', async () => {
    const creds = basic('u', SECRET);
    const { fetch, seen } = fakeFetch((url, auth) => {
      if (url.startsWith('https://auth.test/token')) return json(200, { token: auth === creds ? 'full' : 'anon' });
      return auth === 'Bearer full' ? ok() : bearerChallenge();
    });
    const client = new RegistryClient(REF, { fetch, identities: [identity('the docker config', 'u', SECRET)] });
    await client.getJson(URL_);
    expect(seen.map((s) => [s.url.split('?')[0], s.authorization])).toEqual([
      [URL_, null],
      ['https://auth.test/token', null],
      [URL_, 'Bearer anon'],
      ['https://auth.test/token', creds],
      [URL_, 'Bearer full'],
    ]);
    expect(seen[1]!.url).toContain('scope=repository%3Aacme%2Fapi%3Apull');
  });

  test('4: every login refused: a 401 that names where the credentials came from, never them', async () => {
    const { fetch } = fakeFetch(() => basicChallenge());
    const client = new RegistryClient(REF, {
      fetch,
      identities: [
        identity('docker-credential-stub (credHelpers)', 'u', SECRET),
        identity('the registry-token input', 'ci', `${SECRET}-2`),
      ],
    });
    const error = await getJsonError(client);
    expect(error.message).toBe(
      `GET ${URL_}: HTTP 401: the registry asks for a login and refused docker-credential-stub (credHelpers), the registry-token input (docker login, a credential helper in the docker config, or the registry-token input): UNAUTHORIZED: authentication required`,
    );
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(Buffer.from(`u:${SECRET}`).toString('base64'));
  });

  test('5: no credentials at all', async () => {
    const { fetch, seen } = fakeFetch(() => basicChallenge());
    const error = await getJsonError(new RegistryClient(REF, { fetch, identities: [nobody] }));
    expect(error.message).toMatch(/HTTP 401: the registry asks for a login and no credentials were found for it/);
    expect(seen).toHaveLength(1);
  });

  test('6: a Bearer realm that refuses the credentials moves on to the next login', async () => {
    const { fetch } = fakeFetch((url, auth) => {
      if (url.startsWith('https://auth.test/token')) return auth === basic('ci', 'good') ? json(200, { access_token: 'T' }) : json(401, {});
      return auth === 'Bearer T' ? ok() : bearerChallenge();
    });
    const client = new RegistryClient(REF, {
      fetch,
      identities: [identity('the docker config', 'u', 'bad'), identity('the registry-token input', 'ci', 'good')],
    });
    await expect(client.getJson(URL_)).resolves.toMatchObject({ json: { schemaVersion: 2 } });
  });
});

describe('RegistryClient identity tokens (OAuth2 refresh_token exchange)', () => {
  const IDENTITY = 'identity-token-do-not-print';
  const tokenIdentity = (label: string, identityToken: string): RegistryIdentity => ({
    label,
    credentials: () => Promise.resolve({ identityToken }),
  });
  const scopedChallenge = () =>
    json(
      401,
      { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] },
      {
        'www-authenticate': 'Bearer realm="https://auth.test/token",service="registry.test",scope="repository:acme/api:pull"',
      },
    );

  interface Sent {
    url: string;
    method: string;
    authorization: string | null;
    form: Record<string, string> | null;
  }

  /** A token server: anonymous GETs refused, a POST answered by `exchange`. */
  function tokenServer(exchange: (form: Record<string, string>) => Response) {
    const sent: Sent[] = [];
    const impl = (input: string | URL | Request, init?: RequestInit) => {
      const url = input instanceof Request ? input.url : input.toString();
      const headers = (init?.headers ?? {}) as Record<string, string>;
      const authorization = headers.Authorization ?? null;
      const form = init?.body instanceof URLSearchParams ? Object.fromEntries(init.body) : null;
      sent.push({ url, method: init?.method ?? 'GET', authorization, form });
      if (url.startsWith('https://auth.test/token')) {
        return Promise.resolve(form === null ? json(401, { details: 'no anonymous access' }) : exchange(form));
      }
      return Promise.resolve(authorization === 'Bearer T' ? ok() : scopedChallenge());
    };
    return { fetch: impl, sent };
  }

  test('1: the token is POSTed as a form (grant_type, refresh_token, service, scope, client_id), the access token used', async () => {
    const { fetch, sent } = tokenServer((form) =>
      form.refresh_token === IDENTITY ? json(200, { access_token: 'T', scope: form.scope, expires_in: 300 }) : json(400, {}),
    );
    const client = new RegistryClient(REF, { fetch, identities: [tokenIdentity('the docker config', IDENTITY)] });
    await expect(client.getJson(URL_)).resolves.toMatchObject({ json: { schemaVersion: 2 } });
    expect(sent.map((s) => [s.method, s.url.split('?')[0], s.authorization])).toEqual([
      ['GET', URL_, null],
      ['GET', 'https://auth.test/token', null],
      ['POST', 'https://auth.test/token', null],
      ['GET', URL_, 'Bearer T'],
    ]);
    expect(sent[2]!.form).toEqual({
      grant_type: 'refresh_token',
      refresh_token: IDENTITY,
      client_id: 'image-budget',
      scope: 'repository:acme/api:pull',
      service: 'registry.test',
    });
  });

  test.each([
    [1, 400, { error: 'invalid_grant' }],
    [2, 401, {}],
    [3, 403, {}],
  ])('%i: a refused token (HTTP %i) moves on to the next login; the 401 names it, never the token', async (_n, status, body) => {
    const { fetch } = tokenServer(() => json(status, body));
    const client = new RegistryClient(REF, {
      fetch,
      identities: [tokenIdentity('docker-credential-stub (credHelpers)', IDENTITY), nobody],
    });
    const error = await getJsonError(client);
    expect(error.message).toMatch(
      /HTTP 401: the registry asks for a login and refused anonymous access, docker-credential-stub \(credHelpers\) \(docker login/,
    );
    expect(error.message).not.toContain(IDENTITY);
  });

  test('a token server without OAuth2 (404 to the POST): a clear error, never the token', async () => {
    const { fetch } = tokenServer(() => json(404, {}));
    const client = new RegistryClient(REF, { fetch, identities: [tokenIdentity('the docker config', IDENTITY)] });
    const error = await getJsonError(client);
    expect(error.message).toBe(
      'token request to https://auth.test/token: HTTP 404: the token server does not take identity tokens (OAuth2 POST)',
    );
  });

  test('a Basic-auth registry cannot take an identity token: skipped, said in the 401, the next login tried', async () => {
    const good = basic('ci', 'token-ok');
    const { fetch, seen } = fakeFetch((_url, auth) => (auth === good ? ok() : basicChallenge()));
    const client = new RegistryClient(REF, {
      fetch,
      identities: [tokenIdentity('the docker config', IDENTITY), identity('the registry-token input', 'ci', 'token-ok')],
    });
    await client.getJson(URL_);
    expect(seen.map((s) => s.authorization)).toEqual([null, good]);
    const alone = new RegistryClient(REF, {
      fetch: fakeFetch(() => basicChallenge()).fetch,
      identities: [tokenIdentity('the docker config', IDENTITY)],
    });
    const error = await getJsonError(alone);
    expect(error.message).toMatch(/refused the docker config \(an identity token, which only a token server takes\)/);
    expect(error.message).not.toContain(IDENTITY);
  });
});

describe('RegistryClient answers', () => {
  const noWait = { retryDelaysMs: [0, 0] };
  test.each([
    [1, [503, 503, 200], null, 3],
    [2, [503, 503, 503], /GET .*: HTTP 503 Service Unavailable after 3 attempts/, 3],
    [3, [500, 200], null, 2],
    [4, [404], /^GET https:\/\/registry.test\/v2\/acme\/api\/manifests\/1: HTTP 404 Not Found: MANIFEST_UNKNOWN: manifest unknown$/, 1],
    [
      5,
      [403],
      /^GET https:\/\/registry.test\/v2\/acme\/api\/manifests\/1: HTTP 403 Forbidden: anonymous access may not pull registry.test\/acme\/api$/,
      1,
    ],
  ])('%i: %j', async (_n, statuses, message, requests) => {
    const texts: Record<number, string> = {
      200: 'OK',
      403: 'Forbidden',
      404: 'Not Found',
      500: 'Internal Server Error',
      503: 'Service Unavailable',
    };
    const { fetch, seen } = fakeFetch((_url, _auth, n) => {
      const status = statuses[n - 1]!;
      const body = status === 404 ? { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] } : { schemaVersion: 2 };
      return new Response(JSON.stringify(body), { status, statusText: texts[status] });
    });
    const client = new RegistryClient(REF, { fetch, ...noWait });
    if (message === null) await expect(client.getJson(URL_)).resolves.toBeDefined();
    else expect((await getJsonError(client)).message).toMatch(message);
    expect(seen).toHaveLength(requests);
  });

  test('6: a dropped connection is retried, then reported with its cause', async () => {
    const { fetch, seen } = fakeFetch(() => Object.assign(new TypeError('fetch failed'), { cause: { message: 'ECONNREFUSED' } }));
    const error = await getJsonError(new RegistryClient(REF, { fetch, ...noWait }));
    expect(error.message).toBe(`GET ${URL_}: fetch failed (ECONNREFUSED) (3 attempts)`);
    expect(seen).toHaveLength(3);
  });

  test.each([
    [
      1,
      '{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}',
      'NAME_UNKNOWN: repository name not known to registry',
    ],
    [2, '<html>oops</html>', ''],
    [3, 'plain text', 'plain text'],
    [4, '{}', ''],
  ])('registryErrorDetail %i', (_n, body, expected) => {
    expect(registryErrorDetail(body)).toBe(expected);
  });
});

describe('docker config credentials', () => {
  test.each([
    [
      1,
      { credHelpers: { 'registry.test': 'stub' }, auths: { 'registry.test': { auth: Buffer.from('file:pw').toString('base64') } } },
      'helper',
      'stub',
    ],
    [2, { credsStore: 'store', auths: { 'registry.test': {} } }, 'helper', 'store'],
    [3, { credsStore: 'empty', auths: { 'registry.test': { auth: Buffer.from('file:pw').toString('base64') } } }, 'file', null],
    [4, { auths: { 'https://registry.test': { username: 'file', password: 'pw' } } }, 'file', null],
  ])('%i: credHelpers, then credsStore, then auths', async (_n, config, from, helperName) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ib-creds-'));
    try {
      await writeFile(path.join(dir, 'config.json'), JSON.stringify(config));
      const asked: string[] = [];
      const run = (helper: string, serverUrl: string) => {
        asked.push(`${helper} ${serverUrl}`);
        if (helper === 'empty') return Promise.resolve({ exitCode: 1, stdout: 'credentials not found in native keychain', stderr: '' });
        return Promise.resolve({
          exitCode: 0,
          stdout: JSON.stringify({ ServerURL: serverUrl, Username: 'h', Secret: SECRET }),
          stderr: '',
        });
      };
      const creds = await readDockerCredentials('registry.test', { DOCKER_CONFIG: dir }, run);
      expect(creds).toEqual(from === 'helper' ? { username: 'h', password: SECRET } : { username: 'file', password: 'pw' });
      if (helperName !== null) expect(asked).toEqual([`${helperName} registry.test`]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test.each([
    [1, 'auths identitytoken', { auths: { 'registry.test': { auth: Buffer.from('robot:').toString('base64'), identitytoken: SECRET } } }],
    [2, 'a helper answering Username <token>', { credHelpers: { 'registry.test': 'stub' } }],
    [3, 'a credsStore answering Username <token>', { credsStore: 'stub' }],
  ])('%i: an identity token from %s', async (_n, _what, config) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ib-creds-'));
    try {
      await writeFile(path.join(dir, 'config.json'), JSON.stringify(config));
      const run = (_helper: string, serverUrl: string) =>
        Promise.resolve({ exitCode: 0, stdout: JSON.stringify({ ServerURL: serverUrl, Username: '<token>', Secret: SECRET }), stderr: '' });
      expect(await readDockerCredentials('registry.test', { DOCKER_CONFIG: dir }, run)).toEqual({ identityToken: SECRET });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a failing helper says so without its stdout', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ib-creds-'));
    try {
      await writeFile(path.join(dir, 'config.json'), JSON.stringify({ credHelpers: { 'registry.test': 'broken' } }));
      const run = () => Promise.resolve({ exitCode: 3, stdout: SECRET, stderr: 'keychain locked' });
      const error = await readDockerCredentials('registry.test', { DOCKER_CONFIG: dir }, run).catch((e: unknown) => e as Error);
      expect((error as Error).message).toBe('docker-credential-broken get exited with 3: keychain locked');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('the token input comes after the docker config, as the password of GITHUB_ACTOR', async () => {
    const identities = registryIdentities('registry.test', {
      token: SECRET,
      env: { DOCKER_CONFIG: '/nonexistent', GITHUB_ACTOR: 'octocat' },
    });
    expect(identities.map((i) => i.label)).toEqual(['the docker config', 'the registry-token input']);
    expect(await identities[0]!.credentials()).toBeNull();
    expect(await identities[1]!.credentials()).toEqual({ username: 'octocat', password: SECRET });
    expect(registryIdentities('registry.test', { token: '' })).toHaveLength(1);
  });
});
