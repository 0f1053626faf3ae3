/**
 * Layers of the base image paired with the head's, to say which layer grew and which line of
 * the Dockerfile made it. Pure. A layer is the same when its digest is; otherwise it is the
 * "same step" when it comes from the same Dockerfile line and instruction, or, failing line
 * information, from the same `created_by` text.
 */
import type { Contributor, DiffLayer, DockerfileRef, LayerDiffRow, LayerMatch, LayerState } from '../types.js';

/**
 * Only the fields a diff reads: a measured layer carries more (media type, how it was sized),
 * which a saved report or a registry read does not, and the report must not differ with where
 * the base came from.
 */
export function toDiffLayer({ digest, compressedBytes, uncompressedBytes, createdBy, dockerfile }: DiffLayer): DiffLayer {
  return {
    digest,
    compressedBytes,
    uncompressedBytes,
    createdBy,
    dockerfile: dockerfile && keepRef(dockerfile),
  };
}

/** path and line, and the instruction's own text when the measurement read it. */
function keepRef({ path, line, source }: DockerfileRef): DockerfileRef {
  return source === undefined ? { path, line } : { path, line, source };
}

const INSTRUCTIONS = new Set([
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
]);

/**
 * The Dockerfile keyword behind a history entry: BuildKit writes `RUN /bin/sh -c … # buildkit`
 * or `COPY src /dst # buildkit`, the classic builder `/bin/sh -c #(nop) ADD file:… in /` for
 * metadata steps and a bare `/bin/sh -c …` for RUN.
 */
export function instructionKeyword(createdBy: string | null): string | null {
  if (createdBy === null) return null;
  let text = createdBy.trim();
  const nop = /^\/bin\/sh -c #\(nop\)\s*/.exec(text);
  if (nop !== null) text = text.slice(nop[0].length);
  else if (/^(\/bin\/(ba)?sh|sh|cmd) (-c|\/S \/C) /.test(text)) return 'RUN';
  const word = /^[A-Za-z]+/.exec(text)?.[0]?.toUpperCase();
  return word !== undefined && INSTRUCTIONS.has(word) ? word : null;
}

export function diffLayers(base: readonly DiffLayer[], head: readonly DiffLayer[]): LayerDiffRow[] {
  const pairs = new Map<number, { baseIndex: number; match: LayerMatch }>();
  const usedBase = new Set<number>();
  const pairBy = (match: LayerMatch, key: (layer: DiffLayer) => string | null): void => {
    const waiting = new Map<string, number[]>();
    base.forEach((layer, index) => {
      const k = key(layer);
      if (k === null || usedBase.has(index)) return;
      waiting.set(k, [...(waiting.get(k) ?? []), index]);
    });
    head.forEach((layer, index) => {
      const k = key(layer);
      if (k === null || pairs.has(index)) return;
      // In order: the second `COPY . /app` of the head pairs with the second of the base.
      const baseIndex = waiting.get(k)?.shift();
      if (baseIndex === undefined) return;
      pairs.set(index, { baseIndex, match });
      usedBase.add(baseIndex);
    });
  };
  pairBy('digest', (layer) => layer.digest);
  pairBy('dockerfile', (layer) => {
    const keyword = instructionKeyword(layer.createdBy);
    return layer.dockerfile === null || keyword === null ? null : `${layer.dockerfile.path}:${layer.dockerfile.line}:${keyword}`;
  });
  pairBy('created-by', (layer) => layer.createdBy);

  const rows: LayerDiffRow[] = head.map((layer, index) => {
    const pair = pairs.get(index);
    const baseLayer = pair === undefined ? null : (base[pair.baseIndex] ?? null);
    if (pair === undefined || baseLayer === null) return makeRow('added', null, null, layer);
    const state = pair.match === 'digest' ? 'unchanged' : 'changed';
    return makeRow(state, pair.match, baseLayer, layer);
  });
  base.forEach((layer, index) => {
    if (!usedBase.has(index)) rows.push(makeRow('removed', null, layer, null));
  });
  return rows;
}

/** "Why it grew": the rows that grew the image most, largest first. */
export function findTopContributors(
  rows: readonly LayerDiffRow[],
  options: { limit?: number; metric?: 'compressed' | 'uncompressed' } = {},
): Contributor[] {
  const limit = options.limit ?? 5;
  const key = options.metric === 'uncompressed' ? 'uncompressedBytes' : 'compressedBytes';
  const contributors: Contributor[] = [];
  for (const row of rows) {
    if ((row.state !== 'changed' && row.state !== 'added') || row.head === null) continue;
    const deltaBytes = row.delta[key];
    if (deltaBytes <= 0) continue;
    contributors.push({
      location: row.dockerfile === null ? null : `${row.dockerfile.path}:${row.dockerfile.line}`,
      instruction: row.instruction,
      createdBy: row.head.createdBy,
      state: row.state,
      deltaBytes,
      baseBytes: row.base === null ? null : row.base[key],
      headBytes: row.head[key],
    });
  }
  return contributors.sort((a, b) => b.deltaBytes - a.deltaBytes).slice(0, Math.max(0, limit));
}

function makeRow(state: LayerState, match: LayerMatch | null, base: DiffLayer | null, head: DiffLayer | null): LayerDiffRow {
  const subject = head ?? base;
  return {
    state,
    match,
    base: base && toDiffLayer(base),
    head: head && toDiffLayer(head),
    delta: {
      compressedBytes: (head?.compressedBytes ?? 0) - (base?.compressedBytes ?? 0),
      uncompressedBytes: (head?.uncompressedBytes ?? 0) - (base?.uncompressedBytes ?? 0),
    },
    instruction: instructionKeyword(subject?.createdBy ?? null),
    dockerfile: subject?.dockerfile ?? null,
  };
}
