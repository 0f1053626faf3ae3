/** The published JSON Schema (schema/image-budget.schema.json), generated from the zod schema. */
import { z } from 'zod';
import { VERSION } from '../version.js';
import { budgetFileSchema } from './schema.js';

/**
 * Where editors fetch the schema: the copy published with the npm package (`schema/` is in
 * package.json `files`), through unpkg, pinned to this major version so a budget file written
 * today keeps validating against the schema it was written for. The one place this URL lives:
 * `init` writes it, the schema's `$id` is it, and a test keeps README and docs in line.
 */
export const SCHEMA_URL = `https://unpkg.com/image-budget@${VERSION.split('.')[0]}/schema/image-budget.schema.json`;

/** Draft-07 because it is what YAML editors (yaml-language-server) complete best. */
export function buildJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(budgetFileSchema, {
    target: 'draft-7',
    io: 'input',
  });
  const { $schema, ...rest } = generated as Record<string, unknown>;
  return { $schema, $id: SCHEMA_URL, ...rest };
}
