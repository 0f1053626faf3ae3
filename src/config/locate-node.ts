/** Finds the YAML node behind a field path, so errors can say where in the file they are. */
import { isCollection, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

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

/** Map keys as zod and `toJS()` see them: always strings. */
export function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

export function findNode(doc: Document, path: FieldPath): Found {
  let current: unknown = doc.contents;
  let key: Node | null = null;
  let deepest: Node | null = (doc.contents as Node | null) ?? null;
  for (const step of path) {
    if (isMap(current)) {
      const pair = current.items.find((item) => keyText(item.key) === String(step));
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
  if (parent.length === 0) return positionAt(doc.contents as Node | null, lines) ?? FILE_START;
  return positionOf(doc, lines, parent);
}

export function formatPath(path: FieldPath): string {
  return path.map(String).join('.');
}
