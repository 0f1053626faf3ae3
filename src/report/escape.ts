/**
 * Making text a PR author controls (Dockerfile instructions, paths, image and target names,
 * label values, messages read from a saved report) inert in a GitHub comment — without
 * changing it: what a reader copies is what the author wrote.
 *
 * GitHub renders markdown, then runs its own filters over the resulting text nodes (@mentions,
 * #123 references, commit SHAs, emoji shortcodes), skipping `code`, `pre` and `a`. So:
 * - words that hold nothing those filters or the GFM autolinker react to are written as plain
 *   text with every markdown character backslash-escaped;
 * - any other word goes into a code span, and several lines into a fenced block, with a fence
 *   longer than any backtick run inside: nothing is parsed, linked or mentioned there;
 * - in raw HTML (`<summary>`) the same split, with entities and a `<code>` element.
 * Untrusted text never starts a line (callers put it after their own prefix), so it cannot
 * open a list, a rule, a heading, a table or a quote. Only characters a reader cannot see —
 * invisible format characters and bidi controls — are changed, into visible escapes
 * (`\u202E`), in code too: they could hide text or make a line read differently.
 */

/** Line breaks of every flavour, including the Unicode line/paragraph separators. */
const LINE_BREAKS = /\r\n|[\r\n\u0085\u2028\u2029]/g;
/** C0/C1 controls other than tab/newlines; they have no business in a comment. */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u0084\u0086-\u009F]/g;

/**
 * Invisible characters: Unicode format characters (category Cf: bidi overrides and isolates
 * U+202A–U+202E/U+2066–U+2069, U+200B zero-width space, U+200C/U+200D joiners, U+2060 word
 * joiner, U+FEFF, U+00AD soft hyphen, the U+E0000 tag characters…) and the blank fillers that
 * render as nothing (U+034F, U+115F, U+1160, U+3164, U+FFA0).
 */
const INVISIBLE = /[\p{Cf}\u034F\u115F\u1160\u3164\uFFA0]/gu;
const ZWJ = '\u200D';
const ZWNJ = '\u200C';
/** An emoji a ZWJ may join (👩‍👧), after its optional skin tone or emoji presentation selector. */
const EMOJI = /^\p{Extended_Pictographic}$/u;
const EMOJI_TRAILER = /^(?:\p{Emoji_Modifier}|\uFE0F)$/u;
/** Letters and marks outside ASCII: the scripts (Persian, Indic…) that need ZWJ/ZWNJ. */
const NON_ASCII_LETTER = /^[\p{L}\p{M}]$/u;
const ASCII = /^\p{ASCII}$/u;

function codePointBefore(text: string, index: number): string {
  const low = text.charCodeAt(index - 1);
  if (low >= 0xdc00 && low <= 0xdfff && index >= 2) return text.slice(index - 2, index);
  return text.slice(Math.max(0, index - 1), index);
}

function codePointAfter(text: string, index: number): string {
  const cp = text.codePointAt(index);
  return cp === undefined ? '' : String.fromCodePoint(cp);
}

/** Whether the joiner at `index` is part of the text: inside an emoji sequence, or between two non-ASCII letters. */
function isLegitimateJoiner(text: string, index: number, joiner: string): boolean {
  const next = codePointAfter(text, index + 1);
  let prev = codePointBefore(text, index);
  if (joiner === ZWJ && EMOJI.test(next)) {
    if (EMOJI_TRAILER.test(prev)) prev = codePointBefore(text, index - prev.length);
    if (EMOJI.test(prev)) return true;
  }
  const letter = (c: string) => NON_ASCII_LETTER.test(c) && !ASCII.test(c);
  return letter(prev) && letter(next);
}

function visibleEscape(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  const hex = cp.toString(16).toUpperCase();
  return cp > 0xffff ? `\\u{${hex}}` : `\\u${hex.padStart(4, '0')}`;
}

/** Invisible and bidi characters as visible `\uXXXX` escapes; joiners that belong to the text stay. */
export function revealInvisibles(text: string): string {
  return text.replace(INVISIBLE, (ch: string, index: number, whole: string) =>
    (ch === ZWJ || ch === ZWNJ) && isLegitimateJoiner(whole, index, ch) ? ch : visibleEscape(ch),
  );
}

/** One line of untrusted text: line breaks and tabs become spaces, controls go, invisibles are revealed. */
export function normalizeUntrusted(text: string): string {
  return revealInvisibles(text.replace(LINE_BREAKS, ' ').replace(/\t/g, ' ').replace(CONTROLS, ''));
}

