/**
 * A small client for the registry HTTP API v2: anonymous first, then each login it is given
 * (Basic, or a Bearer token from the challenge's realm), and blobs read with HTTP Range
 * requests so sizes come from a few bytes per layer instead of a pull. Every byte received is
 * counted, which is how tests prove nothing was pulled. Credentials and tokens never reach a
 * message: errors name where the credentials came from, never what they are.
 */
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BlobReader } from '../measure/types.js';
import type { Credentials, ImageRef, RegistryIdentity } from './registry-ref.js';

export interface RegistryStats {
  /** Response body bytes received, all requests included (tokens, manifests, blobs). */
  bytesDownloaded: number;
  requests: number;
}

export interface RegistryClientOptions {
  fetch?: typeof fetch;
  /** One login (kept for callers that have read it already); `identities` take precedence. */
  credentials?: Credentials | null;
  /** Logins tried in order after anonymous access is refused (see registryIdentities). */
  identities?: RegistryIdentity[];
  stats?: RegistryStats;
  /** Pause before the n-th retry of a 5xx or a network error; defaults to RETRY_DELAYS_MS. */
  retryDelaysMs?: readonly number[];
}

/** A registry answer that is not what was asked for, with its HTTP status for callers. */
export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    /** The registry's own word (`MANIFEST_UNKNOWN: manifest unknown`), when it said one. */
    readonly detail = '',
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

/** A 5xx or a dropped connection is retried this many times, after these pauses. */
export const RETRY_DELAYS_MS: readonly number[] = [250, 1000];

/** How image-budget names itself to token servers (OAuth2 `client_id`). */
const OAUTH_CLIENT_ID = 'image-budget';

/** Manifests and configs are small; anything bigger is not one. */
const MAX_JSON_BYTES = 8 * 1024 * 1024;

export class RegistryClient {
  readonly stats: RegistryStats;
  private readonly fetchImpl: typeof fetch;
  private readonly identities: RegistryIdentity[];
  private readonly retryDelaysMs: readonly number[];
  private authorization: string | null = null;
  /** The next login to try; anonymous Bearer (`-1`) comes first for token registries. */
  private nextIdentity = -1;
  /** Labels of the logins the registry refused, for the 401 message. */
  private readonly refused: string[] = [];
  private current = 'anonymous access';
  /** Attempts the last answer took, for the message of a 5xx that retries did not cure. */
  private attemptsOfLast = 1;

  constructor(
    readonly ref: ImageRef,
    options: RegistryClientOptions = {},
  ) {
    this.fetchImpl = options.fetch ?? fetch;
    const given = options.credentials ?? null;
    this.identities =
      options.identities ?? (given === null ? [] : [{ label: 'the docker config', credentials: () => Promise.resolve(given) }]);
    this.retryDelaysMs = options.retryDelaysMs ?? RETRY_DELAYS_MS;
    this.stats = options.stats ?? { bytesDownloaded: 0, requests: 0 };
  }

  get baseUrl(): string {
    return `${this.ref.scheme}://${this.ref.host}/v2/${this.ref.repository}`;
  }

  /**
   * GET with auth: on a 401 challenge, tries the next login (anonymous Bearer token first,
   * then each identity) until one is accepted or none is left; the last answer is returned.
   */
  async get(url: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
    let response = await this.send(url, headers, signal);
    while (response.status === 401) {
      const challenge = response.headers.get('www-authenticate');
      const next = await this.nextAuthorization(challenge, url);
      if (next === null) break;
      await response.body?.cancel();
      this.authorization = next;
      response = await this.send(url, headers, signal);
    }
    return response;
  }

