/**
 * Secrets given by value (the action's `secrets` input) become files only this user can read, in
 * a directory only this user can enter, so buildx gets `id=…,src=FILE` and the value is in no
 * argv, environment dump or log. Removed when the run ends.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SecretSpec } from '../config/types.js';

export interface SecretFiles {
  secrets: SecretSpec[];
  remove: () => Promise<void>;
}

export async function writeSecretFiles(values: readonly { id: string; value: string }[], parent = os.tmpdir()): Promise<SecretFiles> {
  if (values.length === 0) return { secrets: [], remove: () => Promise.resolve() };
  // mkdtemp creates the directory 0700.
  const dir = await mkdtemp(path.join(parent, 'image-budget-secrets-'));
  try {
    const secrets: SecretSpec[] = [];
    for (const [index, { id, value }] of values.entries()) {
      const src = path.join(dir, String(index));
      await writeFile(src, value, { mode: 0o600, flag: 'wx' });
      secrets.push({ id, src });
    }
    return { secrets, remove: () => rm(dir, { recursive: true, force: true }) };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
