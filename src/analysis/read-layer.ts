/**
 * Reads one layer blob exactly once, as a stream: decompress (gzip, zstd or none), parse the
 * tar, drain every body without keeping it. Memory stays bounded whatever the layer's size
 * (zstd: see src/compression/zstd-decompress.ts).
 */
import { once } from 'node:events';
import { posix } from 'node:path';
import type { Writable } from 'node:stream';
import * as tar from 'tar-stream';
import { createLayerDecoder } from '../compression/layer-decoder.js';
import { devPackagesOf, hiddenLockfileProject, MAX_LOCKFILE_BYTES } from './package-lock.js';
import type { EntryType, LayerEntry, LayerScan, PackageLockScan } from './types.js';

export type Compression = 'gzip' | 'zstd' | 'none';

/** Big chunks: fewer callbacks per byte on the hot path. */
const CHUNK_BYTES = 1 << 20;

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

/** Compression from the first bytes of the blob; the media type is only a fallback. */
export function detectCompression(head: Uint8Array, mediaType: string): Compression {
  const starts = (magic: number[]) => magic.every((b, i) => head[i] === b);
  if (starts(GZIP_MAGIC)) return 'gzip';
  if (starts(ZSTD_MAGIC)) return 'zstd';
  if (head.length >= GZIP_MAGIC.length + 2) return 'none';
  if (/zstd/.test(mediaType)) return 'zstd';
  if (/gzip/.test(mediaType)) return 'gzip';
  return 'none';
}

/** `./usr/bin/` → `usr/bin`; the root itself → ''. */
export function normalisePath(name: string): string {
  let p = posix.normalize(name);
  while (p.startsWith('/')) p = p.slice(1);
  while (p.endsWith('/')) p = p.slice(0, -1);
  if (p === '.' || p === './') return '';
  if (p.startsWith('./')) p = p.slice(2);
  return p;
}

function toEntryType(type: string | null | undefined): EntryType {
  switch (type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'dir';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    default:
      return 'other';
  }
}

/**
 * Builds the decoder chain that ends in `sink`; returns where compressed bytes go in, and how
 * many decompressed bytes reached the sink (the layer's uncompressed size, once ended).
 */
function openDecoder(
  compression: Compression,
  sink: Writable,
  fail: (err: Error) => void,
): { write(chunk: Buffer): Promise<void>; end(): Promise<void>; decompressedBytes(): number } {
  let decompressed = 0;
  if (compression === 'none') {
    return {
      async write(chunk) {
        decompressed += chunk.length;
        if (!sink.write(chunk)) await once(sink, 'drain');
      },
      end() {
        sink.end();
        return Promise.resolve();
      },
      decompressedBytes: () => decompressed,
    };
  }
  // Both decoders stop producing while the tar parser is behind: memory stays bounded.
  const decoder = createLayerDecoder(compression, { chunkSize: CHUNK_BYTES });
  decoder.on('error', fail);
  // A tar error unpipes the decoder: destroy it so a pending 'drain' rejects instead of hanging.
  sink.on('error', (err: Error) => {
    decoder.destroy(err);
  });
  decoder.on('data', (chunk: Buffer) => {
    decompressed += chunk.length;
  });
  decoder.pipe(sink);
  return {
    async write(chunk) {
      if (!decoder.write(chunk)) await once(decoder, 'drain');
    },
    end() {
      decoder.end();
      return Promise.resolve();
    },
    decompressedBytes: () => decompressed,
  };
}

/**
 * A header as tar-stream decodes it: its declared type promises more than a header may hold
 * (no link name decodes to null, and so does a malformed base-256 number).
 */
interface DecodedHeader {
  name: string;
  type: tar.Header['type'] | null;
  size: number | null;
  mode: number | null;
  uid: number | null;
  linkname: string | null;
}

/** The few small files whose content the analysis reads; every other body is drained. */
export interface BodyCapture {
  wants(entry: LayerEntry): boolean;
  onBody(entry: LayerEntry, body: Buffer): void;
}

