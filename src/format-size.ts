/**
 * How sizes, deltas and percentages are written for people, everywhere (reports, findings,
 * logs): docker-like SI units ("9.57 MB") from config/size.ts, signed deltas ("+5 MB") and
 * percentages ("+109%"). A leaf module, so every stage can import it.
 */
import { formatSize } from './config/size.js';

/** Sizes like docker prints them ("25.3 MB", "812 kB", "512 B"). */
export const formatBytes = formatSize;

/** "+1.2 MB", "-300 kB", "0 B". */
export function formatDelta(bytes: number): string {
  if (bytes === 0) return '0 B';
  return bytes > 0 ? `+${formatBytes(bytes)}` : formatBytes(bytes);
}

/** "+4.8%", "-0.3%", "0%", "<0.1%" for a tiny change either way; null when there is nothing to compare with. */
export function formatPercent(delta: number, base: number): string | null {
  if (base <= 0) return null;
  const pct = (delta / base) * 100;
  if (pct === 0) return '0%';
  const abs = Math.abs(pct);
  // Unsigned when tiny: a browser may break a line between `+` and `<`.
  if (abs < 0.1) return '<0.1%';
  return `${pct > 0 ? '+' : '-'}${abs < 10 ? abs.toFixed(1) : abs.toFixed(0)}%`;
}

/** "+5 MB, +109%": Δ bytes and, when there is a base, Δ%. */
export function formatChange(delta: number, base: number | null): string {
  const pct = base === null ? null : formatPercent(delta, base);
  return pct === null ? formatDelta(delta) : `${formatDelta(delta)}, ${pct}`;
}

/** "301 kB → 5.3 MB (+5 MB, +1662%)": base, head, Δ bytes and Δ%. */
export function formatMovement(base: number, head: number): string {
  return `${formatBytes(base)} → ${formatBytes(head)} (${formatChange(head - base, base)})`;
}

/** A share as a whole percentage: 1.74 → "174%". */
export function formatShare(ratio: number): string {
  return `${Math.round(ratio * 100)}%`;
}
