import { readFile } from 'node:fs/promises';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { buildJsonSchema, SCHEMA_URL } from '../../../src/config/json-schema.js';
import { budgetFileSchema } from '../../../src/config/schema.js';

const committedPath = new URL('../../../schema/image-budget.schema.json', import.meta.url);

test('the committed JSON Schema is what the zod schema generates (run `npm run schema`)', async () => {
  const committed = await readFile(committedPath, 'utf8');
  expect(committed).toBe(`${JSON.stringify(buildJsonSchema(), null, 2)}\n`);
});

test('the JSON Schema helps editors: descriptions, closed objects, the size pattern', () => {
  const schema = buildJsonSchema() as {
    $schema: string;
    additionalProperties: boolean;
    required: string[];
    properties: Record<string, { description?: string; additionalProperties?: unknown }>;
    $defs: Record<string, Record<string, unknown>>;
  };
  expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
  expect(schema.additionalProperties).toBe(false);
  expect(schema.required).toEqual(['version', 'images']);
  const text = JSON.stringify(schema);
  expect(text).toContain('"pattern":"^(?:(\\\\d+(?:\\\\.\\\\d+)?|\\\\.\\\\d+) ?(B|kB|KB|MB|GB|TB|KiB|MiB|GiB|TiB)|(\\\\d+))$"');
  expect(text).toContain('"max-layers":{"$ref":"#/$defs/maxLayers"}');
  expect(schema.$defs.maxLayers).toMatchObject({ type: 'integer' });
  // Every property of every object carries a description, for hover and completion: its own or
  // that of the $defs part it refers to. (`not` and `if` only test for properties.)
  const described = (property: Record<string, unknown>): boolean => {
    if (typeof property.description === 'string') return true;
    const ref = (property.$ref ?? (property.allOf as { $ref?: string }[] | undefined)?.[0]?.$ref) as string | undefined;
    return typeof ref === 'string' && typeof schema.$defs[ref.replace('#/$defs/', '')]?.description === 'string';
  };
  const undocumented: string[] = [];
  const visit = (node: unknown, at: string): void => {
    if (!node || typeof node !== 'object') return;
    const object = node as Record<string, unknown>;
    const properties = object.properties as Record<string, Record<string, unknown>> | undefined;
    for (const [name, property] of Object.entries(properties ?? {})) {
      if (!described(property)) undocumented.push(`${at}.${name}`);
    }
    for (const [key, child] of Object.entries(object)) if (key !== 'not' && key !== 'if') visit(child, `${at}.${key}`);
  };
  visit(schema, '$');
  expect(undocumented).toEqual([]);
});

const GOOD = [
  'version: 1\nimages:\n  api: {}\n',
  'version: 1\nimages:\n  api:\n',
  `version: 1
defaults: { platforms: [linux/amd64], cache: { mode: auto }, budget: { max-layers: 30 } }
images:
  api:
    context: services/api
    target: runtime
    build-args: { GO_VERSION: "1.22", N: 3, DEBUG: true }
    cache: { from: type=gha, to: [type=gha] }
    budget:
      max: 25MB
      warn: { compressed: 20 MB, uncompressed: 1.5GiB }
      max-increase: 5%
      warn-increase: { uncompressed: 1MB }
      min-efficiency: 0.95
      max-wasted: 1048576
      max-wasted-percent: 10
      forbid: [toolchain-in-final-image]
      targets: { runtime: { max: 30MB } }
      platforms: { linux/arm64: { max: 30MB } }
`,
  'version: 1\nimages:\n  api:\n    image: ghcr.io/a/b:{sha}\n    dockerfile: Dockerfile\n    platforms: [linux/amd64]\n    analyze: false\n    budget: { max: 1MB }\n',
  'version: 1\nimages:\n  api:\n    bake: { file: [a.hcl, b.hcl], target: api }\n    budget: { max: 1MB }\n',
  'version: 1\nimages:\n  api:\n    compose: { file: compose.yaml, service: api }\n',
];

