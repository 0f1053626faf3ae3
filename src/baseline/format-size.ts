/** Sizes as people read them in a PR comment: decimal units like docker, one decimal at most. */

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'] as const;

export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? '-' : '';
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  // 999.96 kB would print as "1000 kB": carry into the next unit.
  if (unit > 0 && unit < UNITS.length - 1 && Number(value.toFixed(1)) >= 1000) {
    value /= 1000;
    unit++;
  }
  const text = unit === 0 ? String(Math.round(value)) : trimZero(value.toFixed(1));
  return `${sign}${text} ${UNITS[unit]}`;
}

/** `+6.2 MB`, `-300 kB`, `0 B`. */
export function formatSignedBytes(bytes: number): string {
  return bytes > 0 ? `+${formatBytes(bytes)}` : formatBytes(bytes);
}

/** `+24.1%`, `-3%`, `+∞%` for growth from nothing. */
export function formatSignedPercent(percent: number): string {
  if (!Number.isFinite(percent)) return percent > 0 ? '+∞%' : '-∞%';
  const text = trimZero(percent.toFixed(1));
  return percent > 0 ? `+${text}%` : `${text}%`;
}

function trimZero(text: string): string {
  return text.endsWith('.0') ? text.slice(0, -2) : text;
}
