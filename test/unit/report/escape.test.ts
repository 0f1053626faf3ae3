import { describe, expect, test } from 'vitest';
import {
  escapeCell,
  escapeCodeSpan,
  escapeHtml,
  normalizeUntrusted,
  truncateEscaped,
  truncateText,
  ZERO_WIDTH_JOINER,
} from '../../../src/report/escape.js';
import { INJECTION_CORPUS } from './report-fixtures.js';
import {
  AUTOLINK,
  decodeNumericEntities,
  ISSUE_REF,
  LONE_SURROGATE,
  MENTION,
  outsideCodeSpans,
  strayInvisibles,
  unescapedPipes,
} from './markdown-checks.js';

/** Reads a code span back the way CommonMark does (fence, one space of padding each side). */
function readCodeSpan(span: string): string {
  const fence = /^`+/.exec(span)?.[0] ?? '';
  expect(span.endsWith(fence)).toBe(true);
  let inner = span.slice(fence.length, span.length - fence.length);
  // No run of exactly the fence length inside, or the span would close early.
  for (const run of inner.match(/`+/g) ?? []) expect(run.length).not.toBe(fence.length);
  if (inner.startsWith(' ') && inner.endsWith(' ') && inner.trim() !== '') inner = inner.slice(1, -1);
  return inner;
}