/**
 * Streams the layer and calls `onEntry` for each tar entry (root entries skipped), and
 * `capture.onBody` with the content of the entries it wants. Resolves to the layer's
 * uncompressed size (every decompressed byte, tar padding included). Rejects with an error
 * naming the layer when the blob is not a valid (compressed) tar.
 */
export async function readLayer(
  source: NodeJS.ReadableStream,
  opts: { mediaType: string; digest: string },
  onEntry: (entry: LayerEntry) => void,
  capture?: BodyCapture,
): Promise<number> {
  const extract = tar.extract();
  let failure = null as Error | null;
  const fail = (err: Error) => {
    failure ??= err;
    extract.destroy(err);
  };
  const finished = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header: DecodedHeader, body, next) => {
      const path = normalisePath(header.name);
      if (path !== '') {
        const type = toEntryType(header.type);
        const entry: LayerEntry = {
          path,
          type,
          size: type === 'file' ? (header.size ?? 0) : 0,
          linkTarget: type === 'hardlink' ? normalisePath(header.linkname ?? '') : type === 'symlink' ? (header.linkname ?? '') : null,
          mode: header.mode ?? 0,
          uid: header.uid ?? 0,
        };
        onEntry(entry);
        if (type === 'file' && capture?.wants(entry)) {
          const chunks: Uint8Array[] = [];
          body.on('data', (chunk: unknown) => {
            if (!(chunk instanceof Uint8Array)) throw new Error(`${opts.digest}: tar entry ${path} streamed no bytes`);
            chunks.push(chunk);
          });
          body.on('end', () => {
            capture.onBody(entry, Buffer.concat(chunks));
          });
        }
      }
      body.on('end', () => {
        next();
      });
      // A truncated tar destroys the open entry too; the extract's own error reports it.
      body.on('error', () => undefined);
      body.resume();
    });
    extract.on('finish', () => {
      resolve();
    });
    extract.on('error', (err: Error) => {
      reject(err);
    });
  });
  // Unhandled until awaited below; keep Node from flagging it meanwhile.
  finished.catch(() => undefined);

  let decoder: ReturnType<typeof openDecoder> | null = null;
  try {
    for await (const raw of source as AsyncIterable<Buffer | string>) {
      if (failure) break;
      const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
      if (chunk.length === 0) continue;
      decoder ??= openDecoder(detectCompression(chunk, opts.mediaType), extract as unknown as Writable, fail);
      await decoder.write(chunk);
    }
    decoder ??= openDecoder('none', extract as unknown as Writable, fail);
    if (!failure) await decoder.end();
    await finished;
  } catch (err) {
    throw notATar(opts, failure ?? (err as Error));
  }
  if (failure) throw notATar(opts, failure);
  return decoder.decompressedBytes();
}

function notATar(layer: { mediaType: string; digest: string }, cause: Error): Error {
  return new Error(`layer ${layer.digest} (${layer.mediaType}): cannot read as a tar stream: ${cause.message}`, { cause });
}

/** Reads a layer into its entry list, with the dev packages of any npm hidden lockfile in it. */
export async function scanLayer(
  source: NodeJS.ReadableStream,
  opts: { mediaType: string; digest: string },
): Promise<LayerScan & { uncompressedBytes: number }> {
  const entries: LayerEntry[] = [];
  const packageLocks: PackageLockScan[] = [];
  const uncompressedBytes = await readLayer(source, opts, (e) => entries.push(e), {
    wants: (e) => e.size <= MAX_LOCKFILE_BYTES && hiddenLockfileProject(e.path) !== null,
    onBody: (e, body) => packageLocks.push({ path: e.path, devPackages: devPackagesOf(body.toString('utf8')) }),
  });
  return { digest: opts.digest, entries, ...(packageLocks.length > 0 ? { packageLocks } : {}), uncompressedBytes };
}