const BAD = [
  'version: 1\nimages:\n  api:\n    image: ghcr.io/a/b:1\n    context: .\n',
  'version: 1\nimages:\n  api:\n    image: ghcr.io/a/b:1\n    bake: { file: docker-bake.hcl }\n',
  'version: 1\nimages:\n  api:\n    bake: { file: docker-bake.hcl }\n    platforms: [linux/amd64]\n',
  'version: 1\nimages:\n  api:\n    compose: { file: compose.yaml }\n',
  'version: 1\nimages:\n  api:\n    compose: { file: compose.yaml, service: api }\n    cache: { mode: off }\n',
  'version: 2\nimages:\n  api: {}\n',
  'version: 1\n',
  'version: 1\nimages: {}\n',
  'version: 1\nimages:\n  Api: {}\n',
  'version: 1\nimages:\n  api:\n    contxt: .\n',
  'version: 1\nimages:\n  api:\n    budget: { max: 12 parsecs }\n',
  'version: 1\nimages:\n  api:\n    budget: { max: -1 }\n',
  'version: 1\nimages:\n  api:\n    budget: { max: { compressed: 1MB, total: 2MB } }\n',
  'version: 1\nimages:\n  api:\n    budget: { max-increase: { compressed: 1MB, uncompressed: 1MB } }\n',
  'version: 1\nimages:\n  api:\n    budget: { max-increase: {} }\n',
  'version: 1\nimages:\n  api:\n    budget: { max-increase: 5 parsecs }\n',
  'version: 1\nimages:\n  api:\n    budget: { min-efficiency: 2 }\n',
  'version: 1\nimages:\n  api:\n    budget: { max-layers: 1.5 }\n',
  'version: 1\nimages:\n  api:\n    budget: { forbid: [Runs_As_Root] }\n',
  'version: 1\nimages:\n  api:\n    budget: { targets: { a: { targets: {} } } }\n',
  'version: 1\nimages:\n  api:\n    budget: { platforms: { linux: { max: 1MB } } }\n',
  'version: 1\nimages:\n  api:\n    target: a\n    targets: [a]\n',
  'version: 1\nimages:\n  api:\n    targets: []\n',
  'version: 1\nimages:\n  api:\n    build-args: { A: [1] }\n',
  'version: 1\nimages:\n  api:\n    cache: { mode: sometimes }\n',
  'version: 1\nimages:\n  api:\n    platforms: [linux]\n',
  'version: 1\nimages: [api]\n',
];

test('compiles in ajv strict mode, as SchemaStore checks schemas, without a warning', () => {
  const warnings: unknown[] = [];
  const logger = { log: () => {}, warn: (...m: unknown[]) => warnings.push(m), error: (...m: unknown[]) => warnings.push(m) };
  expect(() => new Ajv({ strict: true, logger }).compile(buildJsonSchema())).not.toThrow();
  expect(warnings).toEqual([]);
});

test('the parts used more than once are $defs, each referenced at least twice; no other definitions', () => {
  const schema = buildJsonSchema() as { $defs: Record<string, unknown>; definitions?: unknown };
  expect(schema.definitions).toBeUndefined();
  const text = JSON.stringify(schema);
  const names = Object.keys(schema.$defs);
  expect(names).toEqual(expect.arrayContaining(['budget', 'platforms', 'cache', 'max', 'warn']));
  for (const name of names) expect(text.split(`"#/$defs/${name}"`).length - 1, name).toBeGreaterThanOrEqual(2);
  expect(text).not.toMatch(/__schema\d|#\/definitions\//);
});

describe('ajv (JSON Schema) and zod agree', () => {
  const ajv = new Ajv({ allErrors: true, strict: true });
  const validate = ajv.compile(buildJsonSchema());

  test.each(GOOD.map((text, i) => [i + 1, text]))('good %i', (_n, text) => {
    const data: unknown = parse(text);
    expect(budgetFileSchema.safeParse(data).success).toBe(true);
    expect(validate(data), JSON.stringify(validate.errors)).toBe(true);
  });

  test.each(BAD.map((text, i) => [i + 1, text]))('bad %i', (_n, text) => {
    const data: unknown = parse(text);
    expect(budgetFileSchema.safeParse(data).success).toBe(false);
    expect(validate(data)).toBe(false);
  });
});

test('one schema URL: the package copy on unpkg for this major, the $id, and what README and docs tell editors', async () => {
  const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
    files?: string[];
  };
  expect(SCHEMA_URL).toBe(`https://unpkg.com/image-budget@${pkg.version.split('.')[0]}/schema/image-budget.schema.json`);
  expect(pkg.files).toContain('schema/');
  expect(buildJsonSchema().$id).toBe(SCHEMA_URL);
  for (const doc of ['../../../README.md', '../../../docs/budget-file.md']) {
    const text = await readFile(new URL(doc, import.meta.url), 'utf8');
    expect(text).toContain(`# yaml-language-server: $schema=${SCHEMA_URL}`);
    expect(text).not.toMatch(/raw\.githubusercontent\.com\/OWNER/);
  }
});
