/** Rows of the per-stage table the integrator renders; flags a single-stage Dockerfile whose image ships a toolchain. Pure. */
import type { Hint } from '../types.js';

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
  /** The Dockerfile has one stage, and its image contains a toolchain: a multi-stage build would drop it. */
  singleStageWithToolchain: boolean;
}

/**
 * `dockerfileStages` is the number of FROMs in the Dockerfile (null when unknown): the rows
 * cannot tell, since only named stages are built for the table and a failed build has no row.
 */
export function stageReport(stages: readonly StageInput[], dockerfileStages: number | null): StageReport {
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
  return { rows, singleStageWithToolchain: dockerfileStages === 1 && rows.some((row) => row.hasToolchain) };
}
