/** Layer-by-layer comparison of one image with its baseline (pure). */
import type { ReportLayer } from './types.js';

export type LayerChange =
  | { kind: 'unchanged'; head: ReportLayer; base: ReportLayer; delta: 0 }
  | { kind: 'changed'; head: ReportLayer; base: ReportLayer; delta: number }
  | { kind: 'added'; head: ReportLayer; base: null; delta: number }
  | { kind: 'removed'; head: null; base: ReportLayer; delta: number };

/**
 * Pairs head layers with base layers: same digest → unchanged; otherwise the first unused base
 * layer made by the same instruction → changed (the usual "same RUN, different bytes");
 * otherwise added. Base layers left over were removed. Deltas use compressed bytes.
 */
export function diffLayers(head: ReportLayer[], base: ReportLayer[]): LayerChange[] {
  const used = new Set<number>();
  const byDigest = new Map<string, number[]>();
  base.forEach((layer, i) => {
    const list = byDigest.get(layer.digest) ?? [];
    list.push(i);
    byDigest.set(layer.digest, list);
  });
  const pending: { layer: ReportLayer; at: number }[] = [];
  const out: (LayerChange | undefined)[] = new Array<LayerChange | undefined>(head.length);
  head.forEach((layer, at) => {
    const i = byDigest.get(layer.digest)?.find((j) => !used.has(j));
    if (i === undefined) {
      pending.push({ layer, at });
      return;
    }
    used.add(i);
    out[at] = { kind: 'unchanged', head: layer, base: base[i] as ReportLayer, delta: 0 };
  });
  for (const { layer, at } of pending) {
    const i = base.findIndex(
      (b, j) => !used.has(j) && b.createdBy !== null && b.createdBy === layer.createdBy,
    );
    if (i >= 0) {
      used.add(i);
      const b = base[i] as ReportLayer;
      out[at] = { kind: 'changed', head: layer, base: b, delta: layer.compressedBytes - b.compressedBytes };
    } else {
      out[at] = { kind: 'added', head: layer, base: null, delta: layer.compressedBytes };
    }
  }
  const changes = out.filter((c): c is LayerChange => c !== undefined);
  base.forEach((layer, i) => {
    if (!used.has(i)) changes.push({ kind: 'removed', head: null, base: layer, delta: -layer.compressedBytes });
  });
  return changes;
}

/** The layers that made the image grow, largest first. */
export function topContributors(changes: LayerChange[], limit: number): LayerChange[] {
  return changes
    .filter((c) => c.delta > 0)
    .sort((a, b) => b.delta - a.delta)
    .slice(0, limit);
}
