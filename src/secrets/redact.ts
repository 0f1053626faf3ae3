/**
 * The last line of defence for secret values: a build that prints its secret (`RUN cat
 * /run/secrets/x`) would otherwise carry it into the log, the failure summary and the report.
 * The values are read from where buildx reads them (the files, the environment) and replaced.
 */
import { readFile, stat } from 'node:fs/promises';
import type { SecretSpec } from '../config/types.js';

/** Shorter values would redact ordinary words; secret files larger than this are not scanned. */
const MIN_LENGTH = 4;
const MAX_FILE_BYTES = 64 * 1024;
export const REDACTED = '***';

async function valuesOf(secret: SecretSpec, env: NodeJS.ProcessEnv): Promise<string[]> {
  if ('env' in secret) {
    const value = env[secret.env];
    return value ? [value] : [];
  }
  try {
    if ((await stat(secret.src)).size > MAX_FILE_BYTES) return [];
    const text = await readFile(secret.src, 'utf8');
    // A file usually ends with a newline the build trims; redact the value with and without it.
    return [text, text.trim(), ...text.split('\n').map((line) => line.trim())];
  } catch {
    return [];
  }
}

export type Redact = (text: string) => string;

export async function secretRedactor(secrets: readonly SecretSpec[], env: NodeJS.ProcessEnv = process.env): Promise<Redact> {
  const values = [...new Set((await Promise.all(secrets.map((s) => valuesOf(s, env)))).flat())]
    .filter((value) => value.length >= MIN_LENGTH)
    // Longest first, so a value containing another is replaced whole.
    .sort((a, b) => b.length - a.length);
  if (values.length === 0) return (text) => text;
  return (text) => values.reduce((out, value) => out.split(value).join(REDACTED), text);
}