/**
 * What GitHub (or the GFM autolinker) would turn into a link, a ping, an emoji or math even
 * when backslash-escaped: `@user`, `#12`, `GH-12`, commit-like hex, URLs, `www.`, `:emoji:`,
 * `$math$`, and a backtick (which plain escaping could show but not as the author meant).
 */
const NEEDS_CODE = /[@#`$]|:\/\/|\bwww\.|\bGH-\d|\b[0-9a-f]{7,}\b|:[a-z0-9_+-]+:|\\u/i;

/** ASCII punctuation with a meaning in (GitHub-flavoured) markdown or HTML. */
const MARKDOWN_PUNCTUATION = /[\\`*_[\]()#~|$<>&!+=-]/g;

export interface InlineOptions {
  /** Longest text kept, in graphemes; cut with `…` (before escaping, so never inside an escape). */
  maxLength?: number;
  /** Inside a table cell: `|` must be written `\|` even in code (GFM splits cells first). */
  table?: boolean;
}

/**
 * An inline code span that shows `text` literally: the fence is one backtick longer than the
 * longest run inside, padded with a space when the content touches a backtick or has spaces
 * at both ends (the renderer strips exactly one each side again).
 */
export function codeSpan(text: string, opts: InlineOptions = {}): string {
  let t = normalizeUntrusted(text);
  if (opts.maxLength !== undefined) t = truncateText(t, opts.maxLength);
  if (opts.table ?? false) t = t.replace(/\|/g, '\\|');
  if (t.length === 0) return '` `';
  if (t.trim().length === 0) return `\`${t}\``;
  const longestRun = Math.max(0, ...(t.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = t.startsWith('`') || t.endsWith('`') || (t.startsWith(' ') && t.endsWith(' ')) ? ' ' : '';
  return `${fence}${pad}${t}${pad}${fence}`;
}

/**
 * Untrusted text inside a line of ours (a table cell, a list item, a sentence): each
 * space-separated word GitHub would link, mention or render becomes a code span, the rest
 * stays plain with its markdown characters escaped. Either way the reader sees exactly the
 * characters of `text`.
 */
export function inlineText(text: string, opts: InlineOptions = {}): string {
  let t = normalizeUntrusted(text);
  if (opts.maxLength !== undefined) t = truncateText(t, opts.maxLength);
  if (t.length === 0) return opts.table ? ' ' : '';
  // split keeps the space runs; with leading spaces the first word is at index 2.
  const first = t.startsWith(' ') ? 2 : 0;
  return t
    .split(/( +)/)
    .map((word, i) => {
      if (word === '') return word;
      // Leading spaces as entities: four of them at a line start would open a code block.
      if (word.startsWith(' ')) return i === 1 && first === 2 ? word.replace(/ /g, '&#32;') : word;
      if (NEEDS_CODE.test(word)) {
        // A sentence's own full stop or comma stays outside the span.
        let end = word.length;
        while (end > 0 && '.,;:!?'.includes(word.charAt(end - 1))) end--;
        const core = word.slice(0, end);
        const tail = word.slice(end);
        const code = NEEDS_CODE.test(core) ? core : word;
        return codeSpan(code, { table: opts.table ?? false }) + (code === word ? '' : tail.replace(MARKDOWN_PUNCTUATION, (c) => `\\${c}`));
      }
      // `-`, `+`, `=` and the `.`/`)` of a leading number escaped too: inert even at a line start.
      const escaped = word.replace(MARKDOWN_PUNCTUATION, (c) => `\\${c}`);
      return i === first ? escaped.replace(/^(\d+)([.)])/, '$1\\$2') : escaped;
    })
    .join('');
}

/**
 * A message of ours that travelled in the report (a finding, a note, a hint's fix): its
 * backtick spans are meant as code and become code spans of their content, the rest is inert
 * text as {@link inlineText} writes it. An unbalanced backtick is shown as it is.
 */
export function escapeMessage(text: string, maxLength = 300): string {
  const t = truncateText(text, maxLength);
  const parts: string[] = [];
  // Our own spaces around the pieces stay spaces (escapeText would guard a leading run).
  const plain = (piece: string, first: boolean) => {
    // At the start of the message its leading spaces are inlineText's to guard.
    if (first) return inlineText(piece.trimEnd()) + piece.slice(piece.trimEnd().length);
    const core = piece.trim();
    return core === ''
      ? piece
      : `${piece.slice(0, piece.indexOf(core))}${inlineText(core)}${piece.slice(piece.indexOf(core) + core.length)}`;
  };
  const span = /`([^`]+)`/g;
  let at = 0;
  for (const m of t.matchAll(span)) {
    if (m.index > at) parts.push(plain(t.slice(at, m.index), at === 0));
    parts.push(codeSpan(m[1] ?? ''));
    at = m.index + m[0].length;
  }
  if (at < t.length) parts.push(plain(t.slice(at), at === 0));
  return parts.join('');
}

/** {@link inlineText} for a table cell. */
export function escapeCell(text: string, opts: { maxLength?: number } = {}): string {
  return inlineText(text, { ...opts, table: true });
}

/** {@link inlineText} outside tables (paragraphs, list items). */
export function escapeText(text: string, opts: { maxLength?: number } = {}): string {
  return inlineText(text, opts);
}

/** {@link codeSpan}; `table` defaults to true, as most spans are cells. */
export function escapeCodeSpan(text: string, opts: InlineOptions = {}): string {
  return codeSpan(text, { ...opts, table: opts.table ?? true });
}

function entities(text: string): string {
  return (
    text
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      // Markdown characters as numeric entities: inert whether or not a renderer treats the
      // surrounding line as raw HTML, and shown as the characters themselves either way.
      .replace(/[\\`*_[\]()~|$#!]/g, (c) => `&#${c.charCodeAt(0)};`)
  );
}

