/**
 * Test helper: an image made by hand, layer tars written with tar-stream, pushed to the local
 * registry (127.0.0.1:5000) with the distribution HTTP API, so a real `docker buildx build` can
 * build FROM it. For layer contents no builder writes here, such as an opaque directory marker
 * (`.wh..wh..opq`: BuildKit 0.13 writes `rm -rf /d && mkdir /d` as one whiteout per file).
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';

export interface HandEntry {
  path: string;
  type?: 'file' | 'directory' | 'symlink';
  /** Body of a file; a file of `size` bytes of 0x61 otherwise. */
  content?: Buffer;
  size?: number;
  /** A symlink's target. */
  linkname?: string;
}

export async function tarOf(entries: HandEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
  })();
  for (const e of entries) {
    const type = e.type ?? 'file';
    const body = type === 'file' ? (e.content ?? Buffer.alloc(e.size ?? 0, 0x61)) : Buffer.alloc(0);
    await new Promise<void>((resolve, reject) => {
      const header = {
        name: e.path,
        type,
        mode: type === 'file' ? 0o644 : 0o755,
        mtime: new Date(0),
        ...(type === 'file' ? { size: body.length } : {}),
        ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
      };
      pack.entry(header, body, (err) => {
        if (err) reject(err);
        else resolve();
      });
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function pushBlob(registry: string, repo: string, bytes: Buffer): Promise<string> {
  const digest = sha256(bytes);
  const start = await fetch(`http://${registry}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  if (start.status !== 202) throw new Error(`POST ${repo} blob upload: HTTP ${start.status} ${await start.text()}`);
  const location = new URL(start.headers.get('location') ?? '', `http://${registry}`);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
  if (put.status !== 201) throw new Error(`PUT ${repo} blob ${digest}: HTTP ${put.status} ${await put.text()}`);
  return digest;
}

/**
 * Pushes an amd64 linux image of gzip layers (one per tar) as `<registry>/<repo>:<tag>`;
 * returns the reference a Dockerfile can name (`localhost:5000/<repo>:<tag>`).
 */
export async function pushHandMadeImage(opts: { registry?: string; repo: string; tag: string; layers: Buffer[] }): Promise<string> {
  const registry = opts.registry ?? '127.0.0.1:5000';
  const layers = [];
  for (const raw of opts.layers) {
    const blob = gzipSync(raw);
    layers.push({
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: await pushBlob(registry, opts.repo, blob),
      size: blob.length,
      diffId: sha256(raw),
    });
  }
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history: layers.map((_, i) => ({ created_by: `hand-made layer ${i}` })),
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: await pushBlob(registry, opts.repo, config),
        size: config.length,
      },
      layers: layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })),
    }),
  );
  const put = await fetch(`http://${registry}/v2/${opts.repo}/manifests/${opts.tag}`, {
    method: 'PUT',
    body: manifest,
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
  });
  if (put.status !== 201) throw new Error(`PUT ${opts.repo}:${opts.tag} manifest: HTTP ${put.status} ${await put.text()}`);
  return `localhost:${registry.split(':')[1]}/${opts.repo}:${opts.tag}`;
}
