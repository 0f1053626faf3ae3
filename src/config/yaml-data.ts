/**
 * A parsed YAML document → plain data, instead of `doc.toJS()`: only plain scalars, mappings and
 * sequences; aliases and `<<` merge keys resolved within a small expansion budget; map keys as
 * written, unique after conversion, never `__proto__`-like; every problem a ConfigIssue with its
 * position. Mappings become null-prototype objects, so no key can reach Object.prototype.
 */
import { isAlias, isMap, isScalar, isSeq, type Alias, type Document, type LineCounter, type Node, type Pair } from 'yaml';
import type { ConfigIssue } from './config-error.js';
import { describeValue } from './describe-value.js';
import { formatPath, keyText, type FieldPath, type Position } from './locate-node.js';

export interface ExpansionLimits {
  /** Nodes that aliases may add to the document, counted as if every alias were copied out. */
  aliasNodes: number;
  /** Characters of scalar text that aliases may add. */
  aliasText: number;
}

export const DEFAULT_EXPANSION_LIMITS: ExpansionLimits = { aliasNodes: 10_000, aliasText: 1_000_000 };

/** Keys that mean something to every JavaScript object: never names in a budget file. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Explicit tags that still give plain data. Anything else (`!!set`, `!!timestamp`, `!foo`) is refused. */
const PLAIN_TAGS: ReadonlySet<string> = new Set(['tag:yaml.org,2002:str', 'tag:yaml.org,2002:map', 'tag:yaml.org,2002:seq']);

interface Weight {
  nodes: number;
  text: number;
}

interface Converted {
  value: unknown;
  weight: Weight;
}

/** Far deeper than any budget file; keeps recursion bounded. */
const MAX_DEPTH = 64;

/** The value when conversion failed: keeps going so every problem is reported at once. */
const INVALID = Symbol('invalid');

class Converter {
  readonly issues: ConfigIssue[] = [];
  private readonly anchors = new Map<string, Node>();
  private readonly done = new Map<Node, Converted>();
  private aliasNodes = 0;
  private aliasText = 0;
  private overBudget = false;

  constructor(
    private readonly file: string,
    private readonly lines: LineCounter,
    private readonly limits: ExpansionLimits,
  ) {}

  private position(node: Node | Pair | null | undefined): Position {
    const offset = (node as Node | null | undefined)?.range?.[0];
    if (offset === undefined) return { line: 1, column: 1 };
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  private report(node: Node | null | undefined, path: FieldPath, message: string): void {
    this.issues.push({ file: this.file, ...this.position(node), path: formatPath(path), message });
  }

  convert(node: unknown, path: FieldPath): Converted {
    if (node === null || node === undefined) return { value: null, weight: { nodes: 1, text: 0 } };
    if (isAlias(node)) return this.alias(node, path);
    const yamlNode = node as Node;
    if (path.length > MAX_DEPTH) {
      this.report(yamlNode, path, `nested more than ${String(MAX_DEPTH)} levels deep`);
      return { value: INVALID, weight: { nodes: 1, text: 0 } };
    }
    if (yamlNode.tag !== undefined && !PLAIN_TAGS.has(yamlNode.tag)) {
      this.report(yamlNode, path, `tag \`${shortTag(yamlNode.tag)}\` is not supported; use a plain value, mapping or list`);
      return { value: INVALID, weight: { nodes: 1, text: 0 } };
    }
    const anchor = yamlNode.anchor;
    // Registered before the children, so an alias inside its own anchor is caught (not yet done).
    if (anchor) this.anchors.set(anchor, yamlNode);
    let converted: Converted;
    if (isScalar(node)) converted = this.scalar(node.value, path, yamlNode);
    else if (isMap(node)) converted = this.map(node.items, path, yamlNode);
    else if (isSeq(node)) converted = this.seq(node.items, path);
    else {
      this.report(yamlNode, path, 'unsupported YAML node');
      converted = { value: INVALID, weight: { nodes: 1, text: 0 } };
    }
    if (anchor) this.done.set(yamlNode, converted);
    return converted;
  }

  private scalar(value: unknown, path: FieldPath, node: Node): Converted {
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      return { value, weight: { nodes: 1, text: typeof value === 'string' ? value.length : 8 } };
    }
    this.report(node, path, `unsupported value ${describeValue(value)}`);
    return { value: INVALID, weight: { nodes: 1, text: 0 } };
  }

