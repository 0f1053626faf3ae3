/**
 * A second registry that requires a login: the same `docker-registry` (distribution) binary that
 * serves 127.0.0.1:5000, with an htpasswd file (bcrypt, from bcryptjs), read-only over the local
 * registry's storage so it serves what was pushed there. Plus a stub credential helper
 * `docker-credential-<name>` and a DOCKER_CONFIG whose `credHelpers` names it. And a registry
 * with token auth, in front of a token server written here (startTokenRegistry).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, randomUUID, sign as cryptoSign, X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';
import { parse } from 'yaml';

const execFileAsync = promisify(execFile);

/** The local registry's config, as ../shared/tools/docker-env writes it. */
const LOCAL_REGISTRY_CONFIG = '/etc/docker/local-registry.yml';

/** Where the local registry keeps what was pushed to 127.0.0.1:5000. */
async function localRegistryStorage(): Promise<string> {
  const config = parse(await readFile(LOCAL_REGISTRY_CONFIG, 'utf8')) as { storage?: { filesystem?: { rootdirectory?: unknown } } };
  const root = config.storage?.filesystem?.rootdirectory;
  if (typeof root !== 'string') throw new Error(`${LOCAL_REGISTRY_CONFIG}: no storage.filesystem.rootdirectory`);
  return root;
}

export interface AuthRegistry {
  host: string;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startAuthRegistry(dir: string, user: string, password: string): Promise<AuthRegistry> {
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  await writeFile(path.join(dir, 'htpasswd'), `${user}:${bcrypt.hashSync(password, 8)}\n`);
  await writeFile(
    path.join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log: { level: error }',
      'storage:',
      `  filesystem: { rootdirectory: ${await localRegistryStorage()} }`,
      // Only reads: the shared storage is never written or purged by this instance.
      '  maintenance: { readonly: { enabled: true }, uploadpurging: { enabled: false } }',
      `http: { addr: 127.0.0.1:${port}, secret: ib-given-test }`,
      `auth: { htpasswd: { realm: ib-given, path: ${path.join(dir, 'htpasswd')} } }`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: 'ignore' });
  const host = `127.0.0.1:${port}`;
  // Ready when /v2/ asks for a login (bounded: 10 s).
  for (let attempt = 0; ; attempt++) {
    const status = await fetch(`http://${host}/v2/`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 401) break;
    if (attempt >= 100 || child.exitCode !== null) {
      child.kill();
      throw new Error(`docker-registry on ${host} did not start (last status ${status})`);
    }
    await sleep(100);
  }
  return {
    host,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
    },
  };
}

/**
 * `docker-credential-<name>` in `binDir`: answers `get` for `host` with the user and the secret
 * read from `secretFile` (so a test can change it), logs each call to `calls.log`.
 */
export async function writeCredentialHelper(binDir: string, name: string, host: string, user: string, secretFile: string): Promise<string> {
  await mkdir(binDir, { recursive: true });
  const file = path.join(binDir, `docker-credential-${name}`);
  await writeFile(
    file,
    `#!/bin/sh
[ "$1" = get ] || { echo "unsupported: $1" >&2; exit 1; }
read -r server
echo "get $server" >> "${path.join(binDir, 'calls.log')}"
if [ "$server" != "${host}" ]; then echo "credentials not found in native keychain"; exit 1; fi
printf '{"ServerURL":"%s","Username":"${user}","Secret":"%s"}\\n' "$server" "$(cat "${secretFile}")"
`,
  );
  await chmod(file, 0o755);
  return file;
}

export interface TokenRegistry extends AuthRegistry {
  /** What the token server was asked, the identity token itself left out. */
  requests: { method: string; form: Record<string, string>; refreshTokenMatched: boolean }[];
  /** Every access token it issued, to prove none reaches an output. */
  issued: string[];
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/**
 * A registry with `auth: token` (the same distribution binary, read-only over the local
 * registry's storage) and the token server it trusts: a small HTTP server on 127.0.0.1 that
 * refuses anonymous GETs and answers the OAuth2 refresh_token POST of the distribution spec for
 * `identityToken` with a JWT signed by a key whose self-signed certificate (openssl) is the
 * registry's rootcertbundle; the token names the cert in its `x5c` header, as distribution reads it.
 */
export async function startTokenRegistry(dir: string, identityToken: string): Promise<TokenRegistry> {
  await mkdir(dir, { recursive: true });
  const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
  await execFileAsync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-subj',
    '/CN=ib-token-issuer',
    '-days',
    '2',
  ]);
  const privateKey = createPrivateKey(await readFile(key));
  const certDer = new X509Certificate(await readFile(cert)).raw.toString('base64');
  const service = 'ib-token-registry';
  const issuer = 'ib-token-issuer';
  const requests: TokenRegistry['requests'] = [];
  const issued: string[] = [];

  const sign = (scope: string): string => {
    const now = Math.floor(Date.now() / 1000);
    const access = scope
      .split(' ')
      .filter((s) => s !== '')
      .map((s) => {
        const [type = '', name = '', actions = ''] = s.split(':');
        return { type, name, actions: actions.split(',') };
      });
    const header = base64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c: [certDer] }));
    const claims = base64url(
      JSON.stringify({ iss: issuer, sub: 'ci-robot', aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access }),
    );
    const signature = cryptoSign('sha256', Buffer.from(`${header}.${claims}`), privateKey);
    return `${header}.${claims}.${base64url(signature)}`;
  };

  const tokenServer = http.createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!req.url?.startsWith('/token')) {
      reply(404, { error: 'not found' });
      return;
    }
    if (req.method !== 'POST') {
      reply(401, { error: 'unauthorized', details: 'no anonymous access' });
      return;
    }
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      const { refresh_token: refreshToken, ...form } = Object.fromEntries(new URLSearchParams(text));
      const refreshTokenMatched = refreshToken === identityToken;
      requests.push({ method: req.method ?? '', form, refreshTokenMatched });
      if (form.grant_type !== 'refresh_token' || !refreshTokenMatched || form.service !== service) {
        reply(400, { error: 'invalid_grant' });
        return;
      }
      const token = sign(form.scope ?? '');
      issued.push(token);
      reply(200, { access_token: token, scope: form.scope ?? '', expires_in: 300, issued_at: new Date().toISOString() });
    });
  });
  await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
  const tokenPort = (tokenServer.address() as AddressInfo).port;

  const port = await freePort();
  await writeFile(
    path.join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log: { level: error }',
      'storage:',
      `  filesystem: { rootdirectory: ${await localRegistryStorage()} }`,
      '  maintenance: { readonly: { enabled: true }, uploadpurging: { enabled: false } }',
      `http: { addr: 127.0.0.1:${port}, secret: ib-given-token-test }`,
      'auth:',
      '  token:',
      `    realm: http://127.0.0.1:${tokenPort}/token`,
      `    service: ${service}`,
      `    issuer: ${issuer}`,
      `    rootcertbundle: ${cert}`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: 'ignore' });
  const host = `127.0.0.1:${port}`;
  const closeTokenServer = () => new Promise((resolve) => tokenServer.close(resolve));
  // Ready when /v2/ asks for a token (bounded: 10 s).
  for (let attempt = 0; ; attempt++) {
    const status = await fetch(`http://${host}/v2/`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 401) break;
    if (attempt >= 100 || child.exitCode !== null) {
      child.kill();
      await closeTokenServer();
      throw new Error(`docker-registry on ${host} did not start (last status ${status})`);
    }
    await sleep(100);
  }
  return {
    host,
    requests,
    issued,
    close: async () => {
      await closeTokenServer();
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
    },
  };
}