  /** A clear message for an answer that is not 2xx: what was refused and what to do about it. */
  async describeFailure(url: string, response: Response): Promise<RegistryError> {
    const text = (await readLimited(response, 4096, this.stats)).toString('utf8');
    const detail = registryErrorDetail(text);
    const what = `${this.ref.host}/${this.ref.repository}`;
    const status = `GET ${url}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    let message: string;
    if (response.status === 401) {
      const tried = this.refused.length > 0 ? `refused ${this.refused.join(', ')}` : 'no credentials were found for it';
      message = `${status}: the registry asks for a login and ${tried} (docker login, a credential helper in the docker config, or the registry-token input)`;
    } else if (response.status === 403) {
      message = `${status}: ${this.current} may not pull ${what}`;
    } else if (response.status >= 500 && this.attemptsOfLast > 1) {
      message = `${status} after ${this.attemptsOfLast} attempts`;
    } else {
      message = status;
    }
    return new RegistryError(detail ? `${message}: ${detail}` : message, response.status, detail);
  }
  /** Reads a JSON document (manifest, config), refusing bodies over the limit. */
  async getJson(url: string, headers: Record<string, string> = {}): Promise<{ body: Buffer; json: unknown; response: Response }> {
    const response = await this.get(url, headers);
    if (!response.ok) throw await this.describeFailure(url, response);
    const body = await readLimited(response, MAX_JSON_BYTES + 1, this.stats);
    if (body.length > MAX_JSON_BYTES) throw new Error(`GET ${url}: response is over ${MAX_JSON_BYTES} bytes, not a manifest or config`);
    try {
      return { body, json: JSON.parse(body.toString('utf8')), response };
    } catch (error) {
      throw new Error(`GET ${url}: response is not JSON (${(error as Error).message})`);
    }
  }

  /** A blob as a BlobReader: `read` uses Range requests, `stream` the whole blob. */
  openBlob(digest: string, size: number): BlobReader {
    const url = `${this.baseUrl}/blobs/${digest}`;
    return {
      digest,
      size,
      read: (offset, length) => this.readRange(url, size, offset, length),
      stream: () => this.streamBlob(url),
    };
  }

  private async readRange(url: string, size: number, offset: number, length: number): Promise<Buffer> {
    const end = Math.min(size, offset + length);
    if (offset < 0 || length <= 0 || offset >= end) return Buffer.alloc(0);
    const controller = new AbortController();
    const response = await this.get(url, { Range: `bytes=${offset}-${end - 1}` }, controller.signal);
    if (response.status === 206) {
      const contentRange = response.headers.get('content-range');
      const start = contentRange === null ? offset : Number(/bytes (\d+)-/.exec(contentRange)?.[1]);
      if (start !== offset) {
        controller.abort();
        throw new Error(`GET ${url}: asked for bytes from ${offset}, got Content-Range ${contentRange}`);
      }
      return readLimited(response, end - offset, this.stats, controller);
    }
    if (response.status === 200) {
      // The server ignored Range: skip to the offset, take what we need, hang up.
      const upTo = await readLimited(response, end, this.stats, controller);
      return upTo.subarray(offset, end);
    }
    const failure = await this.describeFailure(url, response);
    controller.abort();
    throw failure;
  }

  private streamBlob(url: string): NodeJS.ReadableStream {
    const out = new PassThrough();
    void (async () => {
      const response = await this.get(url);
      if (!response.ok) throw await this.describeFailure(url, response);
      if (response.body === null) throw new RegistryError(`GET ${url}: empty response`, response.status);
      const reader = response.body.getReader();
      for (;;) {
        const value = await nextChunk(reader, url);
        if (value === null) break;
        this.stats.bytesDownloaded += value.byteLength;
        if (!out.write(value)) await new Promise((resolve) => out.once('drain', resolve));
        if (out.destroyed) {
          await reader.cancel();
          return;
        }
      }
      out.end();
    })().catch((error: unknown) => out.destroy(error instanceof Error ? error : new Error(String(error))));
    return out;
  }

  /** One request, retried after a 5xx or a network error (bounded by retryDelaysMs). */
  private async send(
    url: string | URL,
    headers: Record<string, string>,
    signal?: AbortSignal,
    authorization = this.authorization,
    form?: URLSearchParams,
  ): Promise<Response> {
    const all = authorization === null ? headers : { ...headers, Authorization: authorization };
    const post = form === undefined ? {} : { method: 'POST', body: form };
    for (let attempt = 0; ; attempt++) {
      this.stats.requests++;
      const delay = this.retryDelaysMs[attempt];
      let response: Response;
      try {
        // Redirects (blob storage, CDNs) are followed; fetch drops Authorization across origins.
        response = await this.fetchImpl(url, { headers: all, signal, redirect: 'follow', ...post });
      } catch (error) {
        if (delay !== undefined && !signal?.aborted) {
          await sleep(delay);
          continue;
        }
        const cause = (error as { cause?: { message?: string } }).cause?.message;
        const tries = attempt > 0 ? ` (${attempt + 1} attempts)` : '';
        throw new RegistryError(`GET ${String(url)}: ${(error as Error).message}${cause ? ` (${cause})` : ''}${tries}`, null);
      }
      if (response.status < 500 || delay === undefined) {
        this.attemptsOfLast = attempt + 1;
        return response;
      }
      await response.body?.cancel();
      await sleep(delay);
    }
  }

  /** The Authorization header of the next login to try, or null when none is left. */
  private async nextAuthorization(challenge: string | null, url: string): Promise<string | null> {
    const parsed = parseChallenge(challenge);
    if (parsed?.scheme !== 'basic' && (parsed?.scheme !== 'bearer' || parsed.params.realm === undefined)) {
      throw new RegistryError(`GET ${url}: HTTP 401 with an unsupported challenge: ${challenge ?? '(no WWW-Authenticate header)'}`, 401);
    }
    if (this.authorization !== null || this.nextIdentity >= 0) this.refused.push(this.current);
    // Basic has no anonymous form: the request just made was it.
    if (this.nextIdentity < 0 && parsed.scheme === 'basic') this.nextIdentity = 0;
    while (this.nextIdentity < this.identities.length) {
      const index = this.nextIdentity++;
      const identity = index < 0 ? null : (this.identities[index] ?? null);
      const credentials = identity === null ? null : await identity.credentials();
      if (identity !== null && credentials === null) continue;
      this.current = identity === null ? 'anonymous access' : identity.label;
      if (credentials !== null && 'identityToken' in credentials) {
        if (parsed.scheme === 'basic') {
          this.refused.push(`${this.current} (an identity token, which only a token server takes)`);
          continue;
        }
        const token = await this.exchangeIdentityToken(parsed.params, credentials.identityToken);
        if (token !== null) return `Bearer ${token}`;
        this.refused.push(this.current);
        continue;
      }
      const basic =
        credentials === null ? null : `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
      if (parsed.scheme === 'basic') return basic;
      const token = await this.requestToken(parsed.params, basic);
      if (token !== null) return `Bearer ${token}`;
      this.refused.push(this.current);
    }
    return null;
  }

  /**
   * An identity token exchanged for a Bearer token, as the distribution spec's OAuth2 flow
   * has it: a form POST to the realm with grant_type=refresh_token. Null when refused.
   */
  private async exchangeIdentityToken(params: Record<string, string>, identityToken: string): Promise<string | null> {
    if (params.realm === undefined) throw new RegistryError('a bearer challenge without a realm', 401);
    const tokenUrl = new URL(params.realm);
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: identityToken,
      client_id: OAUTH_CLIENT_ID,
      scope: params.scope ?? `repository:${this.ref.repository}:pull`,
    });
    if (params.service !== undefined) form.set('service', params.service);
    const where = `token request to ${tokenUrl.origin}${tokenUrl.pathname}`;
    const response = await this.send(tokenUrl, { 'Content-Type': 'application/x-www-form-urlencoded' }, undefined, null, form);
    const body = await readLimited(response, 256 * 1024, this.stats);
    // An OAuth2 error (invalid_grant) is a 400; 401 and 403 refuse too.
    if ([400, 401, 403].includes(response.status)) return null;
    if (response.status === 404 || response.status === 405) {
      throw new RegistryError(
        `${where}: HTTP ${response.status}: the token server does not take identity tokens (OAuth2 POST)`,
        response.status,
      );
    }
    return tokenFrom(response, body, where);
  }

  /** A Bearer token from the challenge's realm; null when the realm refuses this login. */
  private async requestToken(params: Record<string, string>, basic: string | null): Promise<string | null> {
    if (params.realm === undefined) throw new RegistryError('a bearer challenge without a realm', 401);
    const tokenUrl = new URL(params.realm);
    if (params.service !== undefined) tokenUrl.searchParams.set('service', params.service);
    tokenUrl.searchParams.set('scope', params.scope ?? `repository:${this.ref.repository}:pull`);
    const where = `token request to ${tokenUrl.origin}${tokenUrl.pathname}`;
    const response = await this.send(tokenUrl, {}, undefined, basic);
    const body = await readLimited(response, 256 * 1024, this.stats);
    if (response.status === 401 || response.status === 403) return null;
    return tokenFrom(response, body, where);
  }
}

