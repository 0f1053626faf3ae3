/**
 * Escaping for text a PR author controls (Dockerfile instructions, paths, image and target
 * names, label values, platforms read from a report) before it lands in a GitHub comment.
 *
 * GitHub renders markdown, then runs its own filters over the resulting text nodes: @mentions,
 * #123 issue references and bare-URL autolinks are found *after* backslash escapes are gone.
 * So markdown syntax is escaped with backslashes, and those post-render filters are broken by a
 * zero-width joiner inserted right after the trigger character.
 */

/** Inserted after `@`, `#`, `://`, `www` so GitHub's mention/reference/autolink filters miss. */
export const ZERO_WIDTH_JOINER = '\u200D';

const ZWJ = ZERO_WIDTH_JOINER;

/** Line breaks of every flavour, including the Unicode line/paragraph separators. */
const LINE_BREAKS = /\r\n|[\r\n\u0085\u2028\u2029]/g;
/** C0/C1 controls other than tab/newlines; they have no business in a comment. */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u0084\u0086-\u009F]/g;
/**
 * Bidirectional overrides/isolates (U+202A–U+202E, U+2066–U+2069) and marks: they can make a
 * line read differently from what it is ("Trojan Source"). Shown as U+FFFD so the reader sees
 * that something was there.
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;

/**
 * Invisible characters: Unicode format characters (category Cf: U+200B zero-width space,
 * U+200C/U+200D joiners, U+2060 word joiner, U+FEFF, U+00AD soft hyphen, the U+E0000 tag
 * characters…) and the blank fillers that render as nothing (U+034F, U+115F, U+1160, U+3164,
 * U+FFA0). They can hide text, or make `@\u200Buser` or `https:\u200B//…` look like a mention or
 * a link the author chose. They are shown as a visible escape (`\u200B`, `\u{E0041}`), so the
 * reader sees that something is there and what; bidi controls, also Cf, become U+FFFD first.
 */
const INVISIBLE = /[\p{Cf}\u034F\u115F\u1160\u3164\uFFA0]/gu;
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

/**
 * Whether the joiner at `index` is part of the text rather than a trick: a ZWJ inside an emoji
 * sequence, or a ZWJ/ZWNJ between two non-ASCII letters.
 */
