/**
 * `image-budget init --update`: moves the max/warn values of an existing budget file to new
 * measurements. Every other byte of the file stays as it was: nodes are found with the yaml
 * Document API, and only their source ranges are rewritten (or new keys inserted after them).
 */
import {
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml';
import { findNode, keyText, type FieldPath } from './locate-node.js';
import { maxBudgetFor, warnBudgetFor, type MeasuredSize } from './render-budget-file.js';
import { parseSize } from './size.js';
import { yamlString } from './yaml-text.js';
import type { BudgetChange } from '../types.js';

/**
 * The changes are the shared BudgetChange: `target` null is the image-level budget of an image
 * with one target (or the last stage), `field` the key as the file writes it (`max` for
 * `max: 25MB`, `max.uncompressed`), `from` the value as written before (null when added).
 */
type UpdateChange = BudgetChange & { to: string };

type Field = 'max' | 'warn';
const FIELDS: readonly Field[] = ['max', 'warn'];
const METRICS = { compressed: 'compressedBytes', uncompressed: 'uncompressedBytes' } as const;

interface Edit {
  start: number;
  end: number;
  text: string;
  /** Orders insertions at the same offset: the deeper one ends up first. */
  depth: number;
}

/** A nested mapping of keys to insert, leaves being scalar text. */
interface InsertTree {
  [key: string]: InsertTree | string;
}

/** One change, labelled as the PR comment labels budget changes (`max`, `warn uncompressed`). */
function change(
  image: string,
  target: string | null,
  field: Field,
  metric: keyof typeof METRICS,
  written: string,
  from: string | null,
  to: string,
): UpdateChange {
  const label = metric === 'uncompressed' ? `${field} uncompressed` : field;
  return { image, target, platform: null, field: written, label, from, to };
}

function budgetValue(field: Field, bytes: number, headroomPercent: number): string {
  return field === 'max' ? maxBudgetFor(bytes, headroomPercent) : warnBudgetFor(bytes);
}

/** Same quoting as before, so a `"25MB"` stays double-quoted. */
function quoteLike(node: Node, value: string): string {
  if (isScalar(node) && node.type === 'QUOTE_DOUBLE') return `"${value}"`;
  if (isScalar(node) && node.type === 'QUOTE_SINGLE') return `'${value}'`;
  return value;
}

function sameSize(a: unknown, b: string): boolean {
  try {
    return parseSize(a as string | number) === parseSize(b);
  } catch {
    return false;
  }
}

const isEmptyScalar = (node: unknown): boolean => isScalar(node) && node.value === null && node.source === '';

/** Offset just after the last character of a node's content (trailing comments excluded). */
function contentEnd(node: unknown): number {
  if (isPair(node)) {
    return node.value === null || isEmptyScalar(node.value) ? contentEnd(node.key) : contentEnd(node.value);
  }
  if (isCollection(node) && !node.flow && node.items.length > 0) return contentEnd(node.items.at(-1));
  return (node as Node).range?.[1] ?? 0;
}

function renderBlock(tree: InsertTree, indent: string): string[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === 'string'
      ? [`${indent}${yamlString(key)}: ${value}`]
      : [`${indent}${yamlString(key)}:`, ...renderBlock(value, `${indent}  `)],
  );
}

function renderFlow(tree: InsertTree): string {
  return Object.entries(tree)
    .map(([key, value]) => `${yamlString(key)}: ${typeof value === 'string' ? value : `{ ${renderFlow(value)} }`}`)
    .join(', ');
}

/** Where to insert after content ending at `offset`: the end of that line, past any comment. */
function endOfLine(text: string, offset: number): number {
  if (text[offset - 1] === '\n') return offset - 1; // block scalars end after their newline
  const newline = text.indexOf('\n', offset);
  return newline === -1 ? text.length : newline;
}

/** One insertion of `tree` into the mapping at `path` (which must exist), keeping its style. */
function insertInto(doc: Document, text: string, lines: LineCounter, path: FieldPath, tree: InsertTree): Edit | undefined {
  const { value, key } = findNode(doc, path);
  const depth = path.length;
  if (isMap(value) && value.flow) {
    if (value.items.length > 0) {
      const at = contentEnd(value.items.at(-1));
      return { start: at, end: at, text: `, ${renderFlow(tree)}`, depth };
    }
    const close = text.lastIndexOf('}', (value.range?.[1] ?? 0) - 1);
    if (close === -1) return undefined;
    return { start: close, end: close, text: ` ${renderFlow(tree)} `, depth };
  }
  if (isMap(value) && value.items.length > 0) {
    const column = lines.linePos(value.range?.[0] ?? 0).col - 1;
    const at = endOfLine(text, contentEnd(value));
    return { start: at, end: at, text: `\n${renderBlock(tree, ' '.repeat(column)).join('\n')}`, depth };
  }
  if (key && (value === null || isEmptyScalar(value))) {
    // `budget:` with nothing under it: the new keys go one level deeper than the key.
    const column = lines.linePos(key.range?.[0] ?? 0).col - 1;
    const at = endOfLine(text, contentEnd(key));
    return { start: at, end: at, text: `\n${renderBlock(tree, ' '.repeat(column + 2)).join('\n')}`, depth };
  }
  return undefined;
}

