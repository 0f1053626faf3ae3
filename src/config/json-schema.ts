/** The published JSON Schema (schema/image-budget.schema.json), generated from the zod schema. */
import { z } from 'zod';
import { budgetFileSchema } from './schema.js';

export const SCHEMA_URL =
  'https://raw.githubusercontent.com/OWNER/image-budget/main/schema/image-budget.schema.json';

/** Draft-07 because it is what YAML editors (yaml-language-server) complete best. */
export function buildJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(budgetFileSchema, {
    target: 'draft-7',
    io: 'input',
  });
  const { $schema, ...rest } = generated as Record<string, unknown>;
  return { $schema, $id: SCHEMA_URL, ...rest };
}
