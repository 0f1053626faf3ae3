/** Image references as docker reads them, and the credentials docker would use for them. */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { splitImageReference } from '../config/image-reference.js';
import { runCommand } from '../docker/exec.js';

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
  const parts = splitImageReference(ref);
  let host = parts.domain ?? 'docker.io';
  let repository = parts.path;
  if (host === 'docker.io' || host === 'index.docker.io') {
    host = DOCKER_HUB;
    if (!repository.includes('/')) repository = `library/${repository}`;
  }
  const insecure = LOCAL_HOSTS.test(host) || insecureHosts.includes(host);
  return { host, repository, reference: parts.digest ?? parts.tag ?? 'latest', scheme: insecure ? 'http' : 'https' };
}

/**
 * A login: a user and password (Basic auth, or a token server's GET), or an identity token
 * (`docker login` to a token-auth registry stores one), good only for a token server's OAuth2
 * exchange.
 */
export type Credentials = { username: string; password: string } | { identityToken: string };

/** What a credential helper's `Username` is when its `Secret` is an identity token. */
const IDENTITY_TOKEN_USER = '<token>';

/**
 * One way to log in, tried after anonymous access was refused. `label` says where the
 * credentials come from, for messages: it never holds them.
 */
export interface RegistryIdentity {
  label: string;
  credentials(): Promise<Credentials | null>;
}

/**
 * `~/.docker/config.json` as read: a JSON object whose fields (`auths`, `credsStore`,
 * `credHelpers`) are checked where they are used, so one odd field spoils only itself.
 */
type DockerConfig = Record<string, unknown>;

/** A JSON object's fields, or undefined when the value is not an object. */
function fieldsOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

/** The credential helper `credHelpers` names for one of `keys`. */
function credHelperFor(config: DockerConfig | null, keys: readonly string[]): string | undefined {
  const helpers = fieldsOf(config?.credHelpers);
  return keys.map((key) => helpers?.[key]).find((name): name is string => typeof name === 'string' && name !== '');
}

/** Runs a credential helper: the server URL on stdin, its answer on stdout. */
export type CredentialHelperRunner = (helper: string, serverUrl: string) => Promise<{ exitCode: number; stdout: string; stderr: string }>;

const runHelper: CredentialHelperRunner = (helper, serverUrl) => runCommand(`docker-credential-${helper}`, ['get'], { input: serverUrl });

/** The keys docker files a host's credentials under, Docker Hub's legacy URL first. */
function configKeys(host: string): [string, ...string[]] {
  return host === DOCKER_HUB
    ? ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', host]
    : [host, `https://${host}`, `http://${host}`];
}

async function readDockerConfig(env: NodeJS.ProcessEnv): Promise<DockerConfig | null> {
  const file = path.join(env.DOCKER_CONFIG ?? path.join(homedir(), '.docker'), 'config.json');
  try {
    return fieldsOf(JSON.parse(await readFile(file, 'utf8'))) ?? null;
  } catch {
    return null;
  }
}

/** A helper's answer for one server URL; null when it has none ("credentials not found"). */
async function askHelper(helper: string, serverUrl: string, run: CredentialHelperRunner): Promise<Credentials | null> {
  if (!/^[\w.-]+$/.test(helper)) throw new Error(`docker config: credential helper name ${JSON.stringify(helper)} is not a program name`);
  let result;
  try {
    result = await run(helper, serverUrl);
  } catch (error) {
    throw new Error(`docker-credential-${helper}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (result.exitCode !== 0) {
    if (/credentials not found/i.test(result.stdout + result.stderr)) return null;
    // stdout would hold the answer: only stderr is shown.
    throw new Error(
      `docker-credential-${helper} get exited with ${result.exitCode}${result.stderr.trim() ? `: ${result.stderr.trim().slice(0, 300)}` : ''}`,
    );
  }
  // What `docker-credential-<helper> get` prints (docker/docker-credential-helpers): { Username, Secret }.
  let parsed: unknown;
  try {
    parsed = JSON.parse(result.stdout);
  } catch {
    throw new Error(`docker-credential-${helper} get printed something that is not JSON`);
  }
  const answer = fieldsOf(parsed);
  if (answer === undefined) throw new Error(`docker-credential-${helper} get printed JSON that is not an object`);
  if (typeof answer.Username !== 'string' || typeof answer.Secret !== 'string' || answer.Secret === '') return null;
  if (answer.Username === IDENTITY_TOKEN_USER) return { identityToken: answer.Secret };
  return { username: answer.Username, password: answer.Secret };
}

/**
 * The credentials docker would use for `host`, in docker's order: `credHelpers` for the host,
 * else `credsStore`, else `auths` of `~/.docker/config.json` (or `$DOCKER_CONFIG/config.json`).
 * Null when there is nothing for this host.
 */
export async function readDockerCredentials(
  host: string,
  env: NodeJS.ProcessEnv = process.env,
  run: CredentialHelperRunner = runHelper,
): Promise<Credentials | null> {
  const config = await readDockerConfig(env);
  if (config === null) return null;
  const keys = configKeys(host);
  const [serverUrl] = keys;
  const helper = credHelperFor(config, keys);
  if (helper !== undefined) return askHelper(helper, serverUrl, run);
  if (typeof config.credsStore === 'string' && config.credsStore !== '') {
    const stored = await askHelper(config.credsStore, serverUrl, run);
    if (stored !== null) return stored;
  }
  const auths = fieldsOf(config.auths);
  if (auths === undefined) return null;
  for (const key of keys) {
    const entry = fieldsOf(auths[key]);
    if (entry === undefined) continue;
    // Stored beside an `auth` of the user name alone: the token is what logs in.
    if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') return { identityToken: entry.identitytoken };
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

/** Where the docker config's credentials for a host come from, for messages. */
async function describeDockerCredentials(host: string, env: NodeJS.ProcessEnv): Promise<string> {
  const config = await readDockerConfig(env);
  const helper = credHelperFor(config, configKeys(host));
  if (helper !== undefined) return `docker-credential-${helper} (credHelpers)`;
  if (typeof config?.credsStore === 'string' && config.credsStore !== '')
    return `docker-credential-${config.credsStore} (credsStore) or auths`;
  return 'the docker config (auths)';
}

export interface IdentityOptions {
  env?: NodeJS.ProcessEnv;
  /** The `registry-token` input: a token or password for registries the docker config has nothing for. */
  token?: string | null;
  runHelper?: CredentialHelperRunner;
}

/**
 * The ways to log in to `host`, in the order they are tried after anonymous access: the
 * docker config's credentials, then the token input (sent as the password of `$GITHUB_ACTOR`,
 * which is what ghcr.io and most token-based registries accept).
 */
export function registryIdentities(host: string, options: IdentityOptions = {}): RegistryIdentity[] {
  const env = options.env ?? process.env;
  let label = 'the docker config';
  const identities: RegistryIdentity[] = [
    {
      get label() {
        return label;
      },
      async credentials() {
        label = await describeDockerCredentials(host, env);
        return readDockerCredentials(host, env, options.runHelper);
      },
    },
  ];
  const token = options.token;
  if (typeof token === 'string' && token !== '') {
    identities.push({
      label: 'the registry-token input',
      credentials: () => Promise.resolve({ username: env.GITHUB_ACTOR || 'image-budget', password: token }),
    });
  }
  return identities;
}