function isLegitimateJoiner(text: string, index: number, joiner: string): boolean {
  const next = codePointAfter(text, index + 1);
  let prev = codePointBefore(text, index);
  if (joiner === ZERO_WIDTH_JOINER && EMOJI.test(next)) {
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

/** Replaces invisible characters (see {@link INVISIBLE}) with a visible `\uXXXX` escape. */
function showInvisibles(text: string): string {
  return text.replace(INVISIBLE, (ch: string, index: number, whole: string) =>
    (ch === ZERO_WIDTH_JOINER || ch === ZWNJ) && isLegitimateJoiner(whole, index, ch) ? ch : visibleEscape(ch),
  );
}

/** ASCII punctuation with a meaning in (GitHub-flavoured) markdown, `|` and `$` (math) included. */
const MARKDOWN_PUNCTUATION = /[\\`*_[\]()#~|$]/g;

/**
 * Removes line breaks and controls, and makes bidi tricks and invisible characters visible: the
 * common first step of every escaper.
 */
export function normalizeUntrusted(text: string): string {
  return showInvisibles(text.replace(LINE_BREAKS, ' ').replace(/\t/g, ' ').replace(CONTROLS, '').replace(BIDI_CONTROLS, '\uFFFD'));
}

/**
 * Breaks the things GitHub turns into pings or links after rendering: `@user`, `@org/team`,
 * `#123`, `GH-123`, `owner/repo#123`, `http://…`, `www.…`, `user@host` (e-mail autolinks).
 * Works on already-escaped text: it only ever inserts ZWJs.
 */
function breakReferences(text: string): string {
  return text
    .replace(/@/g, `@${ZWJ}`)
    .replace(/(?<!&)#/g, `#${ZWJ}`)
    .replace(/\bGH-(?=\d)/gi, (m) => `${m.slice(0, 2)}${ZWJ}-`)
    .replace(/:\/\//g, `:${ZWJ}//`)
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}${ZWJ}.`);
}

function escapeHtmlChars(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Text for a markdown table cell (also fine in a paragraph or list item): every `|`, every
 * backslash and markdown character escaped, HTML neutralised, newlines turned into spaces, no
 * mention, issue reference or autolink left. `maxLength` (in graphemes, before escaping) keeps
 * one huge value from eating the comment; truncation happens before escaping so it can never
 * split an escape sequence.
 */
export function escapeCell(text: string, opts: { maxLength?: number } = {}): string {
  let t = normalizeUntrusted(text);
  if (opts.maxLength !== undefined) t = truncateText(t, opts.maxLength);
  // Backslash-escape first (the `&` of entities added next must stay an entity), then HTML.
  t = t.replace(MARKDOWN_PUNCTUATION, (c) => `\\${c}`);
  t = escapeHtmlChars(t);
  t = breakReferences(t);
  return t.length === 0 ? ' ' : t;
}

/** Same rules as {@link escapeCell}, named for text outside tables (paragraphs, list items). */
export const escapeText = escapeCell;

/**
 * An inline code span that shows `text` literally, whatever it holds: the fence is one backtick
 * longer than the longest run inside, padded with spaces when the content touches a backtick.
 * In a table (`table: true`, the default) `|` must still be written `\|` — GFM splits cells
 * before it parses code spans — and GitHub shows it as `|`; a backslash right before a pipe is
 * then separated from it by a ZWJ.
 * HTML is literal inside code, and mentions/links are not processed there; what is left to
 * defuse is text that looks like a tag, a link or our hidden marker to a naive search.
 */
export function escapeCodeSpan(text: string, opts: { maxLength?: number; table?: boolean } = {}): string {
  let t = normalizeUntrusted(text);
  if (opts.maxLength !== undefined) t = truncateText(t, opts.maxLength);
  // Literal in a code span, but a raw `<script`/`<!--` in the body would fool any later naive
  // scan (ours for the marker included): a ZWJ after `<` keeps the look and breaks the tag.
  t = t
    .replace(/<(?=[A-Za-z/!?])/g, `<${ZWJ}`)
    .replace(/--(?=>)/g, `-${ZWJ}-`)
    .replace(/\](?=\()/g, `]${ZWJ}`);
  // GFM's row scanner pairs backslashes before it splits cells, so `\|` would end the cell:
  // a ZWJ after any backslashes keeps our `\|` an escaped pipe.
  if (opts.table ?? true) {
    t = t.replace(/(\\*)\|/g, (_m, slashes: string) => (slashes ? `${slashes}${ZWJ}\\|` : '\\|'));
  }
  if (t.trim().length === 0) return t.length === 0 ? '` `' : `\`${t}\``;
  const longestRun = Math.max(0, ...(t.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  // A leading/trailing backtick would merge with the fence; one space each side is stripped
  // again by the renderer.
  const pad = t.startsWith('`') || t.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${t}${pad}${fence}`;
}

/**
 * Text inside raw HTML such as `<details><summary>…</summary>`: GitHub does not apply markdown
 * there (backslashes would show), so only HTML entities, and the ZWJs that break mentions,
 * references and autolinks.
 */
export function escapeHtml(text: string, opts: { maxLength?: number } = {}): string {
  let t = normalizeUntrusted(text);
  if (opts.maxLength !== undefined) t = truncateText(t, opts.maxLength);
  t = escapeHtmlChars(t)
    .replace(/"/g, '&quot;')
    // Markdown characters as numeric entities: inert whether or not a renderer treats the
    // surrounding line as raw HTML, and shown as the characters themselves either way.
    .replace(/[\\`*_[\]()~|$]/g, (c) => `&#${c.charCodeAt(0)};`);
  return breakReferences(t);
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
 * ellipsis included, without splitting a backslash escape, an `&entity;`, a surrogate pair or a
 * character followed by our ZWJ.
 */
export function truncateEscaped(text: string, maxUnits: number, ellipsis = '…'): string {
  if (text.length <= maxUnits) return text;
  const budget = maxUnits - ellipsis.length;
  if (budget <= 0) return ellipsis.slice(0, Math.max(0, maxUnits));
  // Tokens: `\X`, `&name;`/`&#n;`, one code point, each optionally followed by a ZWJ.
  const token = /(?:\\[\s\S]|&#?[a-zA-Z0-9]+;|[\s\S])\u200D?/uy;
  let end = 0;
  for (;;) {
    token.lastIndex = end;
    const m = token.exec(text);
    if (!m || end + m[0].length > budget) break;
    end += m[0].length;
  }
  return text.slice(0, end) + ellipsis;
}
