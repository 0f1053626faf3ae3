/**
 * Images built the way teams build them, outside image-budget: plain `docker buildx build`
 * pushed to the local registry, exported as OCI layouts (directory and tar), and loaded into
 * the docker image store. FROM scratch + COPY, so arm64 builds without emulation.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReportEntry } from '../../../src/types.js';

const exec = promisify(execFile);

export const REPO = 'ib-given';
export const DOCKERFILE = 'FROM scratch\nCOPY random.bin /random.bin\nCOPY text.txt /data/text.txt\nCOPY stamp /stamp\nENV A=1\n';
export const PLATFORMS = ['linux/amd64', 'linux/arm64'];

export async function run(command: string, args: string[], cwd?: string, env?: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await exec(command, args, { cwd, env: env ?? process.env, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** A build context with a Dockerfile whose layers are a few MB, different per tag. */
export async function writeContext(dir: string, tag: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'random.bin'), randomBytes(1_500_000));
  await writeFile(path.join(dir, 'text.txt'), 'image budget keeps images small\n'.repeat(60_000));
  await writeFile(path.join(dir, 'stamp'), tag);
  await writeFile(path.join(dir, 'Dockerfile'), DOCKERFILE);
}

export interface Pushed {
  tag: string;
  /** The index digest buildx reported (`--metadata-file`). */
  digest: string;
  /** buildx's metadata file, as build-push-action outputs it. */
  metadata: string;
}

/** `docker buildx build --push` on the current builder, provenance on (attestations in the index). */
export async function pushImage(context: string, ref: string): Promise<Pushed> {
  const metadataFile = path.join(context, 'metadata.json');
  const push = () =>
    run(
      'docker',
      [
        'buildx',
        'build',
        '--quiet',
        '--platform',
        PLATFORMS.join(','),
        '--provenance=mode=min',
        '--push',
        '--metadata-file',
        metadataFile,
        '-t',
        ref,
        '.',
      ],
      context,
    );
  // The local registry (distribution 2.8) can answer 500 to a HEAD of a tag while the same
  // multi-platform push PUTs a platform manifest under it: a race of the fixture's registry, not
  // of what is tested. The push is tried once more.
  await push().catch((error: unknown) => {
    if (/500 Internal Server Error/.test(String(error))) return push();
    throw error;
  });
  const metadata = await readFile(metadataFile, 'utf8');
  const digest = (JSON.parse(metadata) as Record<string, string>)['containerimage.digest']!;
  return { tag: ref, digest, metadata };
}

/** The same build exported as an OCI layout (`tar: false` for a directory). */
export async function exportLayout(context: string, dest: string, tar: boolean): Promise<void> {
  await run(
    'docker',
    [
      'buildx',
      'build',
      '--quiet',
      '--platform',
      PLATFORMS.join(','),
      '--provenance=mode=min',
      '--output',
      `type=oci,dest=${dest},tar=${tar}`,
      '.',
    ],
    context,
  );
}

/** What a report entry says about sizes and layers, for comparing two ways of measuring. */
export function sizesOf(entry: ReportEntry | undefined) {
  if (entry === undefined) throw new Error('no such entry');
  return {
    platform: entry.platform,
    status: entry.status,
    compressedBytes: entry.compressedBytes,
    uncompressedBytes: entry.uncompressedBytes,
    layerCount: entry.layerCount,
    layers: entry.layers.map((l) => ({
      digest: l.digest,
      compressed: l.compressedBytes,
      uncompressed: l.uncompressedBytes,
      dockerfile: l.dockerfile,
    })),
  };
}

export function uniqueTag(): string {
  return `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

export interface CountingProxy {
  host: string;
  /** Whole-blob GETs (no Range) by digest: what a layer download costs. */
  fullBlobGets: Map<string, number>;
  rangeGets: number;
  bytesServed: number;
  close(): Promise<void>;
}

/** A plain HTTP front for the local registry that counts what it serves, per blob. */
export async function startCountingProxy(): Promise<CountingProxy> {
  const counts: CountingProxy = { host: '', fullBlobGets: new Map(), rangeGets: 0, bytesServed: 0, close: () => Promise.resolve() };
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const blob = /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url)?.[1];
    if (blob !== undefined && req.headers.range === undefined) counts.fullBlobGets.set(blob, (counts.fullBlobGets.get(blob) ?? 0) + 1);
    if (req.headers.range !== undefined) counts.rangeGets++;
    const headers: http.OutgoingHttpHeaders = {
      accept: req.headers.accept ?? '*/*',
      ...(req.headers.range ? { range: req.headers.range } : {}),
    };
    const upstream = http.request({ host: '127.0.0.1', port: 5000, path: url, method: req.method, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.on('data', (chunk: Buffer) => (counts.bytesServed += chunk.length));
      up.pipe(res);
    });
    res.on('close', () => upstream.destroy());
    upstream.on('error', () => res.destroy());
    upstream.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  counts.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  counts.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => {
        resolve();
      });
    });
  return counts;
}
