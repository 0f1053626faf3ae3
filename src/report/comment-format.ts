/** Number formatting and text limits for the PR comment and the summary: sizes like docker prints them, signed deltas, bars. */
import { formatSize } from '../config/size.js';

/** Sizes like docker prints them ("25.3 MB"): the one formatter of the project. */
export const formatBytes = formatSize;

/** "+1.2 MB", "-300 kB", "0 B". */
export function formatDelta(bytes: number): string {
  if (bytes === 0) return '0 B';
  return bytes > 0 ? `+${formatBytes(bytes)}` : formatBytes(bytes);
}

/** "+4.8%", "-0.3%", "0%"; null when there is nothing to compare with. */
export function formatPercent(delta: number, base: number): string | null {
  if (base <= 0) return null;
  const pct = (delta / base) * 100;
  if (pct === 0) return '0%';
  const abs = Math.abs(pct);
  const text = abs < 0.1 ? '<0.1' : abs < 10 ? abs.toFixed(1) : abs.toFixed(0);
  return `${pct > 0 ? '+' : '-'}${text}%`;
}

/** "301 kB → 5.3 MB (+5 MB, +1662%)": base, head, Δ bytes and Δ%. */
export function formatMovement(base: number, head: number): string {
  const delta = head - base;
  const pct = formatPercent(delta, base);
  return `${formatBytes(base)} → ${formatBytes(head)} (${formatDelta(delta)}${pct === null ? '' : `, ${pct}`})`;
}

const BAR_CELLS = 10;

/** `▓▓▓▓▓░░░░░ 48%`: how much of a budget is used; a full bar past 100%. */
export function formatUsageBar(used: number, max: number): string {
  if (max <= 0) return '—';
  const ratio = used / max;
  const filled = Math.min(BAR_CELLS, Math.max(0, Math.round(ratio * BAR_CELLS)));
  return `${'▓'.repeat(filled)}${'░'.repeat(BAR_CELLS - filled)} ${Math.round(ratio * 100)}%`;
}

/** "1 image", "3 images". */
export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Longest name/target/platform shown, in graphemes (before escaping). */
export const MAX_NAME = 80;
/** Longest finding, note or hint message shown, in graphemes. */
export const MAX_MESSAGE = 300;
