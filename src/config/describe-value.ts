/** How a value reads in a message: a short prefix of scalars, its kind otherwise. */
import { shortQuoted } from './locate-node.js';

export function describeValue(input: unknown): string {
  if (input === null) return 'an empty value';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a mapping';
  if (typeof input === 'string') return shortQuoted(input);
  if (typeof input === 'number') {
    // JSON would print NaN and Infinity as "null".
    if (Number.isNaN(input)) return '.nan (not a number)';
    if (!Number.isFinite(input)) return `${input > 0 ? '' : '-'}.inf (a number too large to use)`;
    return String(input);
  }
  if (typeof input === 'undefined') return 'nothing';
  if (typeof input === 'boolean' || typeof input === 'bigint') return String(input);
  return typeof input;
}
