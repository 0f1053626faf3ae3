/**
 * A local stand-in for the GitHub Actions cache service v2, as BuildKit's `type=gha` cache talks
 * to it (go-actions-cache): the Twirp `github.actions.results.api.v1.CacheService` API under
 * ACTIONS_RESULTS_URL (CreateCacheEntry, FinalizeCacheEntryUpload, GetCacheEntryDownloadURL, JSON),
 * with the blobs themselves in Azure Blob Storage served by Microsoft's emulator Azurite, reached
 * through SAS URLs as on GitHub. Everything listens on 127.0.0.1; the builder runs in the host
 * network, so those URLs reach it. Entries are looked up as the service does: the exact key, else
 * the newest entry starting with one of the restore keys. `failWrites` makes the service answer
 * CreateCacheEntry and FinalizeCacheEntryUpload with HTTP errors, to test a cache outage.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { BlobSASPermissions, BlobServiceClient, generateBlobSASQueryParameters, StorageSharedKeyCredential } from '@azure/storage-blob';

/** Azurite's well-known development account (public, documented: not a secret). */
const ACCOUNT = 'devstoreaccount1';
const ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const CONTAINER = 'actions-cache';
const SERVICE = '/twirp/github.actions.results.api.v1.CacheService/';

export interface CacheEntry {
  key: string;
  version: string;
  blob: string;
  finalized: boolean;
  sizeBytes: number;
  id: number;
}

