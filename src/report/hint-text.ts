/**
 * Hints as the reports show them: once per image (name and target) with the platforms they
 * apply to, largest first; the fix text rendered as markdown — its code spans as code — while
 * everything else in it stays inert text. Pure.
 */
import { formatBytes, MAX_NAME, plural } from './comment-format.js';
import { codeSpan, escapeMessage, escapeText } from './escape.js';
import type { Hint, ReportEntry } from '../types.js';

export interface HintGroup {
  hint: Hint;
  /** The platforms it was found on, when the image was built for several. */
  platforms: string[];
  /** How many platforms the image was built for. */
  ofPlatforms: number;
}

/** Hints shown per image; the summary and the JSON report have the rest. */
export const MAX_HINTS = 10;

/** The key that makes one image of entries: name and target. */
export function imageKey(entry: Pick<ReportEntry, 'name' | 'target'>): string {
  return `${entry.name}\0${entry.target ?? ''}`;
}

function hintKey(hint: Hint): string {
  return [hint.id, hint.path, hint.dockerfile?.path ?? '', hint.dockerfile?.line ?? '', hint.removedBy?.dockerfile?.line ?? ''].join('\0');
}

/** Per image key: its hints, each once, with the platforms it applies to, largest first. */
export function groupHints(entries: readonly ReportEntry[]): Map<string, HintGroup[]> {
  const byImage = new Map<string, { platforms: Set<string>; hints: Map<string, { hint: Hint; platforms: string[] }> }>();
  for (const entry of entries) {
    const key = imageKey(entry);
    const image = byImage.get(key) ?? { platforms: new Set<string>(), hints: new Map<string, { hint: Hint; platforms: string[] }>() };
    byImage.set(key, image);
    image.platforms.add(entry.platform);
    for (const hint of entry.analysis?.hints ?? []) {
      const found = image.hints.get(hintKey(hint));
      if (found) {
        if (!found.platforms.includes(entry.platform)) found.platforms.push(entry.platform);
        if (hint.bytes > found.hint.bytes) found.hint = hint;
      } else {
        image.hints.set(hintKey(hint), { hint, platforms: [entry.platform] });
      }
    }
  }
  const out = new Map<string, HintGroup[]>();
  for (const [key, image] of byImage) {
    const groups = [...image.hints.values()]
      .map(({ hint, platforms }) => ({ hint, platforms: image.platforms.size > 1 ? platforms : [], ofPlatforms: image.platforms.size }))
      .sort((a, b) => b.hint.bytes - a.hint.bytes);
    if (groups.length > 0) out.set(key, groups);
  }
  return out;
}

function sentence(text: string): string {
  const t = text.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/** One list item per hint: id, evidence, where, platforms, message, fix. */
export function hintLines(groups: readonly HintGroup[], max = MAX_HINTS): string[] {
  const lines = groups.slice(0, max).map(({ hint, platforms, ofPlatforms }) => {
    // Evidence: the path and its bytes; hints about the Dockerfile itself have neither.
    const evidence = hint.path.startsWith('(')
      ? ''
      : ` ${codeSpan(hint.path, { maxLength: MAX_NAME })}${hint.bytes > 0 ? ` (${formatBytes(hint.bytes)})` : ''}`;
    const at = (ref: NonNullable<Hint['dockerfile']>) => codeSpan(`${ref.path}:${ref.line}`, { maxLength: MAX_NAME });
    const removed = hint.removedBy?.dockerfile ? `, removed at ${at(hint.removedBy.dockerfile)}` : '';
    const where = hint.dockerfile ? ` at ${at(hint.dockerfile)}${removed}` : '';
    const on =
      platforms.length === 0
        ? ''
        : platforms.length === ofPlatforms
          ? ` (all ${ofPlatforms} platforms)`
          : ` (${platforms.map((p) => escapeText(p, { maxLength: MAX_NAME })).join(', ')})`;
    const message = hint.message ? ` ${escapeMessage(sentence(hint.message))}` : '';
    const fix = hint.fix ? ` **Fix:** ${escapeMessage(sentence(hint.fix))}` : '';
    return `- 💡 **${escapeText(hint.id, { maxLength: MAX_NAME })}**${evidence}${where}${on}:${message}${fix}`;
  });
  if (groups.length > max)
    lines.push(`- … ${plural(groups.length - max, 'more hint', 'more hints')} in the job summary and the JSON report`);
  return lines;
}
