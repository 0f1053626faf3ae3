/**
 * Test helpers: build with real buildx into an OCI layout directory and list the image's layers
 * as analyzeImage takes them (index.json → manifest → layers; attestation manifests skipped).
 * Kept here, independent of src/measure, so these tests check the analysis alone.
 */
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AnalysisLayerInput } from '../../../src/analysis/types.js';
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

/**
 * The layers of the one image (non-attestation manifest) in `layout`, with `lines[i]` as the
 * Dockerfile line of layer i (null for base-image layers), and createdBy from the config history.
 */
export async function layoutLayers(layout: string, lines: (number | null)[], dockerfilePath = 'Dockerfile'): Promise<LayoutLayer[]> {
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
  const manifests: Descriptor[] = [];
  const walk = async (list: Descriptor[]) => {
    for (const d of list) {
      if (/index/.test(d.mediaType) || /manifest\.list/.test(d.mediaType)) {
        await walk((await readJson<{ manifests: Descriptor[] }>(layout, d.digest)).manifests);
      } else if (d.platform?.os !== 'unknown' && d.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest') {
        manifests.push(d);
      }
    }
  };
  await walk(index.manifests);
  if (manifests.length !== 1) throw new Error(`${layout}: expected one image manifest, found ${manifests.length}`);
  const manifest = await readJson<{ config: Descriptor; layers: Descriptor[] }>(layout, manifests[0]!.digest);
  const config = await readJson<{ history?: { created_by?: string; empty_layer?: boolean }[] }>(layout, manifest.config.digest);
  const history = (config.history ?? []).filter((h) => !h.empty_layer);
  if (lines.length !== manifest.layers.length) {
    throw new Error(`${layout}: ${manifest.layers.length} layers but ${lines.length} Dockerfile lines given`);
  }
  return manifest.layers.map((d, i) => {
    const line = lines[i] ?? null;
    return {
      blob: fileBlob(layout, d),
      mediaType: d.mediaType,
      digest: d.digest,
      dockerfile: line === null ? null : { path: dockerfilePath, line },
      createdBy: history[i]?.created_by ?? null,
    };
  });
}
