/**
 * Pieces of the long-form report (job summary, `--markdown`): budget descriptions and the
 * largest layers of each image. Pure; every value a PR author controls goes through escape.ts.
 */
import { formatBytes as formatSize, nowrap, plural } from './comment-format.js';
import { codeSpan, escapeCodeSpan, escapeHtml, fencedBlock } from './escape.js';
import { instructionOneLine } from './growth.js';
import { groupHints, hintLines, imageKey, type HintGroup } from './hint-text.js';
import type { AnalysisLayer, Report, ReportEntry } from '../types.js';

export { budgetUsed, describeBudget, describeBudgetUsage } from './budget-text.js';

/** The "largest layers" section stays this small (bytes), whatever the number of images. */
export const LARGEST_LAYERS_MAX_BYTES = 250_000;

/** How many layers the breakdown shows per entry. */
export const LARGEST_LAYERS = 10;

const MAX_CELL = 120;

function layerBreakdown(entry: ReportEntry): string {
  const title = `${entry.name}${entry.target ? ` · ${entry.target}` : ''} · ${entry.platform}`;
  if (entry.error !== null) {
    return [
      `<details><summary>${escapeHtml(title)}: error</summary>`,
      '',
      fencedBlock(entry.error, { info: 'text', maxLines: 60 }),
      '',
      '</details>',
    ].join('\n');
  }
  if (entry.layers.length === 0) return `<details><summary>${escapeHtml(title)}: no layers</summary>\n\n</details>`;
  const largest = [...entry.layers].sort((a, b) => b.compressedBytes - a.compressedBytes).slice(0, LARGEST_LAYERS);
  const rows = largest.map((layer) => {
    const where = layer.dockerfile ? escapeCodeSpan(`${layer.dockerfile.path}:${layer.dockerfile.line}`) : 'base image';
    const text = instructionOneLine(layer, MAX_CELL);
    const instruction = text ? codeSpan(text, { table: true }) : '—';
    const digest = codeSpan(layer.digest.replace(/^sha256:/, '').slice(0, 12), { table: true });
    return `| ${nowrap(formatSize(layer.compressedBytes))} | ${nowrap(formatSize(layer.uncompressedBytes))} | ${where} | ${instruction} | ${digest} |`;
  });
  const left = entry.layers.length - largest.length;
  const more = left > 0 ? `\n\n${plural(left, 'smaller layer', 'smaller layers')} not shown.` : '';
  const what = entry.layers.length === 1 ? 'its 1 layer' : `largest of ${entry.layers.length} layers`;
  return [
    `<details><summary>${escapeHtml(title)}: ${what}</summary>`,
    '',
    '| compressed | on\u00A0disk | Dockerfile | instruction | digest |',
    '| ---: | ---: | --- | --- | --- |',
    ...rows,
    more,
    '',
    '</details>',
  ].join('\n');
}

/** The "what to slim" section stays this small (bytes), whatever the number of images. */
export const SLIM_SECTION_MAX_BYTES = 150_000;
const SLIM_FILES = 10;
const SLIM_HINTS = 15;
/** Layers shown per image in "what to slim", most added bytes first; directories likewise. */
const SLIM_LAYERS = 5;
const SLIM_DIRECTORIES = 5;

function whereOf(ref: { path: string; line: number } | null | undefined): string {
  return ref ? escapeCodeSpan(`${ref.path}:${ref.line}`, { maxLength: MAX_CELL }) : 'base image';
}

function stageTable(entry: ReportEntry): string[] {
  if (!entry.stages || entry.stages.length === 0) return [];
  const rows = entry.stages.map((row) => {
    const name = row.name === null ? '(last stage)' : escapeCodeSpan(row.name, { maxLength: MAX_CELL });
    const wasted = row.wastedBytes === null ? '—' : formatSize(row.wastedBytes);
    return `| ${row.current ? `**${name}**` : name} | ${formatSize(row.compressedBytes)} | ${formatSize(row.uncompressedBytes)} | ${wasted} | ${row.hasToolchain ? 'toolchain' : ''} |`;
  });
  const single = entry.singleStageWithToolchain
    ? ['', 'One stage, and it ships a toolchain: a multi-stage build would leave it out of the image.']
    : [];
  return [
    '**Stages**',
    '',
    '| stage | compressed | on\u00A0disk | wasted | |',
    '| --- | ---: | ---: | ---: | --- |',
    ...rows,
    ...single,
    '',
  ];
}

function change(c: { files: number; bytes: number }): string {
  return c.files === 0 ? '—' : nowrap(`${formatSize(c.bytes)} (${plural(c.files, 'file', 'files')})`);
}

/** Per layer: what it added, changed and removed; the layers that added most, SLIM_LAYERS of them. */
function layerChanges(layers: readonly AnalysisLayer[]): string[] {
  const busy = layers.filter((l) => l.added.files + l.changed.files + l.removed.files > 0);
  if (busy.length === 0) return [];
  const top = [...busy].sort((x, y) => y.added.bytes + y.changed.bytes - (x.added.bytes + x.changed.bytes)).slice(0, SLIM_LAYERS);
  const rows = top.map((l) => `| ${whereOf(l.dockerfile)} | ${change(l.added)} | ${change(l.changed)} | ${change(l.removed)} |`);
  const more = busy.length > top.length ? [`${plural(busy.length - top.length, 'more layer', 'more layers')} in the JSON report.`, ''] : [];
  return ['**Layers by bytes written**', '', '| layer | added | changed | removed |', '| --- | ---: | ---: | ---: |', ...rows, '', ...more];
}

