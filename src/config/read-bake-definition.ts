/**
 * Resolves `bake:` and `compose:` entries into ordinary build entries at load time: runs
 * `docker buildx bake --print` (through the exec choke point) where the definition expects to be
 * read, and converts its JSON (bake-definition.ts). HCL bake files are read from the repository
 * root, as `docker buildx bake -f <file>` run there reads them; compose files from their own
 * directory, as docker compose reads them.
 */
import path from 'node:path';
import { runCommand } from '../docker/exec.js';
import { BakeDefinitionError, bakeToImages, describeDefinition, requestedName } from './bake-definition.js';
import type { BuildDefinition, ImageConfig } from './types.js';

/** Where bake runs for `definition`: its printed relative paths are relative to this. */
export function bakeDirectory(definition: BuildDefinition, workdir: string): string {
  if (definition.kind !== 'compose') return workdir;
  const [composeFile] = definition.files;
  if (composeFile === undefined) throw new BakeDefinitionError(`compose service \`${definition.service}\`: no compose file named`);
  return path.dirname(composeFile);
}

/** bake's own message: its last `ERROR:` line (the rest of stderr is progress). */
function bakeError(stderr: string): string {
  const lines = stderr.trim().split('\n');
  const error = [...lines].reverse().find((line) => line.startsWith('ERROR:'));
  return (error ?? lines.at(-1) ?? 'docker buildx bake failed').replace(/^ERROR:\s*/, '');
}

export async function printBakeDefinition(definition: BuildDefinition, dir: string, root: string): Promise<unknown> {
  // Relative to where bake runs, so its messages name the files as the user wrote them.
  const files = definition.files.flatMap((file) => ['-f', path.relative(dir, file) || file]);
  const result = await runCommand('docker', ['buildx', 'bake', '--print', ...files, requestedName(definition)], { cwd: dir });
  const describe = describeDefinition(definition, root);
  if (result.exitCode !== 0) {
    const message = bakeError(result.stderr);
    const missing = /failed to find target/.test(message);
    throw new BakeDefinitionError(missing ? `${describe} not found (${message})` : `${describe}: ${message}`);
  }
  try {
    return JSON.parse(result.stdout) as unknown;
  } catch {
    throw new BakeDefinitionError(`${describe}: \`docker buildx bake --print\` did not print JSON`);
  }
}

/** The build entries `entry` (a bake or compose source) stands for. Throws BakeDefinitionError. */
export async function resolveBakeEntry(entry: ImageConfig, opts: { workdir: string; secretsWorkdir?: string }): Promise<ImageConfig[]> {
  const definition = entry.source;
  if (definition.kind !== 'bake' && definition.kind !== 'compose') return [entry];
  const dir = bakeDirectory(definition, opts.workdir);
  const printed = await printBakeDefinition(definition, dir, opts.workdir);
  // Secret files a compose file names are relative to it; a bake file's to where bake ran.
  const secretsDir = definition.kind === 'compose' || !opts.secretsWorkdir ? dir : opts.secretsWorkdir;
  return bakeToImages({ entry, definition, printed, dir, secretsDir, root: opts.workdir });
}
