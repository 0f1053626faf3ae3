/**
 * Uncompressed layer sizes that had to be counted by decompressing the whole layer, kept on
 * disk by digest so the next run does not decompress it again. That is every gzip layer over
 * ~4.16 MB (its trailer holds the size modulo 2^32 only: see sizeFromGzipTrailer) and every
 * zstd layer whose frames do not declare their sizes: the big layers, decompressed on every run.
 *
 * A digest names its bytes, so a kept size never goes stale and needs no version. It lives in
 * the layer cache directory (`sizes/`), persisted with it. A file that is missing or does not
 * hold a size is a miss; a size that cannot be written is simply counted again next time.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface CountedSizes {
  get(digest: string): Promise<number | null>;
  put(digest: string, bytes: number): Promise<void>;
}

const DIGEST_RE = /^(sha256|sha512):([a-f0-9]{64}|[a-f0-9]{128})$/;

/** The file of a digest; null for anything that is not a plain digest (never a path to follow). */
export function countedSizeFile(dir: string, digest: string): string | null {
  const match = DIGEST_RE.exec(digest);
  return match ? path.join(dir, `${match[1]}-${match[2]}`) : null;
}

export function openCountedSizes(dir: string): CountedSizes {
  return {
    async get(digest) {
      const file = countedSizeFile(dir, digest);
      if (!file) return null;
      const text = await readFile(file, 'utf8').catch(() => null);
      if (text === null || !/^\d{1,16}\n$/.test(text)) return null;
      const bytes = Number(text);
      return Number.isSafeInteger(bytes) ? bytes : null;
    },
    async put(digest, bytes) {
      const file = countedSizeFile(dir, digest);
      if (!file || !Number.isSafeInteger(bytes) || bytes < 0) return;
      try {
        await mkdir(dir, { recursive: true });
        // Whole or absent: a concurrent reader never sees half a number.
        const partial = `${file}.${process.pid}.tmp`;
        await writeFile(partial, `${bytes}\n`);
        await rename(partial, file);
      } catch {
        // Best effort: the size was measured; only the next run's shortcut is lost.
      }
    },
  };
}
