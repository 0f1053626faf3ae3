/**
 * A second registry that requires a login: the same `docker-registry` (distribution) binary that
 * serves 127.0.0.1:5000, with an htpasswd file (bcrypt, from bcryptjs), read-only over the local
 * registry's storage so it serves what was pushed there. Plus a stub credential helper
 * `docker-credential-<name>` and a DOCKER_CONFIG whose `credHelpers` names it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import bcrypt from 'bcryptjs';
import { parse } from 'yaml';

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
