/**
 * OCI layouts on disk: a directory or a tar (`buildx --output type=oci`, `docker save`), checked
 * to be one before anything reads it. A tar is unpacked into a scratch directory first.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';

/**
 * The layout directory `given` names (a directory, or a tar unpacked under `scratchDir`); throws
 * with what is missing when it is not an OCI image layout.
 */
export async function openOciLayout(given: string, scratchDir: string): Promise<string> {
  let info;
  try {
    info = await stat(given);
  } catch {
    throw new Error(`${given}: no such file or directory (an OCI layout directory or tar was expected)`);
  }
  const dir = info.isDirectory() ? given : await unpackTar(given, scratchDir);
  await checkOciLayout(dir, given);
  return dir;
}

/** An OCI image layout has an `oci-layout` file naming its version and an `index.json`. */
export async function checkOciLayout(dir: string, shownAs = dir): Promise<void> {
  const notOne = (why: string) =>
    new Error(`${shownAs} is not an OCI image layout: ${why} (expected what \`docker buildx build --output type=oci\` writes)`);
  let marker: unknown;
  try {
    marker = JSON.parse(await readFile(path.join(dir, 'oci-layout'), 'utf8'));
  } catch {
    throw notOne('no readable oci-layout file');
  }
  if (typeof (marker as { imageLayoutVersion?: unknown } | null)?.imageLayoutVersion !== 'string') {
    throw notOne('its oci-layout file has no imageLayoutVersion');
  }
  let index: unknown;
  try {
    index = JSON.parse(await readFile(path.join(dir, 'index.json'), 'utf8'));
  } catch {
    throw notOne('no readable index.json');
  }
  if (!Array.isArray((index as { manifests?: unknown } | null)?.manifests)) throw notOne('index.json has no manifests list');
}

/** Unpacks regular files of a tar into `into`, refusing entries that would land outside it. */
export async function unpackTar(file: string, into: string): Promise<string> {
  await mkdir(into, { recursive: true });
  const root = path.resolve(into);
  const extract = tar.extract();
  let entries = 0;
  // Set by the entry handler while the pipeline runs.
  let refused = null as Error | null;
  extract.on('entry', (header, stream, next) => {
    entries++;
    const target = path.resolve(root, header.name);
    if (target !== root && !target.startsWith(`${root}${path.sep}`)) {
      // Skipped, never written; the tar is refused once it has been read.
      refused ??= new Error(`${file}: tar entry ${JSON.stringify(header.name)} points outside the layout`);
      stream.on('end', () => {
        next();
      });
      stream.resume();
      return;
    }
    if (header.type !== 'file') {
      stream.resume();
      stream.on('end', next);
      return;
    }
    mkdir(path.dirname(target), { recursive: true })
      .then(() => pipeline(stream, createWriteStream(target)))
      .then(
        () => {
          next();
        },
        (error: unknown) => {
          next(error instanceof Error ? error : new Error(String(error)));
        },
      );
  });
  try {
    await pipeline(createReadStream(file), extract);
  } catch (error) {
    if (refused !== null) throw refused;
    throw new Error(`${file} is not an OCI image layout: cannot read it as a tar (${(error as Error).message})`);
  }
  if (refused !== null) throw refused;
  if (entries === 0) throw new Error(`${file} is not an OCI image layout: an empty tar`);
  return into;
}