  private alias(node: Alias, path: FieldPath): Converted {
    const target = this.anchors.get(node.source);
    if (!target) {
      this.report(node, path, `alias \`*${shortText(node.source)}\` has no anchor \`&${shortText(node.source)}\` before it`);
      return { value: INVALID, weight: { nodes: 1, text: 0 } };
    }
    const converted = this.done.get(target);
    if (!converted) {
      this.report(node, path, `alias \`*${shortText(node.source)}\` refers to a node that contains it`);
      return { value: INVALID, weight: { nodes: 1, text: 0 } };
    }
    this.aliasNodes += converted.weight.nodes;
    this.aliasText += converted.weight.text;
    if (this.aliasNodes > this.limits.aliasNodes || this.aliasText > this.limits.aliasText) {
      // Once over, every later alias is too: report the first one only.
      if (!this.overBudget) {
        this.report(
          node,
          path,
          `aliases expand the file past ${String(this.limits.aliasNodes)} nodes or ${String(this.limits.aliasText)} characters; write the values out or use \`defaults\``,
        );
      }
      this.overBudget = true;
      return { value: INVALID, weight: { nodes: 1, text: 0 } };
    }
    return converted;
  }

  private seq(items: readonly unknown[], path: FieldPath): Converted {
    const value: unknown[] = [];
    const weight = { nodes: 1, text: 0 };
    items.forEach((item, index) => {
      const converted = this.convert(item, [...path, index]);
      value.push(converted.value);
      add(weight, converted.weight);
    });
    return { value, weight };
  }

  private map(pairs: readonly Pair[], path: FieldPath, node: Node): Converted {
    const value: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    const weight = { nodes: 1, text: 0 };
    const seen = new Map<string, Node>();
    const merges: Record<string, unknown>[] = [];
    for (const pair of pairs) {
      const keyNode = pair.key as Node | null;
      if (isMergeKey(keyNode)) {
        merges.push(...this.mergeSources(pair.value, [...path, '<<'], weight));
        continue;
      }
      const key = this.key(keyNode, path, node);
      if (key === undefined) continue;
      const keyPath = [...path, key];
      const first = seen.get(key);
      if (first) {
        const at = this.position(first);
        this.report(keyNode, keyPath, `duplicate key ${describeValue(key)}, also at line ${String(at.line)}, column ${String(at.column)}`);
        continue;
      }
      seen.set(key, keyNode ?? node);
      const converted = this.convert(pair.value, keyPath);
      add(weight, converted.weight);
      weight.text += key.length;
      value[key] = converted.value;
    }
    // Keys of the mapping itself win over merged ones; earlier merge sources win over later ones.
    for (const source of merges) {
      for (const [key, merged] of Object.entries(source)) if (!(key in value)) value[key] = merged;
    }
    return { value, weight };
  }

  private mergeSources(raw: unknown, path: FieldPath, weight: Weight): Record<string, unknown>[] {
    const sources = isSeq(raw) ? raw.items : [raw];
    const maps: Record<string, unknown>[] = [];
    for (const source of sources) {
      const converted = this.convert(source, path);
      add(weight, converted.weight);
      if (converted.value === INVALID) continue;
      if (!isMapping(converted.value)) {
        this.report(source as Node, path, `\`<<\` merges mappings only, got ${describeValue(converted.value)}`);
        continue;
      }
      maps.push(converted.value);
    }
    return maps;
  }

  private key(keyNode: Node | null, path: FieldPath, parent: Node): string | undefined {
    const node = keyNode;
    if (node !== null && !isScalar(node)) {
      const what = isAlias(node) ? 'an alias' : 'a mapping or list';
      this.report(keyNode, path, `a key must be a plain value written out, not ${what}`);
      return undefined;
    }
    if (node?.tag !== undefined && !PLAIN_TAGS.has(node.tag)) {
      this.report(keyNode, path, `tag \`${shortTag(node.tag)}\` is not supported; use a plain key`);
      return undefined;
    }
    const key = keyText(node ?? null);
    if (RESERVED_KEYS.has(key)) {
      this.report(keyNode ?? parent, [...path, key], `\`${key}\` cannot be used as a name here (it is reserved in JavaScript)`);
      return undefined;
    }
    return key;
  }
}

function add(total: Weight, part: Weight): void {
  total.nodes += part.nodes;
  total.text += part.text;
}

/** A `<<` written plain: YAML's merge key. A quoted "<<" is an ordinary key. */
function isMergeKey(node: Node | null): boolean {
  return isScalar(node) && node.type === 'PLAIN' && node.value === '<<' && node.tag === undefined;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function shortTag(tag: string): string {
  return shortText(tag.replace(/^tag:yaml\.org,2002:/, '!!'));
}

function shortText(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

export function yamlToData(
  doc: Document,
  opts: { file: string; lines: LineCounter; limits?: ExpansionLimits },
): { data: unknown; issues: ConfigIssue[] } {
  const converter = new Converter(opts.file, opts.lines, opts.limits ?? DEFAULT_EXPANSION_LIMITS);
  const { value } = converter.convert(doc.contents, []);
  return { data: value, issues: converter.issues };
}
