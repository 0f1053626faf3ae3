/**
 * The base as a JSON report an earlier run saved (`baseline: report`, `--baseline-report`),
 * read as untrusted input (report-baseline.ts). Sizes only: no build, no registry.
 */
import { access } from 'node:fs/promises';
import { firstLine } from '../baseline/git.js';
import { loadReportBaseline } from '../baseline/report-baseline.js';
import { unavailableSource, type ImageSource } from './source.js';

export function reportSource(reportPath: string | undefined): ImageSource {
  return {
    kind: 'report',
    measure: async () => {
      const started = Date.now();
      if (!reportPath)
        return unavailableSource('report', 'input `baseline-report` is empty: give the path of a saved JSON report', started);
      const found = await access(reportPath).then(
        () => true,
        () => false,
      );
      if (!found) return unavailableSource('report', `no saved report at ${reportPath} (first run?)`, started);
      try {
        const saved = await loadReportBaseline(reportPath);
        const from = saved.commit ? `commit ${saved.commit.slice(0, 7)}` : 'an unknown commit';
        return {
          kind: 'report',
          commit: saved.commit,
          entries: saved.entries,
          missing: [],
          unavailable: null,
          note: `baseline: saved report from ${from}`,
          durationMs: Date.now() - started,
        };
      } catch (error) {
        return unavailableSource('report', firstLine(error instanceof Error ? error.message : String(error)), started);
      }
    },
  };
}
