/**
 * dive's efficiency score and wasted bytes, reproduced from its source (wagoodman/dive,
 * dive/filetree/efficiency.go, file_tree.go, file_node.go; dive/image/image.go) so a user can
 * match `dive --ci`. Its quirks are kept on purpose and listed in docs/analysis.md:
 * - every copy of a path seen in two or more layers counts as waste, the kept one too (dive#684);
 * - a deleted file is waste (its whiteout weighs 0, so the minimum is 0), a deleted directory
 *   is not (its whiteout is a new path whose only copy weighs what was under it);
 * - opaque whiteouts (`.wh..wh..opq`) are dropped, so what they hide is never counted;
 * - a whiteout of a path absent below stops the scan of the rest of that layer.
 * Pure; the layer entries are those read by read-layer.
 */
import type { LayerEntry } from './types.js';

const WHITEOUT_PREFIX = '.wh.';
const DOUBLE_WHITEOUT_PREFIX = '.wh..wh..';

/** dive's FileNode, trimmed to what the figures need. */
interface DiveNode {
  name: string;
  parent: DiveNode | null;
  children: Map<string, DiveNode>;
  size: number;
  isDir: boolean;
}

function newNode(name: string, parent: DiveNode | null, size = 0, isDir = false): DiveNode {
  return { name, parent, children: new Map(), size, isDir };
}

/** Go's sort.Strings order (bytewise on UTF-8; UTF-16 order differs only past U+FFFF). */
function sortedChildren(node: DiveNode): DiveNode[] {
  return [...node.children].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, child]) => child);
}

function splitNames(path: string): string[] {
  return path.split('/').filter((n) => n !== '');
}

/** FileTree.AddPath: intermediate nodes get an empty payload (size 0, not a directory). */
function addPath(root: DiveNode, path: string, size: number, isDir: boolean): void {
  const names = splitNames(path);
  let node = root;
  for (const [i, name] of names.entries()) {
    let child = node.children.get(name);
    if (!child) {
      if (name.startsWith(DOUBLE_WHITEOUT_PREFIX)) return;
      child = newNode(name, node);
      node.children.set(name, child);
    }
    node = child;
    if (i === names.length - 1) {
      node.size = size;
      node.isDir = isDir;
    }
  }
}

function getNode(root: DiveNode, path: string): DiveNode | null {
  let node = root;
  for (const name of splitNames(path)) {
    const next = node.children.get(name);
    if (!next) return null;
    node = next;
  }
  return node;
}

/** FileNode.Path: the node's own `.wh.` prefix is dropped, not its parents'. */
function nodePath(node: DiveNode): string {
  const names: string[] = [];
  for (let cur: DiveNode = node; cur.parent; cur = cur.parent) {
    names.unshift(cur === node && cur.name.startsWith(WHITEOUT_PREFIX) ? cur.name.slice(WHITEOUT_PREFIX.length) : cur.name);
  }
  return `/${names.join('/')}`.replaceAll('//', '/');
}

/** Depth first, children (in name order) before their parent, the root never visited. Stops at the first error. */
function visitChildFirst(node: DiveNode, isRoot: boolean, visit: (n: DiveNode) => boolean, onlyLeaves: boolean): boolean {
  for (const child of sortedChildren(node)) {
    if (!visitChildFirst(child, false, visit, onlyLeaves)) return false;
  }
  if (isRoot) return true;
  if (onlyLeaves && node.children.size > 0) return true;
  return visit(node);
}

function copyTree(node: DiveNode, parent: DiveNode | null): DiveNode {
  const copy = newNode(node.name, parent, node.size, node.isDir);
  for (const [name, child] of node.children) copy.children.set(name, copyTree(child, copy));
  return copy;
}

/** FileTree.Stack: whiteouts remove the path below, everything else is (re)added with its payload. */
function stackTree(lower: DiveNode, upper: DiveNode): void {
  visitChildFirst(
    upper,
    true,
    (node) => {
      const path = nodePath(node);
      if (node.name.startsWith(WHITEOUT_PREFIX)) {
        const target = getNode(lower, path);
        if (target?.parent) target.parent.children.delete(target.name);
      } else {
        addPath(lower, path, node.size, node.isDir);
      }
      return true;
    },
    false,
  );
}

/** One dive FileTree per layer, as processLayerTar builds it. */
export function buildDiveTree(entries: readonly LayerEntry[]): DiveNode {
  const root = newNode('', null, 0, false);
  for (const e of entries) addPath(root, e.path, e.size, e.type === 'dir');
  return root;
}

export interface DiveFigures {
  efficiency: number;
  wastedBytes: number;
  /**
   * File bytes of every layer but the first: the base of dive's `highestUserWastedPercent`
   * (image.Analyze's userSizeBytes, each layer's size being the sum of its tar entries' sizes).
   */
  userFileBytes: number;
}

/** filetree.Efficiency + image.Analyze's WastedBytes and userSizeBytes. */
export function computeDiveFigures(layers: readonly (readonly LayerEntry[])[]): DiveFigures {
  const trees = layers.map(buildDiveTree);
  const data = new Map<string, { cumulative: number; min: number; count: number }>();
  const inefficient: { cumulative: number }[] = [];

  // StackTreeRange(trees, 0, idx-1) is a copy of tree 0 with trees 0..idx-1 stacked on it:
  // built incrementally, once per layer that has a whiteout.
  let stacked: DiveNode | null = null;
  let stackedUpTo = -1;
  const stackedBelow = (idx: number): DiveNode => {
    if (stacked === null) {
      const [first] = trees;
      if (first === undefined) throw new Error('dive figures: no layer to stack');
      stacked = copyTree(first, null);
    }
    for (const tree of trees.slice(stackedUpTo + 1, idx)) stackTree(stacked, tree);
    stackedUpTo = Math.max(stackedUpTo, idx - 1);
    return stacked;
  };

  trees.forEach((tree, idx) => {
    visitChildFirst(
      tree,
      true,
      (node) => {
        const path = nodePath(node);
        let size = 0;
        if (node.name.startsWith(WHITEOUT_PREFIX)) {
          const previous = getNode(stackedBelow(idx), path);
          if (!previous) return false; // dive returns the error: the rest of this layer is skipped
          if (previous.isDir) {
            visitChildFirst(previous, false, (n) => ((size += n.size), true), false);
          }
        } else {
          size = node.size;
        }
        let d = data.get(path);
        if (!d) {
          d = { cumulative: 0, min: -1, count: 0 };
          data.set(path, d);
        }
        d.cumulative += size;
        if (d.min < 0 || size < d.min) d.min = size;
        d.count++;
        if (d.count === 2) inefficient.push(d);
        return true;
      },
      true,
    );
  });

  let minimum = 0;
  let discovered = 0;
  for (const d of data.values()) {
    minimum += d.min;
    discovered += d.cumulative;
  }
  let wastedBytes = 0;
  for (const d of inefficient) wastedBytes += d.cumulative;
  let userFileBytes = 0;
  for (const entries of layers.slice(1)) for (const e of entries) userFileBytes += e.size;
  return { efficiency: discovered === 0 ? 1 : minimum / discovered, wastedBytes, userFileBytes };
}
