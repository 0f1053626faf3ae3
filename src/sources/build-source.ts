/**
 * The head's images built with buildx from the checkout: every
 * job of the budget file built, measured and analysed (build-and-measure.ts). A failed build
 * is a measured image with its error, reported as `error`; every other image still is.
 */
import type { BudgetFile } from '../config/types.js';
import { buildAndMeasure, type BuildAndMeasureOptions } from './build-and-measure.js';
import { measuredResult, type ImageSource } from './source.js';

export function buildSource(file: BudgetFile, options: BuildAndMeasureOptions): ImageSource {
  return {
    kind: 'build',
    measure: async () => {
      const started = Date.now();
      // Once every head build is done, a base job the head does not have waits no longer.
      const measured = await buildAndMeasure(file, options).finally(() => {
        if (options.handoff?.role === 'report') options.handoff.with.finished();
      });
      return {
        ...measuredResult('build', measured, started, `built ${measured.length} job(s)`),
        cachedSteps: measured.reduce((n, m) => n + m.build.cachedSteps, 0),
      };
    },
  };
}
