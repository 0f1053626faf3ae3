/**
 * Formatting for the reports: the project's size formatters (src/format-size.ts), the
 * non-breaking form the markdown tables use so that a number never wraps inside its cell,
 * plurals and text limits.
 */
export { formatBytes, formatChange, formatDelta, formatMovement, formatPercent, formatShare } from '../format-size.js';

export const NBSP = '\u00A0';

/** The text with its spaces made non-breaking: a table cell that holds it never wraps. */
export function nowrap(text: string): string {
  return text.replace(/ /g, NBSP);
}

/** "1 image", "3 images". */
export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Longest name/target/platform shown, in graphemes (before escaping). */
export const MAX_NAME = 80;
/** Longest finding, note or hint message shown, in graphemes. */
export const MAX_MESSAGE = 300;
