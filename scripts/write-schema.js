// Writes schema/image-budget.schema.json from the zod schema (run `npm run schema`, which
// builds src/ to lib/ first). test/unit/config/json-schema.test.ts fails when they drift.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { buildJsonSchema } from '../lib/config/json-schema.js';

const target = fileURLToPath(new URL('../schema/image-budget.schema.json', import.meta.url));
await writeFile(target, `${JSON.stringify(buildJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target}`);