/** One image's "what to slim": figures, hints with evidence and fix, the largest files and directories, per-layer changes. */
function slimBlock(entry: ReportEntry, hints: readonly HintGroup[]): string | null {
  const a = entry.analysis;
  if (!a && !entry.stages) return null;
  const title = `${entry.name}${entry.target ? ` · ${entry.target}` : ''} · ${entry.platform}`;
  const lines: string[] = [];
  if (a) {
    const dive = a.dive ? ` (dive: ${formatSize(a.dive.wastedBytes)}, ${(a.dive.efficiency * 100).toFixed(1)}%)` : '';
    lines.push(`${formatSize(a.wastedBytes)} wasted across layers, efficiency ${(a.efficiency * 100).toFixed(1)}%${dive}.`, '');
    if (hints.length > 0) lines.push('**Hints**', '', ...hintLines(hints, SLIM_HINTS), '');
    if (a.hintsOmitted) lines.push(`${plural(a.hintsOmitted, 'more hint', 'more hints')} in the JSON report.`, '');
    if (a.largestFiles && a.largestFiles.length > 0) {
      lines.push('**Largest files**', '', '| size | path |', '| ---: | --- |');
      for (const file of a.largestFiles.slice(0, SLIM_FILES))
        lines.push(`| ${formatSize(file.bytes)} | ${escapeCodeSpan(file.path, { maxLength: MAX_CELL })} |`);
      lines.push('');
    }
    if (a.largestDirectories && a.largestDirectories.length > 0) {
      lines.push('**Largest directories**', '', '| size | path |', '| ---: | --- |');
      for (const d of a.largestDirectories.slice(0, SLIM_DIRECTORIES)) {
        lines.push(`| ${formatSize(d.bytes)} | ${escapeCodeSpan(d.path, { maxLength: MAX_CELL })} |`);
      }
      lines.push('');
    }
    lines.push(...layerChanges(a.layers ?? []));
  }
  lines.push(...stageTable(entry));
  const hintCount = a ? a.hints.length + (a.hintsOmitted ?? 0) : 0;
  const wasted = a ? `: ${formatSize(a.wastedBytes)} wasted, ${plural(hintCount, 'hint', 'hints')}` : '';
  return [`<details><summary>${escapeHtml(title, { maxLength: MAX_CELL })}${wasted}</summary>`, '', ...lines, '</details>'].join('\n');
}

/** Collapsible "what to slim" blocks, cut off (with a line saying so) at SLIM_SECTION_MAX_BYTES. */
export function renderSlimming(report: Report, maxBytes = SLIM_SECTION_MAX_BYTES): string {
  const grouped = groupHints(report.images);
  const given = new Set<string>();
  const blocks = report.images
    .filter((e) => e.change !== 'removed')
    .map((entry) => {
      const key = imageKey(entry);
      const hints = given.has(key) ? [] : (grouped.get(key) ?? []);
      given.add(key);
      return slimBlock(entry, hints);
    })
    .filter((b): b is string => b !== null);
  if (blocks.length === 0) return '';
  const head = ['### What to slim', ''];
  const kept = fitBlocks(blocks, maxBytes, (left) => `${plural(left, 'more image', 'more images')} not shown: see the JSON report.`, {
    usedBytes: Buffer.byteLength(head.join('\n')),
  });
  return [...head, ...kept, ''].join('\n');
}

/**
 * The blocks that fit in `maxBytes` (after `usedBytes`, each block counting `separatorBytes`
 * more), in order; where the next one would not fit, one line from `more(blocks left out)`.
 */
export function fitBlocks(
  blocks: readonly string[],
  maxBytes: number,
  more: (left: number) => string,
  { usedBytes = 0, separatorBytes = 1 }: { usedBytes?: number; separatorBytes?: number } = {},
): string[] {
  const out: string[] = [];
  let used = usedBytes;
  for (const [i, block] of blocks.entries()) {
    used += Buffer.byteLength(block) + separatorBytes;
    if (used > maxBytes) {
      out.push(more(blocks.length - i));
      break;
    }
    out.push(block);
  }
  return out;
}

/** The largest layers of every entry, each in a collapsible block, then what to slim. */
export function renderLargestLayers(report: Report): string {
  const slim = renderSlimming(report);
  const blocks = report.images.filter((e) => e.change !== 'removed').map(layerBreakdown);
  const kept = fitBlocks(
    blocks,
    LARGEST_LAYERS_MAX_BYTES,
    (left) => `${plural(left, 'more image', 'more images')} not shown: see the JSON report.`,
  );
  return ['### Largest layers', '', ...kept, '', ...(slim ? [slim] : [])].join('\n');
}
