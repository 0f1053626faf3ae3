/** Whether to post or update the PR comment, per the `comment` input (pure). */
import { isCompared } from '../report/change.js';
import type { Report, ReportEntry } from '../types.js';

export type CommentMode = 'always' | 'on-change' | 'on-failure' | 'off';

export const COMMENT_MODES: readonly CommentMode[] = ['always', 'on-change', 'on-failure', 'off'];

function moved(entry: ReportEntry): boolean {
  // `change: null` is "compared with nothing" (no baseline, or it was unavailable; see
  // markNoBaseline): nothing is known to have moved, and `baseline: null` there is not "new".
  if (!isCompared(entry)) return false;
  if (entry.baseline === null) return entry.compressedBytes !== null; // new image
  if (entry.compressedBytes === null || entry.uncompressedBytes === null) return entry.status !== 'error'; // removed
  const delta = entry.delta ?? {
    compressedBytes: entry.compressedBytes - entry.baseline.compressedBytes,
    uncompressedBytes: entry.uncompressedBytes - entry.baseline.uncompressedBytes,
  };
  return delta.compressedBytes !== 0 || delta.uncompressedBytes !== 0;
}

function failing(entry: ReportEntry): boolean {
  return entry.status === 'over' || entry.status === 'error';
}

/**
 * - `always`: every run.
 * - `on-change`: when any size moved against the baseline, an image is new or removed, or any
 *   status is not ok; and whenever a comment already exists, so it never shows stale numbers.
 *   Without a baseline nothing can have moved: only a status that is not ok posts.
 * - `on-failure`: when something is over budget or failed; and whenever a comment already
 *   exists, so a fixed PR says so.
 * - `off`: never.
 */
export function shouldComment(mode: CommentMode, report: Report, existingComment: boolean): boolean {
  switch (mode) {
    case 'off':
      return false;
    case 'always':
      return true;
    case 'on-change':
      return existingComment || report.images.some((e) => moved(e) || e.status !== 'ok');
    case 'on-failure':
      return existingComment || report.overBudget || report.images.some(failing);
  }
}
