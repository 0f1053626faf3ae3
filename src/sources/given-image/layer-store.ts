/**
 * Layer blobs of registry images, fetched only as far as they are read: a size read from a gzip
 * trailer or zstd frame headers costs a Range request of a few bytes, and a layer read whole
 * (the layer analysis, a size only decompressing proves) is downloaded once into a directory
 * this run shares, checked against its digest, and read from there by every later reader.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobReader } from '../../measure/types.js';

export class LayerStore {
  /** Digest → the downloaded file, once asked for. */
  private readonly downloads = new Map<string, Promise<string>>();
  /** Digests of the layers downloaded whole, for logs and tests. */
  readonly downloaded = new Set<string>();

  constructor(readonly dir: string) {}

  /** A BlobReader for `remote` that reads ranges remotely until the layer is here whole. */
  reader(remote: BlobReader): BlobReader {
    const here = () => this.downloads.get(remote.digest);
    return {
      digest: remote.digest,
      size: remote.size,
      read: async (offset, length) => {
        const file = here();
        return file === undefined ? remote.read(offset, length) : readRange(await file, offset, length);
      },
      stream: () => {
        const out = new PassThrough({ highWaterMark: 1024 * 1024 });
        this.fetch(remote)
          .then((file) => pipeline(createReadStream(file, { highWaterMark: 1024 * 1024 }), out))
          .catch((error: unknown) => out.destroy(error instanceof Error ? error : new Error(String(error))));
        return out;
      },
    };
  }

  /** The layer as a local file, downloaded on first use and checked against its digest. */
  fetch(remote: BlobReader): Promise<string> {
    let file = this.downloads.get(remote.digest);
    if (file === undefined) {
      file = this.download(remote);
      this.downloads.set(remote.digest, file);
      // A failed download may be tried again by the next reader.
      file.catch(() => this.downloads.delete(remote.digest));
    }
    return file;
  }

  private async download(remote: BlobReader): Promise<string> {
    const [algorithm, hex] = remote.digest.split(':');
    if (algorithm !== 'sha256' || hex === undefined || !/^[0-9a-f]{64}$/.test(hex))
      throw new Error(`layer ${remote.digest}: not a sha256 digest`);
    await mkdir(this.dir, { recursive: true });
    const file = path.join(this.dir, hex);
    const partial = `${file}.partial-${process.pid}-${this.downloads.size}`;
    const hash = createHash('sha256');
    let bytes = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(remote.stream(), count, createWriteStream(partial));
      const actual = `sha256:${hash.digest('hex')}`;
      if (actual !== remote.digest || bytes !== remote.size) {
        throw new Error(`layer ${remote.digest}: downloaded ${bytes} bytes with digest ${actual}, the manifest says ${remote.size} bytes`);
      }
      await rename(partial, file);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    this.downloaded.add(remote.digest);
    return file;
  }
}

async function readRange(file: string, offset: number, length: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(Math.max(0, length));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