/** The token of a token server's answer (`token`, or OAuth2's `access_token`). */
function tokenFrom(response: Response, body: Buffer, where: string): string {
  if (!response.ok) throw new RegistryError(`${where}: HTTP ${response.status}`, response.status);
  let json: { token?: unknown; access_token?: unknown };
  try {
    json = JSON.parse(body.toString('utf8')) as typeof json;
  } catch {
    throw new RegistryError(`${where}: the answer is not JSON`, response.status);
  }
  const token = typeof json.token === 'string' ? json.token : json.access_token;
  if (typeof token !== 'string' || token === '') throw new RegistryError(`${where}: no token in the response`, response.status);
  return token;
}

/** The first `errors[]` entry of a registry's JSON error body (`MANIFEST_UNKNOWN: manifest unknown`). */
export function registryErrorDetail(body: string): string {
  try {
    const parsed = JSON.parse(body) as { errors?: { code?: unknown; message?: unknown }[] };
    const first = parsed.errors?.[0];
    if (first === undefined) return '';
    return [first.code, first.message].filter((part) => typeof part === 'string' && part !== '').join(': ');
  } catch {
    // Not JSON: a proxy's HTML page is no help in a one-line message.
    return body.trim().length > 0 && body.trim().length <= 200 && !body.includes('<') ? body.trim() : '';
  }
}

