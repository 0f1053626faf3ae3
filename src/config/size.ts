/**
 * Sizes as people write them in a budget file and as docker prints them. SI units are powers
 * of 1000 (docker, registries and `du --si` use them); IEC units (`KiB`…) are powers of 1024.
 */

import { describeValue } from './describe-value.js';

const UNITS: Record<string, number> = {
  B: 1,
  kB: 1e3,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
};

/** What the budget file accepts as a size string (also published in the JSON Schema). */
export const SIZE_PATTERN = '^(?:(\\d+(?:\\.\\d+)?|\\.\\d+) ?(B|kB|KB|MB|GB|TB|KiB|MiB|GiB|TiB)|(\\d+))$';

/** A growth limit in percent of the baseline, e.g. "5%". */
export const PERCENT_PATTERN = '^(\\d+(?:\\.\\d+)?|\\.\\d+) ?%$';

const SIZE_RE = new RegExp(SIZE_PATTERN);
const PERCENT_RE = new RegExp(PERCENT_PATTERN);

/** The largest size a budget may name: every byte count stays an exact integer. */
export const MAX_SIZE_BYTES = Number.MAX_SAFE_INTEGER;

/** The message for anything that is not a size; `got` is the value as the user wrote it. */
export function describeBadSize(got: unknown): string {
  const bytes = typeof got === 'number' ? got : typeof got === 'string' ? sizeValue(got) : undefined;
  if (bytes !== undefined && !(bytes <= MAX_SIZE_BYTES) && !Number.isNaN(bytes)) {
    return `size ${describeValue(got)} is too large: at most ${String(MAX_SIZE_BYTES)} bytes (2^53 - 1, about 9 PB)`;
  }
  return `expected a size like "120MB" or "1.5GiB", got ${describeValue(got)}`;
}

/** Bytes a size string names, unbounded; undefined when it is not a size. */
function sizeValue(text: string): number | undefined {
  const match = SIZE_RE.exec(text.trim());
  if (!match) return undefined;
  // A bare number string ("1024") is bytes, like a bare YAML integer.
  if (match[3] !== undefined) return Number(match[3]);
  const value = Number(match[1]);
  const unit = UNITS[match[2] ?? 'B'] ?? 1;
  // Round: "1.5kB" is 1500 bytes, "0.3KiB" is not a whole number of bytes.
  return Math.round(value * unit);
}

/** A size string that names more than MAX_SIZE_BYTES ("<400 nines>MB"); false for non-sizes. */
export function isSizeTooLarge(text: string): boolean {
  const bytes = sizeValue(text);
  return bytes !== undefined && !(bytes <= MAX_SIZE_BYTES);
}

/** Parses "25MB", "1.5 GiB", "512" or a whole number of bytes; throws on anything else. */
export function parseSize(text: string | number): number {
  const bytes = typeof text === 'number' ? text : sizeValue(text);
  if (bytes !== undefined && Number.isSafeInteger(bytes) && bytes >= 0) return bytes;
  throw new Error(describeBadSize(text));
}

/** Parses "5%" (or "5 %") to 5; throws on anything else. */
export function parsePercent(text: string): number {
  const match = PERCENT_RE.exec(text.trim());
  const value = match ? Number(match[1]) : Number.NaN;
  if (!Number.isFinite(value)) throw new Error(`expected a percentage like "5%", got ${describeValue(text)}`);
  return value;
}

/** A percentage string whose number is not finite ("<400 nines>%"); false for non-percentages. */
export function isPercentTooLarge(text: string): boolean {
  const match = PERCENT_RE.exec(text.trim());
  return match !== null && !Number.isFinite(Number(match[1]));
}

export function isPercent(text: string): boolean {
  return PERCENT_RE.test(text.trim());
}

const SI_STEPS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/**
 * Docker-like human size: SI units, three significant digits, trailing zeros dropped
 * ("25.3 MB", "812 kB", "512 B", "1 GB"). Negative sizes (shrinking deltas) keep their sign.
 */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const sign = bytes < 0 ? '-' : '';
  let value = Math.abs(bytes);
  let step = 0;
  if (value < 1000) return `${sign}${Math.round(value)} B`;
  while (value >= 1000 && step < SI_STEPS.length - 1) {
    value /= 1000;
    step += 1;
  }
  let rounded = Number(value.toPrecision(3));
  // 999.95 kB rounds to 1000 kB: print it as 1 MB like a person would.
  if (rounded >= 1000 && step < SI_STEPS.length - 1) {
    rounded = Number((rounded / 1000).toPrecision(3));
    step += 1;
  }
  return `${sign}${rounded} ${SI_STEPS[step]}`;
}

/**
 * Rounds a size UP to two significant digits in the unit docker would print, and writes it the
 * way a budget file does: 6_930_000 → "7MB", 123_400_000 → "130MB", 995_000 → "1MB".
 * Rounding up keeps a budget derived from a measurement at or above that measurement.
 */
export function formatSizeRoundedUp(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) throw new Error(`cannot round size ${bytes}`);
  const whole = Math.ceil(bytes);
  if (whole < 100) return `${whole}B`;
  let unitIndex = 0;
  while (whole >= 1000 ** (unitIndex + 1) && unitIndex < SI_STEPS.length - 1) unitIndex += 1;
  const unit = 1000 ** unitIndex;
  const digitsBeforePoint = Math.floor(Math.log10(whole / unit)) + 1;
  // Integer arithmetic: the step is at least 10 bytes here, so no floating-point drift.
  const stepBytes = 10 ** (digitsBeforePoint - 2) * unit;
  const roundedBytes = Math.ceil(whole / stepBytes) * stepBytes;
  if (roundedBytes >= unit * 1000 && unitIndex < SI_STEPS.length - 1) {
    return `${Number((roundedBytes / (unit * 1000)).toPrecision(2))}${SI_STEPS[unitIndex + 1]}`;
  }
  return `${Number((roundedBytes / unit).toPrecision(2))}${SI_STEPS[unitIndex]}`;
}