/**
 * Text inside raw HTML such as `<summary>…</summary>`, where GitHub applies no markdown:
 * entities, and a `<code>` element around text its filters would react to.
 */
export function escapeHtml(text: string, opts: { maxLength?: number } = {}): string {
  let t = normalizeUntrusted(text);
  if (opts.maxLength !== undefined) t = truncateText(t, opts.maxLength);
  return NEEDS_CODE.test(t) ? `<code>${entities(t)}</code>` : entities(t);
}

/**
 * Several lines of untrusted text as a fenced code block: each line keeps its text (controls
 * removed, invisibles revealed), the fence is longer than any backtick run inside, so no line
 * can close it. `indent` puts the block inside a list item.
 */
export function fencedBlock(
  text: string,
  opts: { info?: string; indent?: string; maxLines?: number; maxLineLength?: number } = {},
): string {
  let lines = text
    .replace(/\r\n?/g, '\n')
    .split(/[\n\u0085\u2028\u2029]/)
    .map((line) => revealInvisibles(line.replace(CONTROLS, '')));
  const { maxLineLength } = opts;
  if (maxLineLength !== undefined) lines = lines.map((line) => truncateText(line, maxLineLength));
  if (opts.maxLines !== undefined) lines = elideMiddle(lines, opts.maxLines);
  const longestRun = Math.max(0, ...lines.flatMap((line) => line.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  const indent = opts.indent ?? '';
  return [`${fence}${opts.info ?? ''}`, ...lines, fence].map((line) => (line === '' ? line : `${indent}${line}`)).join('\n');
}

/** At most `max` lines: the first and last ones kept, `…` (with how many) in the middle. */
export function elideMiddle(lines: readonly string[], max: number): string[] {
  if (lines.length <= max || max < 3) return [...lines];
  const head = Math.ceil((max - 1) / 2);
  const tail = max - 1 - head;
  return [...lines.slice(0, head), `… (${lines.length - head - tail} lines)`, ...lines.slice(lines.length - tail)];
}

let segmenter: Intl.Segmenter | undefined;

/**
 * Shortens raw (not yet escaped) text to at most `max` graphemes, ending with `…` when cut.
 * Cuts between grapheme clusters, so never inside a surrogate pair, an emoji ZWJ sequence or
 * a combining sequence.
 */
export function truncateText(text: string, max: number, ellipsis = '…'): string {
  if (max <= 0) return '';
  // Fast path: fewer UTF-16 units than the limit means fewer graphemes too.
  if (text.length <= max) return text;
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  const out: string[] = [];
  let count = 0;
  for (const { segment } of segmenter.segment(text)) {
    if (count === max) {
      // One more grapheme exists: replace the last kept one with the ellipsis.
      out[out.length - 1] = ellipsis;
      return out.join('');
    }
    out.push(segment);
    count++;
  }
  return text;
}

/**
 * Shortens text that is already escaped (markdown or HTML) to at most `maxUnits` UTF-16 units,
 * ellipsis included, without splitting a backslash escape, an `&entity;` or a surrogate pair.
 */
export function truncateEscaped(text: string, maxUnits: number, ellipsis = '…'): string {
  if (text.length <= maxUnits) return text;
  const budget = maxUnits - ellipsis.length;
  if (budget <= 0) return ellipsis.slice(0, Math.max(0, maxUnits));
  const token = /\\[\s\S]|&#?[a-zA-Z0-9]+;|[\s\S]/uy;
  let end = 0;
  for (;;) {
    token.lastIndex = end;
    const m = token.exec(text);
    if (!m || end + m[0].length > budget) break;
    end += m[0].length;
  }
  return text.slice(0, end) + ellipsis;
}
