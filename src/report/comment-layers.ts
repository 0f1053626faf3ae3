/** A layer diff row as the comment shows it, and the growth contributors among them (pure). */
import type { ReportLayer } from '../types.js';

export type LayerChange =
  | { kind: 'unchanged'; head: ReportLayer; base: ReportLayer; delta: 0 }
  | { kind: 'changed'; head: ReportLayer; base: ReportLayer; delta: number }
  | { kind: 'added'; head: ReportLayer; base: null; delta: number }
  | { kind: 'removed'; head: null; base: ReportLayer; delta: number };

/** The layers that made the image grow, largest first. */
export function topContributors(changes: LayerChange[], limit: number): LayerChange[] {
  return changes
    .filter((c) => c.delta > 0)
    .sort((a, b) => b.delta - a.delta)
    .slice(0, limit);
}
