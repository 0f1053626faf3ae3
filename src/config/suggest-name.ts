/** "Did you mean" for mistyped field names: the closest candidate by edit distance. */

function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    let diagonal = previous[0] ?? 0;
    previous[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const above = previous[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      previous[j] = Math.min(above + 1, (previous[j - 1] ?? 0) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return previous[b.length] ?? 0;
}

/** `_` vs `-` and case are the usual slips, so they cost nothing. */
const normalize = (name: string): string => name.toLowerCase().replace(/[_\s]/g, '-');

/** The closest candidate, or undefined when nothing is close enough to be a plausible typo. */
export function suggestName(input: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(normalize(input), normalize(name));
    if (!best || distance < best.distance) best = { name, distance };
  }
  if (!best) return undefined;
  const allowed = Math.max(2, Math.floor(best.name.length / 3));
  return best.distance <= allowed ? best.name : undefined;
}
