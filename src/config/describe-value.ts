/** How a value reads in a message: the value itself for scalars, its kind otherwise. */
export function describeValue(input: unknown): string {
  if (input === null) return 'an empty value';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a mapping';
  return JSON.stringify(input) ?? String(input);
}
