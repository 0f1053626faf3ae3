/**
 * The long-form markdown report: the job summary and the CLI's `--markdown`. It is the PR
 * comment's content without the length budget of a comment, plus the largest layers of
 * every image.
 */
import { renderComment, type RenderCommentOptions } from './comment.js';
import { renderLargestLayers } from './summary-markdown.js';
import type { Report } from './types.js';

/** Well under the job summary's 1 MiB, leaving room for the layer breakdown. */
const SUMMARY_BODY_LIMIT = 700_000;

export function renderJobSummary(report: Report, options: Omit<RenderCommentOptions, 'maxLength'>): string {
  const body = renderComment(report, { ...options, maxLength: SUMMARY_BODY_LIMIT });
  // The hidden marker identifies the PR comment; in a summary it is noise.
  const withoutMarker = body.replace(/^<!-- image-budget:comment [^\n]*-->\n/, '');
  return `${withoutMarker}\n\n${renderLargestLayers(report)}`;
}