/** The deepest prefix of `path` that exists as a mapping (or an empty value), and what is left. */
function splitExisting(doc: Document, path: FieldPath): { existing: FieldPath; missing: string[] } | undefined {
  for (let length = path.length; length >= 0; length -= 1) {
    const prefix = path.slice(0, length);
    const { value, found } = findNode(doc, prefix);
    if (!found) continue;
    if (isMap(value) || value === null || isEmptyScalar(value)) {
      return { existing: prefix, missing: path.slice(length).map(String) };
    }
    return undefined; // a scalar or list where a mapping should be: leave it to validation
  }
  return undefined;
}

function targetsOf(image: YAMLMap): (string | null)[] {
  const list = image.get('targets', true);
  if (isSeq(list)) return list.items.map((item) => (isScalar(item) ? String(item.value) : String(item)));
  const single = image.get('target', true);
  const value: unknown = isScalar(single) ? single.value : null;
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? [String(value)] : [null];
}

export function updateBudgets(
  text: string,
  sizes: Map<string, Map<string | null, MeasuredSize>>,
  headroomPercent: number,
): { text: string; changes: UpdateChange[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length > 0) throw new Error(`cannot update an invalid budget file: ${doc.errors[0]?.message ?? ''}`);

  const edits: Edit[] = [];
  const changes: UpdateChange[] = [];
  const inserts = new Map<string, { path: FieldPath; tree: InsertTree }>();

  /** Rewrites max/warn where they already exist under `base`; returns the fields it found. */
  const rewriteExisting = (base: FieldPath, image: string, target: string | null, size: MeasuredSize): Field[] => {
    const present: Field[] = [];
    for (const field of FIELDS) {
      const { value } = findNode(doc, [...base, field]);
      if (!value) continue;
      present.push(field);
      const slots: { node: Node; metric: keyof typeof METRICS; name: string }[] = [];
      if (isScalar(value)) slots.push({ node: value, metric: 'compressed', name: field });
      if (isMap(value)) {
        for (const pair of value.items as Pair<Node, Node>[]) {
          const metric = keyText(pair.key);
          if ((metric === 'compressed' || metric === 'uncompressed') && isScalar(pair.value)) {
            slots.push({ node: pair.value, metric, name: `${field}.${metric}` });
          }
        }
      }
      for (const slot of slots) {
        const next = budgetValue(field, size[METRICS[slot.metric]], headroomPercent);
        const scalar = slot.node as Node & { value: unknown; source?: string };
        if (sameSize(scalar.value, next)) continue;
        const [start, end] = slot.node.range ?? [0, 0];
        edits.push({ start, end, text: quoteLike(slot.node, next), depth: 0 });
        changes.push(change(image, target, field, slot.metric, slot.name, text.slice(start, end), next));
      }
    }
    return present;
  };

  const addMissing = (base: FieldPath, fields: Field[], image: string, target: string, size: MeasuredSize): void => {
    for (const field of fields) {
      const split = splitExisting(doc, [...base, field]);
      if (!split) continue;
      const next = budgetValue(field, size.compressedBytes, headroomPercent);
      const id = split.existing.map(String).join('\u0000');
      const entry = inserts.get(id) ?? { path: split.existing, tree: {} };
      let node = entry.tree;
      split.missing.slice(0, -1).forEach((step) => {
        node = (node[step] ??= {}) as InsertTree;
      });
      node[split.missing.at(-1) as string] = next;
      inserts.set(id, entry);
      changes.push(change(image, target, field, 'compressed', field, null, next));
    }
  };

  for (const [name, targetSizes] of sizes) {
    const imageNode = findNode(doc, ['images', name]).value;
    if (!isMap(imageNode)) continue;
    const targets = targetsOf(imageNode);
    const budgetPath = ['images', name, 'budget'];
    if (targets.length <= 1) {
      const target = targets[0] ?? null;
      const size = targetSizes.get(target) ?? (targetSizes.size === 1 ? [...targetSizes.values()][0] : undefined);
      if (!size) continue;
      rewriteExisting(budgetPath, name, target, size);
      // An override for the only target would win over the image level: keep it current too.
      if (target !== null) rewriteExisting([...budgetPath, 'targets', target], name, target, size);
      continue;
    }
    const imageFields = FIELDS.filter((field) => findNode(doc, [...budgetPath, field]).found);
    for (const target of targets) {
      const size = target === null ? undefined : targetSizes.get(target);
      if (!size || target === null) continue;
      const base = [...budgetPath, 'targets', target];
      const present = rewriteExisting(base, name, target, size);
      const wanted = [...new Set([...present, ...imageFields])];
      const missing = (wanted.length > 0 ? wanted : (['max'] as Field[])).filter((field) => !present.includes(field));
      addMissing(base, missing, name, target, size);
    }
  }

  for (const { path, tree } of inserts.values()) {
    const edit = insertInto(doc, text, lines, path, tree);
    if (edit) edits.push(edit);
  }
  edits.sort((a, b) => b.start - a.start || a.depth - b.depth);
  let updated = text;
  for (const edit of edits) updated = updated.slice(0, edit.start) + edit.text + updated.slice(edit.end);

  // The edits are textual; prove the result is still YAML before anyone writes it to disk.
  const check = parseDocument(updated);
  if (check.errors.length > 0) {
    throw new Error(`internal error: updating budgets produced invalid YAML: ${check.errors[0]?.message ?? ''}`);
  }
  return { text: updated, changes };
}