/** `Bearer realm="https://auth.docker.io/token",service="registry.docker.io"` → parts. */
export function parseChallenge(header: string | null): { scheme: string; params: Record<string, string> } | null {
  if (header === null) return null;
  const match = /^\s*(\w+)\s*(.*)$/.exec(header);
  if (match === null) return null;
  const params: Record<string, string> = {};
  for (const part of (match[2] ?? '').matchAll(/(\w+)\s*=\s*(?:"([^"]*)"|([^,\s]*))/g)) {
    params[(part[1] ?? '').toLowerCase()] = part[2] ?? part[3] ?? '';
  }
  return { scheme: (match[1] ?? '').toLowerCase(), params };
}

/** The next piece of a response body, or null at its end. */
async function nextChunk(reader: ReadableStreamDefaultReader<unknown>, url: string): Promise<Uint8Array | null> {
  const { done, value } = await reader.read();
  if (done) return null;
  if (!(value instanceof Uint8Array)) throw new RegistryError(`GET ${url}: the response body is not bytes`, null);
  return value;
}

/** Reads at most `limit` bytes of a body, counting them, and hangs up on the rest. */
async function readLimited(response: Response, limit: number, stats: RegistryStats, controller?: AbortController): Promise<Buffer> {
  if (response.body === null) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    while (total < limit) {
      const value = await nextChunk(reader, response.url);
      if (value === null) return Buffer.concat(chunks, total);
      stats.bytesDownloaded += value.byteLength;
      chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      total += value.byteLength;
    }
    await reader.cancel().catch(() => undefined);
    controller?.abort();
    return Buffer.concat(chunks, total).subarray(0, limit);
  } catch (error) {
    controller?.abort();
    throw error;
  }
}