describe('escapeCell', () => {
  test.each(INJECTION_CORPUS.map((s, i) => [i, s] as const))('corpus #%i is inert', (_i, input) => {
    const out = escapeCell(input);
    // eslint-disable-next-line no-control-regex -- control characters are what this checks for
    expect(out).not.toMatch(/[\r\n\u2028\u2029\u202E\u0000\u0007]/);
    expect(unescapedPipes(out)).toBe(0);
    expect(out).not.toContain('<');
    expect(out).not.toContain('>');
    expect(out).not.toMatch(MENTION);
    expect(out).not.toMatch(ISSUE_REF);
    expect(out).not.toMatch(AUTOLINK);
    expect(out).not.toContain('](');
    expect(out).not.toContain('<!--');
    // Every markdown character is escaped: none appears without its backslash.
    expect(out.replace(/\\[\\`*_[\]()#~|$]/g, '')).not.toMatch(/[`*_[\]()~|$]/);
    // Nothing invisible but the joiners we insert and those that belong to the text.
    expect(strayInvisibles(out)).toEqual([]);
  });

  test('escapes every pipe, not only the first', () => {
    expect(escapeCell('a|b|c')).toBe('a\\|b\\|c');
    expect(unescapedPipes(escapeCell('||||'))).toBe(0);
    expect(escapeCell('||||').match(/\\\|/g)).toHaveLength(4);
  });

  test('a backslash before a pipe cannot un-escape it', () => {
    expect(escapeCell('\\|')).toBe('\\\\\\|');
    expect(unescapedPipes(escapeCell('\\|'))).toBe(0);
  });

  test('HTML becomes entities', () => {
    expect(escapeCell('<b>&</b>')).toBe('&lt;b&gt;&amp;&lt;/b&gt;');
  });

  test('mentions, references and URLs are broken with a zero-width joiner', () => {
    expect(escapeCell('@octocat')).toBe(`@${ZERO_WIDTH_JOINER}octocat`);
    expect(escapeCell('@org/team')).toBe(`@${ZERO_WIDTH_JOINER}org/team`);
    expect(escapeCell('#12')).toBe(`\\#${ZERO_WIDTH_JOINER}12`);
    expect(escapeCell('https://x.y')).toBe(`https:${ZERO_WIDTH_JOINER}//x.y`);
    expect(escapeCell('www.x.y')).toBe(`www${ZERO_WIDTH_JOINER}.x.y`);
    // What a reader sees once the ZWJs are stripped is the original text.
    const visible = escapeCell('ping @a at https://b.c #1').replaceAll(ZERO_WIDTH_JOINER, '').replace(/\\(.)/g, '$1');
    expect(visible).toBe('ping @a at https://b.c #1');
  });

  test('newlines of every kind become spaces', () => {
    expect(escapeCell('a\r\nb\nc\rd\u2028e')).toBe('a b c d e');
  });

  test('bidi overrides are made visible instead of reordering the line', () => {
    expect(normalizeUntrusted('abc\u202Edef')).toBe('abc\uFFFDdef');
  });

  test('invisible characters are shown as visible escapes, so nothing hides and no fake mention or link reads as one', () => {
    expect(normalizeUntrusted('@\u200Boctocat')).toBe('@\\u200Boctocat');
    expect(escapeCell('@\u200Boctocat')).toBe(`@${ZERO_WIDTH_JOINER}\\\\u200Boctocat`);
    expect(normalizeUntrusted('https:\u200B//evil')).toBe('https:\\u200B//evil');
    expect(normalizeUntrusted('a\u2060b\uFEFFc\u00ADd\u200Ce\u200Df')).toBe('a\\u2060b\\uFEFFc\\u00ADd\\u200Ce\\u200Df');
    // Tag characters (ASCII smuggling) and blank fillers.
    expect(normalizeUntrusted('ok\u{E0049}\u{E0047}')).toBe('ok\\u{E0049}\\u{E0047}');
    expect(normalizeUntrusted('x\u3164y\u115Fz\u034F')).toBe('x\\u3164y\\u115Fz\\u034F');
    // In raw HTML the backslash is an entity; the reader still sees `\u200B`.
    expect(decodeNumericEntities(escapeHtml('a\u200Bb'))).toBe('a\\u200Bb');
  });

  test('joiners that are part of the text stay: emoji sequences, Persian and Indic words', () => {
    for (const text of ['👩‍👩‍👧‍👦 family', '👍🏽‍… no', '🏳️‍🌈 flag', 'می‌خواهم', 'क्‍ष']) {
      const expected = text === '👍🏽‍… no' ? '👍🏽\\u200D… no' : text;
      expect(normalizeUntrusted(text), text).toBe(expected);
    }
    // Bidi controls still become U+FFFD, not an escape.
    expect(normalizeUntrusted('a\u202Eb')).toBe('a\uFFFDb');
  });

  test('plain names stay readable', () => {
    expect(escapeCell('api')).toBe('api');
    expect(escapeCell('linux/arm64/v8')).toBe('linux/arm64/v8');
    expect(escapeCell('my-app.v2')).toBe('my-app.v2');
  });

  test('maxLength truncates before escaping, by grapheme', () => {
    expect(escapeCell('a|b|c|d', { maxLength: 3 })).toBe('a\\|…');
    expect(escapeCell('x'.repeat(5000), { maxLength: 80 })).toHaveLength(80);
  });

  test('an empty value still fills the cell', () => {
    expect(escapeCell('')).toBe(' ');
  });
});

describe('escapeCodeSpan', () => {
  test.each(INJECTION_CORPUS.map((s, i) => [i, s] as const))('corpus #%i reads back literally', (_i, input) => {
    const span = escapeCodeSpan(input, { table: false });
    expect(span).not.toMatch(/[\r\n]/);
    expect(span).not.toContain('<!--');
    const back = readCodeSpan(span);
    const expected = normalizeUntrusted(input)
      .replace(/<(?=[A-Za-z/!?])/g, `<${ZERO_WIDTH_JOINER}`)
      .replace(/--(?=>)/g, `-${ZERO_WIDTH_JOINER}-`)
      .replace(/\](?=\()/g, `]${ZERO_WIDTH_JOINER}`);
    expect(span).not.toContain('](');
    expect(span).not.toMatch(/<[a-z/!]/i);
    expect(back).toBe(expected);
    expect(strayInvisibles(span)).toEqual([]);
  });

  test.each(INJECTION_CORPUS.map((s, i) => [i, s] as const))('corpus #%i keeps a table row intact', (_i, input) => {
    expect(unescapedPipes(escapeCodeSpan(input))).toBe(0);
  });

  test('the fence outgrows backtick runs inside', () => {
    expect(escapeCodeSpan('a`b')).toBe('``a`b``');
    expect(escapeCodeSpan('``')).toBe('``` `` ```');
    expect(escapeCodeSpan('`x`')).toBe('`` `x` ``');
    expect(escapeCodeSpan('RUN apt-get install -y curl')).toBe('`RUN apt-get install -y curl`');
  });

  test('pipes are escaped for tables only', () => {
    expect(escapeCodeSpan('a|b')).toBe('`a\\|b`');
    expect(escapeCodeSpan('a|b', { table: false })).toBe('`a|b`');
  });

  test('mentions and links stay inert outside the span', () => {
    const line = `see ${escapeCodeSpan('@octocat https://evil.example [x](http://e)')} here`;
    expect(outsideCodeSpans(line)).toBe('see   here');
  });

  test('truncates long instructions', () => {
    const span = escapeCodeSpan('RUN ' + 'x'.repeat(1000), { maxLength: 50 });
    expect(readCodeSpan(span)).toHaveLength(50);
    expect(span.endsWith('…`')).toBe(true);
  });
});

describe('escapeHtml', () => {
  test.each(INJECTION_CORPUS.map((s, i) => [i, s] as const))('corpus #%i is inert in raw HTML', (_i, input) => {
    const out = escapeHtml(input);
    expect(out).not.toMatch(/[<>\r\n]/);
    const seen = decodeNumericEntities(out);
    expect(seen).not.toMatch(MENTION);
    expect(seen).not.toMatch(ISSUE_REF);
    expect(seen).not.toMatch(AUTOLINK);
    expect(out.replace(/&(amp|lt|gt|quot|#\d+);/g, '')).not.toMatch(/[&`*_[\]()~|$\\]/);
    expect(strayInvisibles(out)).toEqual([]);
  });

  test('closing tags cannot end our <summary>', () => {
    expect(escapeHtml('</summary></details>')).toBe('&lt;/summary&gt;&lt;/details&gt;');
  });
});

describe('truncateText', () => {
  test('never splits a surrogate pair or an emoji sequence', () => {
    const text = '😀'.repeat(100);
    for (let max = 1; max < 20; max++) {
      const out = truncateText(text, max);
      expect(out).not.toMatch(LONE_SURROGATE);
      expect([...new Intl.Segmenter().segment(out)]).toHaveLength(max);
    }
    const family = '👩‍👩‍👧‍👦'.repeat(10);
    expect(truncateText(family, 3)).toBe('👩‍👩‍👧‍👦👩‍👩‍👧‍👦…');
  });

  test('leaves short text alone', () => {
    expect(truncateText('abc', 3)).toBe('abc');
    expect(truncateText('abcd', 3)).toBe('ab…');
    expect(truncateText('abc', 0)).toBe('');
  });
});

describe('truncateEscaped', () => {
  test('never cuts inside an escape, an entity, a ZWJ break or a surrogate pair', () => {
    const escaped = escapeCell('|&<@a😀#1 '.repeat(50));
    for (let max = 2; max < 120; max++) {
      const out = truncateEscaped(escaped, max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out).not.toMatch(LONE_SURROGATE);
      const body = out.slice(0, -1);
      expect(escaped.startsWith(body)).toBe(true);
      // No trailing lone backslash, no half entity, no `@` without its ZWJ.
      expect(body).not.toMatch(/(^|[^\\])(\\\\)*\\$/);
      expect(body).not.toMatch(/&[a-z#0-9]*$/);
      expect(body).not.toMatch(/[@#]$/);
      expect(unescapedPipes(body)).toBe(0);
    }
  });

  test('returns text within the limit unchanged', () => {
    expect(truncateEscaped('abc', 3)).toBe('abc');
  });
});
