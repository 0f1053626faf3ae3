/**
 * ImageAnalysis → the report's `analysis`: the figures, the hints, the largest files and
 * directories and a compact per-layer record (counts and bytes, no path lists), bounded so a
 * report with many images still fits a comment's artifact and the 4 MB report limit. Pure.
 */
import type { Analysis, Hint } from '../types.js';
import type { ImageAnalysis } from './types.js';

/** Hints kept per image, largest first (zero-byte Dockerfile hints after the sized ones). */
export const REPORT_MAX_HINTS = 40;
export const REPORT_TOP_FILES = 10;
const MAX_PATH = 1024;
const MAX_TEXT = 1000;

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A ratio for the report's 0..1 schema (NaN/∞ would serialise as null). */
function ratio(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 1;
}

function toReportHint(hint: Hint): Hint {
  const out: Hint = { id: hint.id, path: clip(hint.path, MAX_PATH), bytes: hint.bytes, dockerfile: hint.dockerfile };
  if (hint.layer !== undefined) out.layer = hint.layer;
  if (hint.message !== undefined) out.message = clip(hint.message, MAX_TEXT);
  if (hint.fix !== undefined) out.fix = clip(hint.fix, MAX_TEXT);
  if (hint.removedBy !== undefined) out.removedBy = { layer: hint.removedBy.layer, dockerfile: hint.removedBy.dockerfile };
  return out;
}

export interface ReportAnalysisOptions {
  layerCache?: { hits: number; reads: number };
}

/**
 * The analysis with an image's `ignoreHints` silenced, the figures kept: what its budgets check
 * and (trimmed by toReportAnalysis) what renderers show.
 */
export function withoutIgnoredHints(analysis: ImageAnalysis, ignore: readonly string[]): ImageAnalysis {
  if (ignore.length === 0) return analysis;
  const ignored = new Set(ignore);
  return { ...analysis, hints: analysis.hints.filter((h) => !ignored.has(h.id)) };
}

export function toReportAnalysis(analysis: ImageAnalysis, opts: ReportAnalysisOptions = {}): Analysis {
  // Stable sort: the analyser's order breaks ties.
  const hints = [...analysis.hints].sort((a, b) => b.bytes - a.bytes);
  const kept = hints.slice(0, REPORT_MAX_HINTS);
  const top = (list: { path: string; bytes: number }[]) =>
    list.slice(0, REPORT_TOP_FILES).map((f) => ({ path: clip(f.path, MAX_PATH), bytes: f.bytes }));
  return {
    wastedBytes: analysis.wastedBytes,
    efficiency: ratio(analysis.efficiency),
    hints: kept.map(toReportHint),
    ...(hints.length > kept.length ? { hintsOmitted: hints.length - kept.length } : {}),
    dive: {
      efficiency: ratio(analysis.dive.efficiency),
      wastedBytes: analysis.dive.wastedBytes,
      userFileBytes: analysis.dive.userFileBytes,
    },
    totalFileBytes: analysis.totalFileBytes,
    finalFileBytes: analysis.finalFileBytes,
    largestFiles: top(analysis.largestFiles),
    largestDirectories: top(analysis.largestDirectories),
    ...(opts.layerCache ? { layerCache: { ...opts.layerCache } } : {}),
    layers: analysis.layers.map((layer) => ({
      digest: layer.digest,
      dockerfile: layer.dockerfile,
      added: { files: layer.added.count, bytes: layer.added.bytes },
      changed: { files: layer.changed.count, bytes: layer.changed.bytes, replacedBytes: layer.changed.replacedBytes },
      removed: { files: layer.removed.count, bytes: layer.removed.bytes },
    })),
  };
}
