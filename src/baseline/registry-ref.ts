/** Image references as docker reads them, and the credentials docker would use for them. */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';

export interface ImageRef {
  /** Host the API is served from: `registry-1.docker.io` for Docker Hub. */
  host: string;
  repository: string;
  /** A tag or a `sha256:` digest. */
  reference: string;
  /** Plain http: localhost and hosts listed as insecure. */
  scheme: 'http' | 'https';
}

const DOCKER_HUB = 'registry-1.docker.io';
const LOCAL_HOSTS = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/;

/** `busybox` → registry-1.docker.io/library/busybox:latest; `localhost:5000/x:1` → http. */
export function parseImageRef(ref: string, insecureHosts: readonly string[] = []): ImageRef {
  const match = /^(?:([^/]+)\/)?([^@]+?)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[0-9a-f]{64}))?$/.exec(ref.trim());
  if (match === null) throw new Error(`not an image reference: ${JSON.stringify(ref)}`);
  const [, first, , tag, digest] = match;
  let rest = match[2];
  let host = 'docker.io';
  if (first !== undefined && (first.includes('.') || first.includes(':') || first === 'localhost')) host = first;
  else if (first !== undefined) rest = `${first}/${rest}`;
  if (rest === undefined || !/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(rest)) {
    throw new Error(`not an image reference: ${JSON.stringify(ref)} (bad repository name)`);
  }
  if (host === 'docker.io' || host === 'index.docker.io') {
    host = DOCKER_HUB;
    if (!rest.includes('/')) rest = `library/${rest}`;
  }
  const insecure = LOCAL_HOSTS.test(host) || insecureHosts.includes(host);
  return { host, repository: rest, reference: digest ?? tag ?? 'latest', scheme: insecure ? 'http' : 'https' };
}

export interface Credentials {
  username: string;
  password: string;
}

/**
 * `auths` of `~/.docker/config.json` (or `$DOCKER_CONFIG/config.json`); credential helpers
 * are not run. Returns null when there is nothing for this host.
 */
export async function readDockerCredentials(host: string, env: NodeJS.ProcessEnv = process.env): Promise<Credentials | null> {
  const file = path.join(env.DOCKER_CONFIG ?? path.join(homedir(), '.docker'), 'config.json');
  let config: unknown;
  try {
    config = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return null;
  }
  const auths = (config as { auths?: Record<string, { auth?: string; username?: string; password?: string }> }).auths;
  if (auths === undefined || typeof auths !== 'object') return null;
  const keys = host === DOCKER_HUB ? ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', host] : [host, `https://${host}`, `http://${host}`];
  for (const key of keys) {
    const entry = auths[key];
    if (entry === undefined) continue;
    if (typeof entry.auth === 'string' && entry.auth !== '') {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    if (typeof entry.username === 'string' && typeof entry.password === 'string') {
      return { username: entry.username, password: entry.password };
    }
  }
  return null;
}
