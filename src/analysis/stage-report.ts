/** Rows of the per-stage table the integrator renders; flags a single stage that ships a toolchain. Pure. */
import type { Hint } from '../report/types.js';

export interface StageInput {
  name: string;
  compressedBytes: number;
  uncompressedBytes: number;
  hints: readonly Pick<Hint, 'id'>[];
}

export interface StageRow {
  name: string;
  compressedBytes: number;
  uncompressedBytes: number;
  hasToolchain: boolean;
  hintIds: string[];
}

export interface StageReport {
  rows: StageRow[];
  /** One stage only, and it contains a toolchain: a multi-stage build would drop it. */
  singleStageWithToolchain: boolean;
}

export function stageReport(stages: readonly StageInput[]): StageReport {
  const rows = stages.map((s) => {
    const hintIds = [...new Set(s.hints.map((h) => h.id))].sort();
    return {
      name: s.name,
      compressedBytes: s.compressedBytes,
      uncompressedBytes: s.uncompressedBytes,
      hasToolchain: hintIds.includes('toolchain-in-final-image'),
      hintIds,
    };
  });
  return { rows, singleStageWithToolchain: rows.length === 1 && rows[0]!.hasToolchain };
}