export interface FakeActionsCache {
  /** ACTIONS_RESULTS_URL (with its trailing slash, as the runner sets it). */
  resultsUrl: string;
  /** ACTIONS_RUNTIME_TOKEN: a JWT whose `ac` claim grants read and write on one scope, as the runner's does. */
  token: string;
  /** The environment a runner gives a job step for the cache. */
  env: Record<string, string>;
  entries(): CacheEntry[];
  /** Every Twirp call, in order: `CreateCacheEntry buildkit-blob-1-sha256:…`. */
  calls: string[];
  /** Answer writes with these statuses from now on, one per write, the last one again and again (null: normally). */
  failWrites(statuses: number[] | null): void;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return port;
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** A runtime token as go-actions-cache reads it (unverified): `ac` scopes, `nbf`, `exp`. */
function runtimeToken(scope: string): string {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const claims = base64url(JSON.stringify({ ac: JSON.stringify([{ Scope: scope, Permission: 3 }]), nbf: now - 60, exp: now + 3600 }));
  const signature = createHmac('sha256', 'fake-actions-cache').update(`${header}.${claims}`).digest('base64url');
  return `${header}.${claims}.${signature}`;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  return body;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function startAzurite(dir: string): Promise<{ process: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(
    path.resolve('node_modules/.bin/azurite-blob'),
    ['--blobHost', '127.0.0.1', '--blobPort', String(port), '--location', dir, '--skipApiVersionCheck', '--disableTelemetry', '--silent'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const url = `http://127.0.0.1:${port}/${ACCOUNT}`;
  // Up within a bounded time, or the fixture fails saying why.
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`azurite-blob exited ${child.exitCode}: ${output}`);
    const up = await fetch(`${url}?comp=list`).then(
      (r) => r.status > 0,
      () => false,
    );
    if (up) return { process: child, url };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  throw new Error(`azurite-blob did not listen on 127.0.0.1:${port}: ${output}`);
}

export async function startFakeActionsCache(options: { scope?: string } = {}): Promise<FakeActionsCache> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ib-azurite-'));
  const azurite = await startAzurite(dir);
  const credential = new StorageSharedKeyCredential(ACCOUNT, ACCOUNT_KEY);
  const container = new BlobServiceClient(azurite.url, credential).getContainerClient(CONTAINER);
  await container.create();

  const token = runtimeToken(options.scope ?? 'refs/heads/main');
  const entries = new Map<string, CacheEntry>();
  const calls: string[] = [];
  let failStatuses: number[] | null = null;
  let nextId = 1;

  const sasUrl = (blob: string, permissions: string) => {
    const sas = generateBlobSASQueryParameters(
      {
        containerName: CONTAINER,
        blobName: blob,
        permissions: BlobSASPermissions.parse(permissions),
        expiresOn: new Date(Date.now() + 3600_000),
      },
      credential,
    );
    return `${azurite.url}/${CONTAINER}/${blob}?${sas.toString()}`;
  };

  const lookup = (key: string, restoreKeys: string[], version: string): CacheEntry | null => {
    const done = [...entries.values()].filter((e) => e.finalized && e.version === version);
    const exact = done.find((e) => e.key === key);
    if (exact) return exact;
    for (const prefix of restoreKeys) {
      const newest = done.filter((e) => e.key.startsWith(prefix)).sort((a, b) => b.id - a.id)[0];
      if (newest) return newest;
    }
    return null;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = req.url?.startsWith(SERVICE) ? req.url.slice(SERVICE.length) : null;
    if (req.method !== 'POST' || !method) {
      reply(res, 404, { code: 'bad_route', msg: `no route ${req.method} ${req.url}` });
      return;
    }
    if (req.headers.authorization !== `Bearer ${token}`) {
      reply(res, 401, { code: 'unauthenticated', msg: 'bad token' });
      return;
    }
    const body = JSON.parse(await readBody(req)) as { key: string; version: string; restore_keys?: string[]; size_bytes?: number | string };
    calls.push(`${method} ${body.key}`);
    const write = method === 'CreateCacheEntry' || method === 'FinalizeCacheEntryUpload';
    if (write && failStatuses && failStatuses.length > 0) {
      const status = failStatuses.length > 1 ? failStatuses.shift()! : failStatuses[0]!;
      reply(res, status, { code: status === 429 ? 'resource_exhausted' : 'internal', msg: 'the cache service is having a moment' });
      return;
    }
    if (method === 'CreateCacheEntry') {
      const existing = entries.get(body.key);
      if (existing?.finalized) {
        reply(res, 409, { code: 'already_exists', msg: `cache entry ${body.key} exists` });
        return;
      }
      const blob = createHash('sha256').update(body.key).digest('hex');
      entries.set(body.key, { key: body.key, version: body.version, blob, finalized: false, sizeBytes: 0, id: nextId++ });
      reply(res, 200, { ok: true, signed_upload_url: sasUrl(blob, 'cw') });
      return;
    }
    if (method === 'FinalizeCacheEntryUpload') {
      const entry = entries.get(body.key);
      if (!entry || entry.version !== body.version) {
        reply(res, 404, { code: 'not_found', msg: `no cache entry ${body.key}` });
        return;
      }
      const properties = await container.getBlobClient(entry.blob).getProperties();
      if (properties.contentLength !== Number(body.size_bytes)) {
        reply(res, 400, {
          code: 'invalid_argument',
          msg: `uploaded ${properties.contentLength} bytes, finalized with ${body.size_bytes}`,
        });
        return;
      }
      Object.assign(entry, { finalized: true, sizeBytes: Number(body.size_bytes) });
      reply(res, 200, { ok: true, entry_id: String(entry.id) });
      return;
    }
    if (method === 'GetCacheEntryDownloadURL') {
      const entry = lookup(body.key, body.restore_keys ?? [], body.version);
      if (!entry) {
        reply(res, 200, { ok: false, signed_download_url: '', matched_key: '' });
        return;
      }
      reply(res, 200, { ok: true, signed_download_url: sasUrl(entry.blob, 'r'), matched_key: entry.key });
      return;
    }
    reply(res, 404, { code: 'bad_route', msg: `no method ${method}` });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      reply(res, 500, { code: 'internal', msg: String(error) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const resultsUrl = `http://127.0.0.1:${port}/`;

  return {
    resultsUrl,
    token,
    env: { ACTIONS_RUNTIME_TOKEN: token, ACTIONS_RESULTS_URL: resultsUrl, ACTIONS_CACHE_SERVICE_V2: 'true' },
    entries: () => [...entries.values()],
    calls,
    failWrites: (statuses) => (failStatuses = statuses ? [...statuses] : null),
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
      azurite.process.kill();
      await new Promise((resolve) => {
        if (azurite.process.exitCode !== null) resolve(null);
        else azurite.process.once('exit', resolve);
      });
      await rm(dir, { recursive: true, force: true });
    },
  };
}
