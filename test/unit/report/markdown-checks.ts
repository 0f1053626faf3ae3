/** Small structural checks on rendered markdown, shared by the escape and comment tests. */

/**
 * `|` characters that GFM treats as cell separators: not right after a backslash. cmark-gfm
 * splits rows before any inline parsing and takes every `\|` as an escaped pipe, whatever
 * precedes the backslash (checked with cmark-gfm 0.29.0.gfm.6).
 */
export function unescapedPipes(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) if (text[i] === '|' && text[i - 1] !== '\\') count++;
  return count;
}

/** Lone UTF-16 surrogates: what a careless cut leaves behind. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Mentions GitHub would turn into a ping: `@` directly followed by a login character. */
export const MENTION = /@[A-Za-z0-9]/;
/** Issue references GitHub would link. */
export const ISSUE_REF = /#\d|GH-\d/i;
/** Bare URLs the GFM autolink extension would make clickable. */
export const AUTOLINK = /(?:https?|ftp):\/\/|\bwww\./i;

/** Text outside inline code spans (code spans are shown literally and not autolinked). */
export function outsideCodeSpans(line: string): string {
  let out = '';
  let i = 0;
  while (i < line.length) {
    if (line[i] === '`' && (i === 0 || line[i - 1] !== '\\')) {
      let n = 0;
      while (line[i + n] === '`') n++;
      const fence = '`'.repeat(n);
      let j = i + n;
      let close = -1;
      while ((j = line.indexOf(fence, j)) !== -1) {
        if (line[j + n] !== '`' && line[j - 1] !== '`') {
          close = j;
          break;
        }
        j += n;
      }
      if (close !== -1) {
        out += ' ';
        i = close + n;
        continue;
      }
      out += fence;
      i += n;
      continue;
    }
    out += line.charAt(i);
    i++;
  }
  return out;
}

/** Decodes the numeric entities we emit, so checks see the characters a reader sees. */
export function decodeNumericEntities(text: string): string {
  return text.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));
}

/** Rows whose cell count differs from their table's header (a table: a run of lines starting with `|`). */
export function malformedTableRows(markdown: string): string[] {
  const problems: string[] = [];
  let columns: number | null = null;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) {
      columns = null;
      continue;
    }
    const cells = unescapedPipes(line);
    if (columns === null) columns = cells;
    else if (cells !== columns) problems.push(`${cells - 1} cells, header has ${columns - 1}: ${line.slice(0, 200)}`);
  }
  return problems;
}

/** Invisible characters (format characters and blank fillers), as src/report/escape.ts defines them. */
const INVISIBLE = /[\p{Cf}\u034F\u115F\u1160\u3164\uFFA0]/gu;

/**
 * Invisible characters left in escaped output, other than the ZWJs the escaper inserts on
 * purpose (after `@`, `#`, `:`, `<`, `]`, `-`, backslashes, in `GH‍-` and `www‍.`) and the joiners
 * that belong to the text (inside an emoji sequence, between non-ASCII letters).
 */
export function strayInvisibles(text: string): string[] {
  const stray: string[] = [];
  for (const m of text.matchAll(INVISIBLE)) {
    const i = m.index;
    const before = text.slice(Math.max(0, i - 3), i);
    const after = text.slice(i + 1, i + 3);
    const ours =
      /[@#:<\]\\-]$/.test(before) || (/gh$/i.test(before) && after.startsWith('-')) || (/www$/i.test(before) && after.startsWith('.'));
    if (m[0] === '\u200D' && ours) continue;
    if ((m[0] === '\u200D' || m[0] === '\u200C') && /\P{ASCII}$/u.test(before) && /^\P{ASCII}/u.test(after)) continue;
    stray.push(
      `U+${m[0].codePointAt(0)?.toString(16).toUpperCase()} at ${i}: …${JSON.stringify(text.slice(Math.max(0, i - 10), i + 10))}…`,
    );
  }
  return stray;
}

/** The markdown with the content of fenced code blocks dropped (shown literally, nothing in them acts). */
export function outsideFences(markdown: string): string {
  const out: string[] = [];
  let fence: string | null = null;
  for (const line of markdown.split('\n')) {
    const m = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fence === null) {
      if (m) fence = m[1]!;
      else out.push(line);
    } else if (m && m[1]![0] === fence[0] && m[1]!.length >= fence.length && line.trim() === m[1]) {
      fence = null;
    }
  }
  return out.join('\n');
}
