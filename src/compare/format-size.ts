/** Signed sizes and percents for deltas, on top of the one size formatter of the project. */
import { formatSize } from '../config/size.js';

/** `25 MB`, `6.2 MB`: docker-like SI units, the same text everywhere in the report. */
export function formatBytes(bytes: number): string {
  return formatSize(bytes);
}

/** `+6.2 MB`, `-300 kB`, `0 B`. */
export function formatSignedBytes(bytes: number): string {
  return bytes > 0 ? `+${formatSize(bytes)}` : formatSize(bytes);
}

/** `+24.1%`, `-3%`, `+∞%` for growth from nothing. */
export function formatSignedPercent(percent: number): string {
  if (!Number.isFinite(percent)) return percent > 0 ? '+∞%' : '-∞%';
  const text = Number(percent.toFixed(1)).toString();
  return percent > 0 ? `+${text}%` : `${text}%`;
}
