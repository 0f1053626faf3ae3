/**
 * The percent of a delta budget's message. Unlike the report's rounded `formatPercent`, it keeps
 * one decimal: "+10.4% > max-increase 10%" must not read "+10% > 10%".
 */

/** `+24.1%`, `-3%`, `+∞%` for growth from nothing. */
export function formatSignedPercent(percent: number): string {
  if (!Number.isFinite(percent)) return percent > 0 ? '+∞%' : '-∞%';
  const text = Number(percent.toFixed(1)).toString();
  return percent > 0 ? `+${text}%` : `${text}%`;
}
