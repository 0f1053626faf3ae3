/**
 * The merged file tree: layers applied in order as containerd's overlay applier does
 * (whiteouts, opaque directories, overwrites, hard links, symlinked parent directories), with
 * every byte that stops being visible recorded as a waste event. Pure: entries in, figures out.
 */
import type { LayerChangeSummary, LayerEntry, PathBytes, WasteEvent } from './types.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
/** Paths listed per change kind of a layer. */
export const TOP_PATHS = 10;
/** Symlinks followed while resolving one path before giving up (continuity's fs.RootPath: 255). */
const MAX_LINKS = 255;

/** A file's content; hard links share one, so its bytes count once. */
interface Inode {
  size: number;
  addedBy: number;
  links: number;
}

export interface DirNode {
  kind: 'dir';
  children: Map<string, TreeNode>;
  addedBy: number;
}

export interface LeafNode {
  kind: 'file' | 'symlink' | 'other';
  /** Set for regular files and hard links. */
  inode: Inode | null;
  addedBy: number;
  hardlink: boolean;
  /** A symlink's target, as written. */
  target?: string;
}

export type TreeNode = DirNode | LeafNode;

export interface LayerDelta {
  addedFileBytes: number;
  added: LayerChangeSummary;
  changed: LayerChangeSummary & { replacedBytes: number };
  removed: LayerChangeSummary;
}

export interface MergedTree {
  root: DirNode;
  layers: LayerDelta[];
  events: WasteEvent[];
  /** Σ regular-file bytes over all layers. */
  totalFileBytes: number;
  /** Regular-file bytes still visible in the final filesystem, each inode once. */
  finalFileBytes: number;
  wastedBytes: number;
}

export type Whiteout = { kind: 'whiteout'; target: string } | { kind: 'opaque'; dir: string } | { kind: 'meta' } | null;

function splitPath(path: string): { parent: string; name: string } {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? { parent: '', name: path } : { parent: path.slice(0, slash), name: path.slice(slash + 1) };
}

