/**
 * Test helpers: build with real buildx into an OCI layout directory and list the image's layers
 * as analyzeImage takes them, with the Dockerfile lines the measure stage maps them to.
 */
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AnalysisLayerInput } from '../../../src/analysis/types.js';
import { measureOciLayout } from '../../../src/measure/measure-layout.js';
import type { BlobReader } from '../../../src/measure/types.js';

const run = promisify(execFile);

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string };
  annotations?: Record<string, string>;
}

export interface CountingFileBlob extends BlobReader {
  streams: number;
}

export function fileBlob(layout: string, d: Descriptor): CountingFileBlob {
  const path = join(layout, 'blobs', ...d.digest.split(':'));
  const blob: CountingFileBlob = {
    digest: d.digest,
    size: d.size,
    streams: 0,
    async read() {
      throw new Error('not used by the analysis');
    },
    stream() {
      blob.streams++;
      return createReadStream(path, { highWaterMark: 1 << 20 });
    },
  };
  return blob;
}

async function readJson<T>(layout: string, digest: string): Promise<T> {
  return JSON.parse(await readFile(join(layout, 'blobs', ...digest.split(':')), 'utf8')) as T;
}

export async function buildOci(opts: {
  context: string;
  dockerfile?: string;
  dest: string;
  tag: string;
  target?: string;
  compression?: 'gzip' | 'zstd';
}): Promise<void> {
  const output = `type=oci,dest=${opts.dest},tar=false${opts.compression === 'zstd' ? ',compression=zstd,force-compression=true,oci-mediatypes=true' : ''}`;
  const args = ['buildx', 'build', '--output', output, '-t', opts.tag];
  if (opts.dockerfile) args.push('-f', opts.dockerfile);
  if (opts.target) args.push('--target', opts.target);
  args.push(opts.context);
  try {
    await run('docker', args, { maxBuffer: 64 << 20 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`docker ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

export interface LayoutLayer extends AnalysisLayerInput {
  blob: CountingFileBlob;
}

export interface LayoutImage {
  layers: LayoutLayer[];
  /** The image config's `User` ('' when unset). */
  user: string;
}

/**
 * The layers of the one image in `layout`, with the Dockerfile lines and createdBy the measure
 * stage derives from the config history (measureOciLayout → mapHistoryToDockerfile): the
 * lines the hints carry are the pipeline's, not ones a test hands out by position.
 */
export async function layoutImage(layout: string, dockerfile: { path: string; text: string; target?: string }): Promise<LayoutImage> {
  const platforms = await measureOciLayout(layout, {
    dockerfile: { path: dockerfile.path, text: dockerfile.text },
    ...(dockerfile.target ? { target: dockerfile.target } : {}),
  });
  if (platforms.length !== 1) throw new Error(`${layout}: expected one image, found ${platforms.length}`);
  const platform = platforms[0]!;
  const config = await readJson<{ config?: { User?: string } }>(layout, platform.configDigest);
  return {
    user: config.config?.User ?? '',
    layers: platform.layers.map((d) => ({
      blob: fileBlob(layout, { mediaType: d.mediaType, digest: d.digest, size: d.compressedBytes }),
      mediaType: d.mediaType,
      digest: d.digest,
      dockerfile: d.dockerfile,
      createdBy: d.createdBy,
    })),
  };
}

export async function layoutLayers(layout: string, dockerfile: { path: string; text: string; target?: string }): Promise<LayoutLayer[]> {
  return (await layoutImage(layout, dockerfile)).layers;
}
