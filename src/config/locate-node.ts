/** Finds the YAML node behind a field path, so errors can say where in the file they are. */
import { isCollection, isMap, isNode, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';

export type FieldPath = readonly PropertyKey[];

export interface Position {
  line: number;
  column: number;
}

interface Found {
  /** The value at the path, when the path exists. */
  value: Node | null;
  /** The map key holding that value, when the last step was a map key. */
  key: Node | null;
  /** The deepest node that exists along the path (the value itself when found). */
  deepest: Node | null;
  found: boolean;
}

/**
 * A map key as the budget file means it: a plain key as written (`1.0` stays "1.0", not 1),
 * a quoted one as its string. The one definition yaml-data.ts and every lookup share.
 */
export function keyText(key: unknown): string {
  if (!isScalar(key)) return isNode(key) ? key.toString() : plainText(key);
  if (key.type === 'PLAIN' && typeof key.source === 'string') return key.source;
  return plainText(key.value);
}

/** A parsed value as text ('' for none); a tagged one (a date, bytes) as JSON. */
function plainText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

// Built once per map, so looking up many paths stays linear in the number of lookups.
const pairIndexes = new WeakMap<YAMLMap, Map<string, Pair>>();

function pairFor(map: YAMLMap, key: string): Pair | undefined {
  let index = pairIndexes.get(map);
  if (!index) {
    index = new Map();
    for (const item of map.items) {
      const text = keyText(item.key);
      if (!index.has(text)) index.set(text, item);
    }
    pairIndexes.set(map, index);
  }
  return index.get(key);
}

export function findNode(doc: Document, path: FieldPath): Found {
  let current: unknown = doc.contents;
  let key: Node | null = null;
  let deepest: Node | null = doc.contents ?? null;
  for (const step of path) {
    if (isMap(current)) {
      const pair = pairFor(current, String(step));
      if (!pair) return { value: null, key: null, deepest, found: false };
      key = pair.key as Node;
      current = pair.value;
      deepest = (pair.value as Node | null) ?? key;
    } else if (isSeq(current)) {
      const item = current.items[Number(step)];
      if (item === undefined) return { value: null, key: null, deepest, found: false };
      key = null;
      current = item;
      deepest = item as Node;
    } else {
      return { value: null, key: null, deepest, found: false };
    }
  }
  return { value: (current as Node | null) ?? null, key, deepest, found: true };
}

function positionAt(node: Node | null, lines: LineCounter): Position | undefined {
  const offset = node?.range?.[0];
  if (offset === undefined) return undefined;
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

const FILE_START: Position = { line: 1, column: 1 };

/**
 * Where a field is. Scalars and flow collections point at their value; a block collection
 * points at the key that opens it, which is the line a person reads as "that field".
 */
export function positionOf(doc: Document, lines: LineCounter, path: FieldPath): Position {
  const { value, key, deepest, found } = findNode(doc, path);
  if (found) {
    const isBlock = isCollection(value) && !value.flow;
    const preferKey = key && (isBlock || value === null || (isScalar(value) && value.value === null));
    return positionAt(preferKey ? key : value, lines) ?? positionAt(key, lines) ?? FILE_START;
  }
  return positionAt(deepest, lines) ?? FILE_START;
}

/** Where a map key is (unknown fields, bad image names): the key itself. */
export function positionOfKey(doc: Document, lines: LineCounter, path: FieldPath): Position {
  const { key } = findNode(doc, path);
  return positionAt(key, lines) ?? positionOf(doc, lines, path.slice(0, -1));
}

/** Where the node that holds a field is (missing required fields point at their parent). */
export function positionOfParent(doc: Document, lines: LineCounter, path: FieldPath): Position {
  const parent = path.slice(0, -1);
  if (parent.length === 0) return positionAt(doc.contents, lines) ?? FILE_START;
  return positionOf(doc, lines, parent);
}

/** `images.api.budget.max`; a key that is long or has unusual characters is quoted and cut short. */
export function formatPath(path: FieldPath): string {
  return path.map((step) => formatStep(String(step))).join('.');
}

function formatStep(step: string): string {
  if (step.length <= 64 && /^[\p{L}\p{N}_./<>-]*$/u.test(step)) return step;
  return shortQuoted(step);
}

/** A string quoted as JSON, at most 40 characters of it: messages never carry a whole value. */
export function shortQuoted(text: string): string {
  const chars = Array.from(text.slice(0, 80));
  return chars.length > 40 ? `${JSON.stringify(chars.slice(0, 40).join(''))}…` : JSON.stringify(text);
}