function joinPath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}/${name}`;
}

/** `a/.wh.b` deletes `a/b`; `a/.wh..wh..opq` makes `a` opaque; other `.wh..wh.*` are aufs metadata. */
export function parseWhiteout(path: string): Whiteout {
  const { parent, name } = splitPath(path);
  if (!name.startsWith(WHITEOUT_PREFIX)) return null;
  if (name === OPAQUE_MARKER) return { kind: 'opaque', dir: parent };
  if (name.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) return { kind: 'meta' };
  return { kind: 'whiteout', target: joinPath(parent, name.slice(WHITEOUT_PREFIX.length)) };
}

function newSummary(): LayerChangeSummary {
  return { count: 0, bytes: 0, top: [] };
}

/** Keeps `top` sorted by bytes, largest first, at most TOP_PATHS long. */
export function pushTop(top: PathBytes[], item: PathBytes, limit = TOP_PATHS): void {
  // Ties go by path, so the list does not depend on the order paths were met.
  const before = (a: PathBytes, b: PathBytes) => a.bytes > b.bytes || (a.bytes === b.bytes && a.path < b.path);
  const last = top.at(-1);
  if (top.length >= limit && last !== undefined && !before(item, last)) return;
  // `top` is sorted: the item goes before the first entry it beats.
  const at = top.findIndex((other) => before(item, other));
  top.splice(at < 0 ? top.length : at, 0, item);
  if (top.length > limit) top.pop();
}

class TreeBuilder {
  readonly root: DirNode = { kind: 'dir', children: new Map(), addedBy: -1 };
  readonly layers: LayerDelta[] = [];
  readonly events: WasteEvent[] = [];
  totalFileBytes = 0;

  lookup(path: string): TreeNode | undefined {
    if (path === '') return this.root;
    let node: TreeNode = this.root;
    for (const part of path.split('/')) {
      if (node.kind !== 'dir') return undefined;
      const next: TreeNode | undefined = node.children.get(part);
      if (!next) return undefined;
      node = next;
    }
    return node;
  }

  /**
   * `path` with the symlinks of layer `layer` in it followed, as containerd applies a layer on
   * an overlay snapshotter (diff/apply: archive.Apply into the new snapshot's upper directory,
   * resolving each entry's parent with continuity's fs.RootPath there): only what this layer
   * wrote so far is in that directory, so its own symlinks are followed (an absolute target
   * starts again at the root, a relative one at the link's directory, `..` stops at the root),
   * while a lower layer's symlink is not seen. The directory then created in the upper hides
   * it: `lib/x` over a lower `lib -> usr/lib` makes `lib` a directory (checked against dockerd
   * 26 with the containerd image store in test/integration/analysis/analyze-buildx.test.ts).
   */
  resolve(path: string, layer: number): string {
    return this.walk(path, layer).path;
  }

  /** resolve, and the directory it ends on when every part of the result already is one. */
  private walk(path: string, layer: number): { path: string; dir: DirNode | null } {
    let parts = path === '' ? [] : path.split('/');
    let done: string[] = [];
    let dir: DirNode | null = this.root;
    let links = 0;
    while (parts.length > 0) {
      const part = parts.shift();
      if (part === undefined || part === '' || part === '.') continue;
      if (part === '..') {
        done.pop();
        const up = this.lookup(done.join('/'));
        dir = up?.kind === 'dir' ? up : null;
        continue;
      }
      const node = dir?.children.get(part);
      if (node?.kind === 'symlink' && node.addedBy === layer && node.target !== undefined && links < MAX_LINKS) {
        links++;
        if (node.target.startsWith('/')) {
          done = [];
          dir = this.root;
        }
        parts = [...node.target.split('/'), ...parts];
        continue;
      }
      done.push(part);
      dir = node?.kind === 'dir' ? node : null;
    }
    return { path: done.join('/'), dir };
  }

  /** The parent directory of `path`, created (or a non-directory replaced) as needed. */
  private ensureDir(path: string, layer: number, delta: LayerDelta): DirNode {
    if (path === '') return this.root;
    let dir: DirNode = this.root;
    let current = '';
    for (const part of path.split('/')) {
      current = joinPath(current, part);
      const next = dir.children.get(part);
      if (next?.kind === 'dir') {
        dir = next;
        continue;
      }
      if (next) this.drop(next, current, layer, 'overwritten', delta);
      const made: DirNode = { kind: 'dir', children: new Map(), addedBy: layer };
      dir.children.set(part, made);
      dir = made;
    }
    return dir;
  }

  /** Removes a node and everything under it, recording freed bytes. */
  private drop(node: TreeNode, path: string, layer: number, kind: WasteEvent['kind'], delta: LayerDelta): void {
    if (node.kind === 'dir') {
      for (const [name, child] of node.children) this.drop(child, joinPath(path, name), layer, kind, delta);
      node.children.clear();
      return;
    }
    const freed = this.unlink(node, path, layer, kind);
    if (kind === 'deleted') {
      delta.removed.count++;
      delta.removed.bytes += freed;
      if (freed > 0) pushTop(delta.removed.top, { path, bytes: freed });
    } else {
      delta.changed.replacedBytes += freed;
    }
  }

  /** Drops one link; returns the bytes freed (non-zero only when the last link goes). */
  private unlink(node: LeafNode, path: string, layer: number, kind: WasteEvent['kind']): number {
    const inode = node.inode;
    if (!inode) return 0;
    inode.links--;
    if (inode.links > 0 || inode.size === 0) return 0;
    this.events.push({ kind, path, bytes: inode.size, addedBy: inode.addedBy, removedBy: layer });
    return inode.size;
  }

  applyLayer(entries: readonly LayerEntry[], layer: number): void {
    const delta: LayerDelta = {
      addedFileBytes: 0,
      added: newSummary(),
      changed: { ...newSummary(), replacedBytes: 0 },
      removed: newSummary(),
    };
    this.layers.push(delta);
    // Whiteouts hide lower layers only (OCI image spec), wherever they sit in the tar: apply them first.
    const additions: LayerEntry[] = [];
    for (const entry of entries) {
      const wh = parseWhiteout(entry.path);
      if (!wh) {
        additions.push(entry);
      } else if (wh.kind === 'whiteout') {
        // Whiteouts come first: no symlink of this layer exists yet to resolve through.
        const { parent, name } = splitPath(wh.target);
        const dir = this.lookup(parent);
        const node = dir?.kind === 'dir' ? dir.children.get(name) : undefined;
        if (dir?.kind === 'dir' && node) {
          this.drop(node, wh.target, layer, 'deleted', delta);
          dir.children.delete(name);
        }
      } else if (wh.kind === 'opaque') {
        const dir = this.lookup(wh.dir);
        if (dir?.kind === 'dir') {
          for (const [name, child] of dir.children) this.drop(child, joinPath(wh.dir, name), layer, 'deleted', delta);
          dir.children.clear();
        }
      }
    }
    for (const entry of additions) this.add(entry, layer, delta);
  }

  private add(entry: LayerEntry, layer: number, delta: LayerDelta): void {
    // The parent is resolved through this layer's symlinks (see resolve); the entry itself is
    // not: a directory entry replaces a symlink at its own path.
    const split = splitPath(entry.path);
    const resolved = this.walk(split.parent, layer);
    const name = split.name;
    const path = joinPath(resolved.path, name);
    // An existing parent was found on the way: only a missing one is walked to again, to create it.
    const dir = resolved.dir ?? this.ensureDir(resolved.path, layer, delta);
    const existing = dir.children.get(name);
    if (entry.type === 'dir') {
      if (existing?.kind === 'dir') return;
      if (existing) this.drop(existing, path, layer, 'overwritten', delta);
      dir.children.set(name, { kind: 'dir', children: new Map(), addedBy: layer });
      return;
    }
    let inode: Inode | null = null;
    if (entry.type === 'file') {
      inode = { size: entry.size, addedBy: layer, links: 1 };
      this.totalFileBytes += entry.size;
      delta.addedFileBytes += entry.size;
    } else if (entry.type === 'hardlink' && entry.linkTarget !== null) {
      // containerd's hardlinkRootPath: the target's parent through this layer's symlinks, not the target itself.
      const link = splitPath(entry.linkTarget);
      const target = this.lookup(joinPath(this.resolve(link.parent, layer), link.name));
      inode = target?.kind === 'file' && target.inode ? target.inode : null;
      if (inode && existing && existing.kind !== 'dir' && existing.inode === inode) return; // a link onto itself
      if (inode) inode.links++;
    }
    if (existing) this.drop(existing, path, layer, 'overwritten', delta);
    const kind = entry.type === 'file' || entry.type === 'hardlink' ? 'file' : entry.type === 'symlink' ? 'symlink' : 'other';
    const leaf: LeafNode = { kind, inode, addedBy: layer, hardlink: entry.type === 'hardlink' };
    if (entry.type === 'symlink' && entry.linkTarget !== null) leaf.target = entry.linkTarget;
    dir.children.set(name, leaf);
    if (entry.type !== 'file') return;
    const summary = existing ? delta.changed : delta.added;
    summary.count++;
    summary.bytes += entry.size;
    if (entry.size > 0) pushTop(summary.top, { path, bytes: entry.size });
  }
}

/** Applies the layers (lowest first) and returns the final tree and every figure derived from it. */
export function mergeLayers(layers: readonly (readonly LayerEntry[])[]): MergedTree {
  const builder = new TreeBuilder();
  layers.forEach((entries, i) => {
    builder.applyLayer(entries, i);
  });
  let finalFileBytes = 0;
  for (const file of listFinalFiles(builder.root)) finalFileBytes += file.bytes;
  return {
    root: builder.root,
    layers: builder.layers,
    events: builder.events,
    totalFileBytes: builder.totalFileBytes,
    finalFileBytes,
    wastedBytes: builder.totalFileBytes - finalFileBytes,
  };
}

export interface FinalFile {
  path: string;
  /** 0 for symlinks and for every link of an inode after the first one met. */
  bytes: number;
  addedBy: number;
  kind: LeafNode['kind'] | 'dir';
}

/**
 * Every node of the final filesystem, depth first in name order (directories too, with 0 bytes),
 * so a hard-linked inode's bytes land on one path, always the same one.
 */
export function listFinalFiles(root: DirNode): FinalFile[] {
  const out: FinalFile[] = [];
  const seen = new Set<Inode>();
  const visit = (dir: DirNode, prefix: string) => {
    const byName = [...dir.children].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [name, node] of byName) {
      const path = joinPath(prefix, name);
      if (node.kind === 'dir') {
        out.push({ path, bytes: 0, addedBy: node.addedBy, kind: 'dir' });
        visit(node, path);
        continue;
      }
      let bytes = 0;
      if (node.inode && !seen.has(node.inode)) {
        seen.add(node.inode);
        bytes = node.inode.size;
      }
      out.push({ path, bytes, addedBy: node.addedBy, kind: node.kind });
    }
  };
  visit(root, '');
  return out;
}

export function largestFiles(files: readonly FinalFile[], limit: number): PathBytes[] {
  const top: PathBytes[] = [];
  for (const f of files) if (f.kind !== 'dir' && f.bytes > 0) pushTop(top, { path: `/${f.path}`, bytes: f.bytes }, limit);
  return top;
}

/** Directories by the file bytes under them (each inode once); the root itself excluded. */
export function largestDirectories(files: readonly FinalFile[], limit: number): PathBytes[] {
  const sums = new Map<string, number>();
  for (const f of files) {
    if (f.bytes === 0) continue;
    let slash = f.path.lastIndexOf('/');
    while (slash > 0) {
      const dir = f.path.slice(0, slash);
      sums.set(dir, (sums.get(dir) ?? 0) + f.bytes);
      slash = dir.lastIndexOf('/');
    }
  }
  const top: PathBytes[] = [];
  for (const [path, bytes] of sums) pushTop(top, { path: `/${path}`, bytes }, limit);
  return top;
}
