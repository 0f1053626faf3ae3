/** Synthetic layers built in memory with tar-stream, and a BlobReader that counts its reads. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import type { BlobReader } from '../../../src/measure/types.js';
import type { AnalysisLayerInput } from '../../../src/analysis/types.js';

export interface FakeEntry {
  path: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'fifo';
  size?: number;
  linkname?: string;
  mode?: number;
  uid?: number;
  /** The body of a file (its size then comes from it); filler bytes otherwise. */
  content?: string;
}

export const file = (path: string, size: number): FakeEntry => ({ path, size });
export const textFile = (path: string, content: string): FakeEntry => ({ path, content });
export const dir = (path: string): FakeEntry => ({ path, type: 'directory' });
export const whiteout = (path: string): FakeEntry => {
  const slash = path.lastIndexOf('/');
  return { path: `${path.slice(0, slash + 1)}.wh.${path.slice(slash + 1)}`, size: 0 };
};
export const opaque = (dirPath: string): FakeEntry => ({ path: `${dirPath}/.wh..wh..opq`, size: 0 });
export const symlink = (path: string, target: string): FakeEntry => ({ path, type: 'symlink', linkname: target });
export const hardlink = (path: string, target: string): FakeEntry => ({ path, type: 'link', linkname: target });

export async function makeTar(entries: FakeEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c);
  })();
  for (const e of entries) {
    const type = e.type ?? 'file';
    const body = type === 'file' ? (e.content !== undefined ? Buffer.from(e.content) : Buffer.alloc(e.size ?? 0, 0x61)) : undefined;
    const header = {
      name: e.path,
      type,
      mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
      mtime: new Date(0), // same entries, same bytes, same digest (the cache tests rely on it)
      uid: e.uid ?? 0,
      ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
      ...(type === 'file' ? { size: body!.length } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      pack.entry(header, body ?? Buffer.alloc(0), (err) => {
        if (err) reject(err);
        else resolve();
      });
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export async function makeLayer(entries: FakeEntry[], compression: 'gzip' | 'zstd' | 'none' = 'gzip'): Promise<Buffer> {
  const raw = await makeTar(entries);
  if (compression === 'gzip') return gzipSync(raw);
  if (compression === 'zstd') return execFileSync('zstd', ['-q', '-c', '-'], { input: raw });
  return raw;
}

export function digestOf(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export interface CountingBlob extends BlobReader {
  streams: number;
}

export function blobOf(bytes: Buffer, chunk = 64 * 1024): CountingBlob {
  const blob: CountingBlob = {
    digest: digestOf(bytes),
    size: bytes.length,
    streams: 0,
    async read(offset, length) {
      return bytes.subarray(offset, offset + length);
    },
    stream() {
      blob.streams++;
      const parts: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += chunk) parts.push(bytes.subarray(i, i + chunk));
      return Readable.from(parts);
    },
  };
  return blob;
}

/** Layers as analyzeImage takes them, Dockerfile line i+1 for layer i unless given. */
export async function layersOf(
  layers: FakeEntry[][],
  lines: (number | null)[] = [],
  path = 'Dockerfile',
): Promise<(AnalysisLayerInput & { blob: CountingBlob })[]> {
  const out: (AnalysisLayerInput & { blob: CountingBlob })[] = [];
  for (const [i, entries] of layers.entries()) {
    const bytes = await makeLayer(entries);
    const blob = blobOf(bytes);
    const line = lines[i] === undefined ? i + 1 : lines[i];
    out.push({
      blob,
      digest: blob.digest,
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      dockerfile: line === null ? null : { path, line },
      createdBy: null,
    });
  }
  return out;
}
