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

type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Calls `visit` on every schema object of a tree, with the property name it is (the nearest one) under. */
function walk(node: unknown, key: string, visit: (node: Node, key: string) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, key, visit);
    return;
  }
  if (!isNode(node)) return;
  visit(node, key);
  for (const [k, value] of Object.entries(node)) {
    if (k === 'properties' && isNode(value)) for (const [name, property] of Object.entries(value)) walk(property, name, visit);
    else walk(value, k === 'additionalProperties' ? `${key}-entry` : k === 'items' ? `${key}-item` : key, visit);
  }
}

const camel = (key: string) => key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) || 'part';

const refName = (node: Node): string | undefined =>
  typeof node.$ref === 'string' ? /^#\/definitions\/(.+)$/.exec(node.$ref)?.[1] : undefined;

/** A `{ $ref }` node replaced by what it refers to (its sibling keywords kept), in place. */
function inline(node: Node, definition: unknown): void {
  const { $ref: _, ...siblings } = node;
  // Emptied in place: whatever holds the node sees the definition.
  for (const key of Object.keys(node)) Reflect.deleteProperty(node, key);
  Object.assign(node, structuredClone(definition), siblings);
}

/**
 * zod's shared parts (`reused: 'ref'`) come as `definitions/__schemaN`. Those used once are put
 * back where they are used; those used more than once become `$defs`, each named after the
 * property that uses it most (`budget`, `platforms`, `buildArgsEntry`…).
 */
function nameDefinitions(root: Node, generated: Record<string, unknown>): { root: Node; defs: Record<string, unknown> } {
  const definitions = new Map(Object.entries(generated));
  const trees = () => [root, ...definitions.values()];
  for (;;) {
    const uses = new Map<string, number>();
    for (const tree of trees())
      walk(tree, '', (node) => {
        const ref = refName(node);
        if (ref) uses.set(ref, (uses.get(ref) ?? 0) + 1);
      });
    const once = [...definitions.keys()].filter((ref) => (uses.get(ref) ?? 0) <= 1);
    if (once.length === 0) break;
    for (const ref of once) {
      const definition = definitions.get(ref);
      definitions.delete(ref);
      for (const tree of trees())
        walk(tree, '', (node) => {
          if (refName(node) === ref) inline(node, definition);
        });
    }
  }
  // Named from the root down: a part used inside another is named after the property it is under there.
  const names = new Map<string, string>();
  const taken = new Set<string>();
  let pending: [Node, string][] = [[root, '']];
  while (pending.length > 0) {
    const users = new Map<string, Map<string, number>>();
    for (const [tree, key] of pending)
      walk(tree, key, (node, under) => {
        const ref = refName(node);
        if (!ref || names.has(ref)) return;
        const keys = users.get(ref) ?? new Map<string, number>();
        keys.set(under, (keys.get(under) ?? 0) + 1);
        users.set(ref, keys);
      });
    pending = [];
    for (const [ref, keys] of users) {
      const [mostUsedUnder = ''] = [...keys.entries()].sort((a, b) => b[1] - a[1])[0] ?? [];
      const base = camel(mostUsedUnder);
      let name = base;
      for (let n = 2; taken.has(name); n++) name = `${base}${n}`;
      taken.add(name);
      names.set(ref, name);
      const definition = definitions.get(ref);
      if (isNode(definition)) pending.push([definition, name]);
    }
  }
  const rename = (tree: unknown): unknown =>
    JSON.parse(JSON.stringify(tree), (k, value: unknown) =>
      k === '$ref' && typeof value === 'string'
        ? value.replace(/^#\/definitions\/(.+)$/, (_, ref: string) => `#/$defs/${names.get(ref)}`)
        : value,
    );
  const defs = Object.fromEntries([...definitions].map(([ref, definition]) => [names.get(ref) ?? ref, rename(definition)]));
  return { root: rename(root) as Node, defs };
}

/**
 * What ajv's strict mode (SchemaStore's) refuses in zod's output, said the strict way with the
 * same meaning: a union `type: [...]` alone becomes `anyOf` of single types, and a `required`
 * naming properties its schema object does not define gets them defined as `{}` (anything).
 */
function strictCompatible(tree: Node): Node {
  walk(tree, '', (node) => {
    if (Array.isArray(node.type) && Object.keys(node).every((k) => k === 'type' || k === 'description')) {
      node.anyOf = (node.type as string[]).map((type) => ({ type }));
      delete node.type;
    }
    if (Array.isArray(node.required)) {
      const properties = isNode(node.properties) ? node.properties : {};
      for (const name of node.required as string[]) if (!(name in properties)) properties[name] = {};
      node.properties = properties;
    }
  });
  return tree;
}

/** Draft-07 because it is what YAML editors (yaml-language-server) complete best. */
export function buildJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(budgetFileSchema, { target: 'draft-7', io: 'input', reused: 'ref' }) as Node;
  const { $schema, definitions, ...rest } = generated;
  const { root, defs } = nameDefinitions(rest, isNode(definitions) ? definitions : {});
  return strictCompatible({ $schema, $id: SCHEMA_URL, ...root, $defs: defs });
}
