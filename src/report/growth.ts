/**
 * What moved an image, layer by layer, computed once for every renderer (comment, summary,
 * terminal): the layer changes against the base, "why it grew" (the layers that grew it most)
 * and how an instruction is shown — the Dockerfile's own text when the measurement read it,
 * else BuildKit's record without its `/bin/sh -c` and `# buildkit` noise. Pure.
 */
import { diffLayers } from '../compare/layer-diff.js';
import type { LayerDiffRow, ReportEntry, ReportLayer } from '../types.js';

export type LayerChange =
  | { kind: 'unchanged'; head: ReportLayer; base: ReportLayer; delta: 0 }
  | { kind: 'changed'; head: ReportLayer; base: ReportLayer; delta: number }
  | { kind: 'added'; head: ReportLayer; base: null; delta: number }
  | { kind: 'removed'; head: null; base: ReportLayer; delta: number };

/**
 * The compare stage's `layerDiff`; for an older report that has only the base's layers, the
 * same pairing is computed here. null when there is nothing to pair.
 */
export function layerChangesOf(entry: ReportEntry): LayerChange[] | null {
  const baseLayers = entry.baseline?.layers;
  const rows: LayerDiffRow[] | null =
    entry.layerDiff ?? (baseLayers && entry.layers.length + baseLayers.length > 0 ? diffLayers(baseLayers, entry.layers) : null);
  if (!rows) return null;
  return rows.map((row): LayerChange => {
    const delta = row.delta.compressedBytes;
    if (row.state === 'added' && row.head) return { kind: 'added', head: row.head, base: null, delta };
    if (row.state === 'removed' && row.base) return { kind: 'removed', head: null, base: row.base, delta };
    if (row.state === 'unchanged' && row.head && row.base) return { kind: 'unchanged', head: row.head, base: row.base, delta: 0 };
    if (row.head && row.base) return { kind: 'changed', head: row.head, base: row.base, delta };
    // A row without its layers says nothing we can show; keep it as whichever side exists.
    return row.head
      ? { kind: 'added', head: row.head, base: null, delta }
      : { kind: 'removed', head: null, base: row.base as ReportLayer, delta };
  });
}

export interface GrowthStep {
  layer: ReportLayer;
  delta: number;
  /** Share of the image's growth, 0–1; null when the layers that grew add up to nothing. */
  share: number | null;
}

/** " (54% of the growth)"; nothing when one layer made (nearly) all of it. */
export function shareText(share: number | null): string {
  if (share === null || share >= 0.995) return '';
  return share < 0.01 ? ' (<1% of the growth)' : ` (${Math.round(share * 100)}% of the growth)`;
}

/** The layers that made the image grow, largest first (at most `limit`). */
export function whyItGrew(entry: ReportEntry, limit = 5): GrowthStep[] {
  const changes = layerChangesOf(entry) ?? [];
  const grown = changes
    .flatMap((c) => (c.delta > 0 && c.head !== null ? [{ head: c.head, delta: c.delta }] : []))
    .sort((a, b) => b.delta - a.delta);
  const total = grown.reduce((sum, c) => sum + c.delta, 0);
  return grown.slice(0, limit).map((c) => ({ layer: c.head, delta: c.delta, share: total > 0 ? c.delta / total : null }));
}

/**
 * The image changed but no layer did: only the config blob (labels, env, entrypoint, user…)
 * differs — a size change of a few hundred bytes, or none when a value kept its length
 * (`configChanges` says so then).
 */
export function isConfigOnlyChange(entry: ReportEntry): boolean {
  const changes = layerChangesOf(entry);
  if (!changes || changes.length === 0 || !entry.baseline || entry.compressedBytes === null) return false;
  const moved = entry.compressedBytes !== entry.baseline.compressedBytes || (entry.configChanges?.length ?? 0) > 0;
  return moved && changes.every((c) => c.kind === 'unchanged');
}

/** BuildKit's `created_by` as the instruction a person wrote: `RUN |1 A=1 /bin/sh -c x # buildkit` → `RUN x`. */
export function cleanCreatedBy(createdBy: string): string {
  let text = createdBy.trim().replace(/\s+# buildkit$/, '');
  const nop = /^\/bin\/sh -c #\(nop\)\s*/.exec(text);
  if (nop) return text.slice(nop[0].length);
  text = text.replace(/^RUN (?:\|\d+ (?:\S+=\S* )*)?\/bin\/sh -c /, 'RUN ');
  return text.replace(/^\/bin\/sh -c /, 'RUN ');
}

/** The instruction behind a layer, as lines: the Dockerfile's own text, else BuildKit's record; null for base layers. */
export function instructionLines(layer: Pick<ReportLayer, 'createdBy' | 'dockerfile'>): string[] | null {
  const source = layer.dockerfile?.source;
  if (source) return source.split('\n');
  return layer.createdBy ? [cleanCreatedBy(layer.createdBy)] : null;
}

/**
 * The instruction on one line (continuations joined), at most `max` graphemes: the middle is
 * elided, never the end, which is usually what made the bytes (`> /out/assets.bin`).
 */
export function instructionOneLine(layer: Pick<ReportLayer, 'createdBy' | 'dockerfile'>, max = 80): string | null {
  const lines = instructionLines(layer);
  if (!lines) return null;
  const text = lines
    .map((line) => line.trim().replace(/\s*\\$/, ''))
    .filter((line) => line !== '')
    .join(' ');
  return elideMiddleText(text, max);
}

/**
 * `text` shortened to about `max` graphemes with `…` in its middle: a third from the start, the
 * rest from the end, cut at spaces where there are some.
 */
let segmenter: Intl.Segmenter | undefined;

export function elideMiddleText(text: string, max: number): string {
  if (text.length <= max) return text;
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  const graphemes = [...segmenter.segment(text)].map((s) => s.segment);
  if (graphemes.length <= max) return text;
  let head = Math.max(1, Math.floor((max - 3) / 3));
  let tail = Math.max(1, max - 3 - head);
  const headSpace = graphemes.lastIndexOf(' ', head);
  if (headSpace > head / 2) head = headSpace;
  const tailStart = graphemes.length - tail;
  const tailSpace = graphemes.indexOf(' ', tailStart);
  if (tailSpace !== -1 && tailSpace - tailStart < tail / 2) tail = graphemes.length - tailSpace - 1;
  return `${graphemes.slice(0, head).join('').trimEnd()} … ${graphemes
    .slice(graphemes.length - tail)
    .join('')
    .trimStart()}`;
}

/** `Dockerfile:12`, or null for a layer of the base image. */
export function locationOf(layer: Pick<ReportLayer, 'dockerfile'>): string | null {
  return layer.dockerfile ? `${layer.dockerfile.path}:${layer.dockerfile.line}` : null;
}
