/** The job summary: the full report, where the PR comment points when it had to be trimmed. */
import * as core from '@actions/core';

/** GitHub rejects a step summary over 1 MiB; stay a little under it. */
export const JOB_SUMMARY_LIMIT_BYTES = 1024 * 1024 - 1024;

const NOTE =
  '\n\n> [!NOTE]\n> The rest of this report was cut to fit the 1 MiB job summary limit. The JSON report (the `report` output / artifact) has everything.\n';

/**
 * `markdown` cut at a line boundary so that it fits in `maxBytes` (UTF-8) with a note saying
 * so; `<details>` blocks left open by the cut are closed again (pure).
 */
export function fitSummary(markdown: string, maxBytes = JOB_SUMMARY_LIMIT_BYTES): { text: string; trimmed: boolean } {
  if (Buffer.byteLength(markdown, 'utf8') <= maxBytes) return { text: markdown, trimmed: false };
  const lines = markdown.split('\n');
  const closer = '\n</details>';
  const budget = maxBytes - Buffer.byteLength(NOTE, 'utf8');
  const kept: string[] = [];
  let bytes = 0;
  let open = 0;
  for (const line of lines) {
    const size = Buffer.byteLength(line, 'utf8') + 1;
    const opens = (line.match(/<details>/g) ?? []).length - (line.match(/<\/details>/g) ?? []).length;
    // Keep room to close every block still open after this line.
    if (bytes + size + Math.max(0, open + opens) * closer.length > budget) break;
    kept.push(line);
    bytes += size;
    open = Math.max(0, open + opens);
  }
  return { text: `${kept.join('\n')}${closer.repeat(open)}${NOTE}`, trimmed: true };
}

/**
 * Appends `markdown` to the job summary (`GITHUB_STEP_SUMMARY`), trimmed to the limit.
 * Returns false, without throwing, when there is no job summary (e.g. the CLI outside Actions).
 */
export async function writeJobSummary(markdown: string, opts: { maxBytes?: number } = {}): Promise<{ written: boolean; trimmed: boolean }> {
  if (!process.env['GITHUB_STEP_SUMMARY']) return { written: false, trimmed: false };
  const { text, trimmed } = fitSummary(markdown, opts.maxBytes);
  if (trimmed) core.warning("The job summary was trimmed to fit GitHub's 1 MiB limit.");
  await core.summary.addRaw(text, true).write();
  core.summary.emptyBuffer();
  return { written: true, trimmed };
}
