/**
 * JSON text from outside (a saved report, an artifact) checked against a zod schema, with
 * the first problems named by their JSON path. Shared by every reader of untrusted reports.
 */
import type { z } from 'zod';

/** `images[3].layers[0].digest`, as a person would write it. */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`)).join('');
}

/** The parsed value, or a one-line description of what is wrong (at most five problems). */
export function validateJson<T extends z.ZodType>(content: string, schema: T): { ok: true; value: z.infer<T> } | { ok: false; detail: string } {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch (error) {
    return { ok: false, detail: `not valid JSON (${(error as Error).message})` };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues.slice(0, 5).map((issue) => `${formatJsonPath(issue.path)}: ${issue.message}`);
  const more = parsed.error.issues.length > 5 ? ` (and ${parsed.error.issues.length - 5} more)` : '';
  return { ok: false, detail: `${issues.join('; ')}${more}` };
}
