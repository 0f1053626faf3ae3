/**
 * A small client for the registry HTTP API v2: anonymous or Basic token auth, and blobs read
 * with HTTP Range requests so sizes come from a few bytes per layer instead of a pull. Every
 * byte received is counted, which is how tests prove nothing was pulled.
 */
import { PassThrough } from 'node:stream';
import type { BlobReader } from '../measure/types.js';
import type { Credentials, ImageRef } from './registry-ref.js';

export interface RegistryStats {
  /** Response body bytes received, all requests included (tokens, manifests, blobs). */
  bytesDownloaded: number;
  requests: number;
}

export interface RegistryClientOptions {
  fetch?: typeof fetch;
  credentials?: Credentials | null;
  stats?: RegistryStats;
}

/** Manifests and configs are small; anything bigger is not one. */
const MAX_JSON_BYTES = 8 * 1024 * 1024;

export class RegistryClient {
  readonly stats: RegistryStats;
  private readonly fetchImpl: typeof fetch;
  private readonly credentials: Credentials | null;
  private authorization: string | null = null;

  constructor(
    readonly ref: ImageRef,
    options: RegistryClientOptions = {},
  ) {
    this.fetchImpl = options.fetch ?? fetch;
    this.credentials = options.credentials ?? null;
    this.stats = options.stats ?? { bytesDownloaded: 0, requests: 0 };
  }

  get baseUrl(): string {
    return `${this.ref.scheme}://${this.ref.host}/v2/${this.ref.repository}`;
  }

  /** GET with auth: on a 401 challenge, authenticates once and retries. */
  async get(url: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
    let response = await this.send(url, headers, signal);
    if (response.status === 401 && this.authorization === null) {
      const challenge = response.headers.get('www-authenticate');
      await response.body?.cancel();
      this.authorization = await this.authenticate(challenge, url);
      response = await this.send(url, headers, signal);
    }
    return response;
  }

  /** Reads a JSON document (manifest, config), refusing bodies over the limit. */
  async getJson(url: string, headers: Record<string, string> = {}): Promise<{ body: Buffer; json: unknown; response: Response }> {
    const response = await this.get(url, headers);
    if (!response.ok) {
      const text = (await readLimited(response, 2048, this.stats)).toString('utf8');
      throw new Error(`GET ${url}: HTTP ${response.status} ${response.statusText}${text ? `: ${text.trim()}` : ''}`);
    }
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
    controller.abort();
    throw new Error(`GET ${url} (Range bytes=${offset}-${end - 1}): HTTP ${response.status} ${response.statusText}`);
  }

  private streamBlob(url: string): NodeJS.ReadableStream {
    const out = new PassThrough();
    void (async () => {
      const response = await this.get(url);
      if (!response.ok || response.body === null) throw new Error(`GET ${url}: HTTP ${response.status} ${response.statusText}`);
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
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

  private async send(url: string, headers: Record<string, string>, signal?: AbortSignal): Promise<Response> {
    this.stats.requests++;
    const all = this.authorization === null ? headers : { ...headers, Authorization: this.authorization };
    try {
      // Redirects (blob storage, CDNs) are followed; fetch drops Authorization across origins.
      return await this.fetchImpl(url, { headers: all, signal, redirect: 'follow' });
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message;
      throw new Error(`GET ${url}: ${(error as Error).message}${cause ? ` (${cause})` : ''}`);
    }
  }

  private async authenticate(challenge: string | null, url: string): Promise<string> {
    const parsed = parseChallenge(challenge);
    const basic = this.credentials === null ? null : `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString('base64')}`;
    if (parsed?.scheme === 'basic') {
      if (basic === null) throw new Error(`GET ${url}: the registry asks for a login and ~/.docker/config.json has none for ${this.ref.host}`);
      return basic;
    }
    if (parsed?.scheme !== 'bearer' || parsed.params.realm === undefined) {
      throw new Error(`GET ${url}: HTTP 401 with an unsupported challenge: ${challenge ?? '(no WWW-Authenticate header)'}`);
    }
    const tokenUrl = new URL(parsed.params.realm);
    if (parsed.params.service !== undefined) tokenUrl.searchParams.set('service', parsed.params.service);
    tokenUrl.searchParams.set('scope', parsed.params.scope ?? `repository:${this.ref.repository}:pull`);
    this.stats.requests++;
    const response = await this.fetchImpl(tokenUrl, { headers: basic === null ? {} : { Authorization: basic } });
    const body = await readLimited(response, 256 * 1024, this.stats);
    if (!response.ok) throw new Error(`token request to ${tokenUrl.origin}${tokenUrl.pathname}: HTTP ${response.status}`);
    const json = JSON.parse(body.toString('utf8')) as { token?: unknown; access_token?: unknown };
    const token = typeof json.token === 'string' ? json.token : json.access_token;
    if (typeof token !== 'string' || token === '') throw new Error(`token request to ${tokenUrl.origin}${tokenUrl.pathname}: no token in the response`);
    return `Bearer ${token}`;
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

/** Reads at most `limit` bytes of a body, counting them, and hangs up on the rest. */
async function readLimited(response: Response, limit: number, stats: RegistryStats, controller?: AbortController): Promise<Buffer> {
  if (response.body === null) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    while (total < limit) {
      const { done, value } = await reader.read();
      if (done) return Buffer.concat(chunks, total);
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
