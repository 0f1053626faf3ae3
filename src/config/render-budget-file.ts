/** Writes a new budget file from measured sizes (`image-budget init`). Pure. */
import { SCHEMA_URL } from './json-schema.js';
import { IMAGE_NAME_PATTERN } from './schema.js';
import { formatSize, formatSizeRoundedUp } from './size.js';
import { yamlFlowList, yamlString } from './yaml-text.js';

export interface MeasuredSize {
  compressedBytes: number;
  uncompressedBytes: number;
}

export interface MeasuredImage {
  name: string;
  /** Relative to the repository root. */
  context: string;
  /** Relative to the context. */
  dockerfile: string;
  /** Stages built; null = the last stage, which has no name. */
  targets: (string | null)[];
  sizes: Map<string | null, MeasuredSize>;
}

/** `max`: the measurement plus headroom, rounded up (see formatSizeRoundedUp). */
export function maxBudgetFor(bytes: number, headroomPercent: number): string {
  return formatSizeRoundedUp(bytes * (1 + headroomPercent / 100));
}

/** `warn`: the measurement itself, rounded up, so growth from here is noticed early. */
export function warnBudgetFor(bytes: number): string {
  return formatSizeRoundedUp(bytes);
}

function measuredComment(size: MeasuredSize): string {
  return `# measured: ${formatSize(size.compressedBytes)} compressed, ${formatSize(size.uncompressedBytes)} uncompressed`;
}

function budgetLines(size: MeasuredSize | undefined, headroomPercent: number, indent: string): string[] {
  if (!size) return [`${indent}# not measured (the build failed): add max/warn by hand`];
  return [
    `${indent}${measuredComment(size)}`,
    `${indent}max: ${maxBudgetFor(size.compressedBytes, headroomPercent)}`,
    `${indent}warn: ${warnBudgetFor(size.compressedBytes)}`,
  ];
}

function renderImage(image: MeasuredImage, headroomPercent: number): string[] {
  if (!new RegExp(IMAGE_NAME_PATTERN).test(image.name)) {
    throw new Error(`invalid image name ${JSON.stringify(image.name)}: use lowercase letters, digits, ".", "_" and "-"`);
  }
  const lines = [`  ${image.name}:`, `    context: ${yamlString(image.context)}`, `    dockerfile: ${yamlString(image.dockerfile)}`];
  const named = image.targets.filter((target): target is string => target !== null);
  if (named.length > 0 && image.targets.includes(null)) {
    // The format names every target it builds; an unnamed last stage cannot be listed.
    const last = image.sizes.get(null);
    lines.push(`    # The last stage has no name (FROM … AS <name>): name it and add it to the targets to budget it.`);
    if (last) lines.push(`    # last stage ${measuredComment(last).slice(2)}`);
  }
  if (named.length === 0) {
    lines.push('    budget:', ...budgetLines(image.sizes.get(null), headroomPercent, '      '));
  } else if (named.length === 1) {
    const [target] = named as [string];
    lines.push(`    target: ${yamlString(target)}`, '    budget:', ...budgetLines(image.sizes.get(target), headroomPercent, '      '));
  } else {
    lines.push(`    targets: ${yamlFlowList(named)}`, '    budget:', '      targets:');
    for (const target of named) {
      lines.push(`        ${yamlString(target)}:`, ...budgetLines(image.sizes.get(target), headroomPercent, '          '));
    }
  }
  return lines;
}

/**
 * A commented budget file: `max` = measured compressed size + headroom, `warn` = measured size,
 * both rounded up to two significant digits in docker's units ("7MB", "130MB", "1.2GB").
 */
export function renderBudgetFile(images: MeasuredImage[], headroomPercent: number, measuredAt: Date = new Date()): string {
  if (images.length === 0) throw new Error('no image was measured: there is nothing to write a budget for');
  const date = measuredAt.toISOString().slice(0, 10);
  const header = [
    `# yaml-language-server: $schema=${SCHEMA_URL}`,
    '#',
    `# Image size budgets, written by \`image-budget init\` from sizes measured on ${date}.`,
    `# max = measured compressed size + ${headroomPercent}% headroom; warn = measured compressed size;`,
    '# both rounded up to two significant digits. A bare size is the compressed size (the bytes a',
    '# pull transfers); write { uncompressed: 80MB } to budget bytes on disk instead.',
    '# Refresh the numbers with `image-budget init --update`. Every field: docs/budget-file.md',
    'version: 1',
    'images:',
  ];
  const body = images.flatMap((image) => renderImage(image, headroomPercent));
  return `${[...header, ...body].join('\n')}\n`;
}
