/** Finds the Dockerfiles of a repository for `image-budget init`. The only I/O of init. */
import { readdir } from 'node:fs/promises';
import path from 'node:path';

const SKIPPED_DIRS = new Set(['node_modules', 'vendor']);

/** `Dockerfile`, `api.Dockerfile`, `Dockerfile.worker` (not `Dockerfile.dockerignore`). */
export function isDockerfileName(name: string): boolean {
  if (name.endsWith('.dockerignore')) return false;
  return name === 'Dockerfile' || name.endsWith('.Dockerfile') || name.startsWith('Dockerfile.');
}

/**
 * Absolute paths of every Dockerfile under `root`, sorted, skipping dot directories (.git, …),
 * node_modules and vendor, which hold other people's Dockerfiles.
 */
export async function findDockerfiles(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && !SKIPPED_DIRS.has(entry.name)) await walk(full);
      } else if (entry.isFile() && isDockerfileName(entry.name)) {
        found.push(full);
      }
    }
  };
  await walk(path.resolve(root));
  return found.sort();
}
