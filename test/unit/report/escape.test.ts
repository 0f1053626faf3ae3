import { describe, expect, test } from 'vitest';
import {
  codeSpan,
  elideMiddle,
  escapeCell,
  escapeCodeSpan,
  escapeHtml,
  fencedBlock,
  inlineText,
  normalizeUntrusted,
  revealInvisibles,
  truncateEscaped,
  truncateText,
} from '../../../src/report/escape.js';
import { CMARK_MISSING, decodeEntities, hasCmarkGfm, outsideCode, renderGfm } from '../../support/gfm.js';
import { INJECTION_CORPUS } from './report-fixtures.js';
import { AUTOLINK, ISSUE_REF, LONE_SURROGATE, MENTION, outsideCodeSpans, unescapedPipes } from './markdown-checks.js';

/** The text a reader sees in rendered HTML: tags dropped, entities decoded, whitespace runs collapsed. */
function seen(html: string): string {
  return decodeEntities(html.replace(/<[^>]*>/g, ''))
    .replace(/\s+/g, ' ')
    .trim();
}

/** What the input should read as: one line, invisibles revealed, whitespace runs collapsed. */
function expected(input: string): string {
  return normalizeUntrusted(input).replace(/\s+/g, ' ').trim();
}

/** Controls other than tab and line breaks: dropped. */
// eslint-disable-next-line no-control-regex -- controls are what this names
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u0084\u0086-\u009F]/g;
const RAW_INVISIBLE = /[\u202A-\u202E\u2066-\u2069\u200B\u2060\uFEFF\u00AD\u{E0000}-\u{E007F}]/u;
const corpus = INJECTION_CORPUS.map((s, i) => [i, s] as const);

describe.skipIf(!hasCmarkGfm())('through cmark-gfm: inert, and read back unchanged', () => {
  test.each(corpus)('#%i inline text after a prefix of ours', (_i, input) => {
    const html = renderGfm(`- x ${inlineText(input)}\n`);
    expect(html.match(/<li>/g)).toHaveLength(1);
    expect(seen(html)).toBe(`x ${expected(input)}`.trim());
    expect(html).not.toMatch(/<(a|img|script|em|strong|del|h\d|hr|blockquote|table)\b/);
    const outside = outsideCode(html);
    expect(outside).not.toMatch(MENTION);
    expect(outside).not.toMatch(ISSUE_REF);
    expect(outside).not.toMatch(AUTOLINK);
    expect(html).not.toMatch(RAW_INVISIBLE);
  });

  test.each(corpus)('#%i inline text at a line start is inert too', (_i, input) => {
    const html = renderGfm(`${inlineText(input)}\n`);
    expect(html).not.toMatch(/<(a|img|ul|ol|h\d|hr|blockquote|table|pre)\b/);
  });

  test.each(corpus)('#%i a table cell keeps its row', (_i, input) => {
    const html = renderGfm(`| a | b |\n| --- | --- |\n| ${escapeCell(input)} | ${escapeCodeSpan(input)} |\n`);
    const cells = [...html.matchAll(/<td>([\s\S]*?)<\/td>/g)].map((m) => seen(m[1]!));
    expect(cells).toEqual([expected(input), expected(input)].map((t) => t || ''));
  });

  test.each(corpus)('#%i raw HTML summary', (_i, input) => {
    const html = renderGfm(`<details>\n<summary>${escapeHtml(input)}</summary>\n\nbody\n\n</details>\n`);
    expect(html.match(/<summary>/g)).toHaveLength(1);
    expect(html.match(/<\/details>/g)).toHaveLength(1);
    expect(seen(html.slice(html.indexOf('<summary>'), html.indexOf('</summary>')))).toBe(expected(input));
    expect(outsideCode(html)).not.toMatch(MENTION);
    expect(outsideCode(html)).not.toMatch(ISSUE_REF);
  });

  test.each(corpus)('#%i fenced block: every line kept, nothing rendered', (_i, input) => {
    const html = renderGfm(`- x\n\n${fencedBlock(input, { indent: '  ' })}\n\nafter\n`);
    expect(html.match(/<pre>/g)).toHaveLength(1);
    expect(html).toContain('<p>after</p>');
    const code = decodeEntities(/<pre><code[^>]*>([\s\S]*?)<\/code><\/pre>/.exec(html)![1]!);
    const lines = input
      .replace(/\r\n?/g, '\n')
      .split(/[\n\u0085\u2028\u2029]/)
      .map((l) => revealInvisibles(l.replace(CONTROLS, '')));
    expect(code).toBe(`${lines.join('\n')}\n`);
    expect(code).not.toMatch(RAW_INVISIBLE);
  });
});

test.skipIf(hasCmarkGfm())('through cmark-gfm', () => {
  console.warn(CMARK_MISSING);
});

describe('inlineText', () => {
  test('plain words stay plain, markdown characters escaped; dangerous words become code spans', () => {
    expect(inlineText('api')).toBe('api');
    expect(inlineText('linux/amd64')).toBe('linux/amd64');
    expect(inlineText('compressed 9.57 MB > max 5.5 MB')).toBe('compressed 9.57 MB \\> max 5.5 MB');
    expect(inlineText('ping @octocat now')).toBe('ping `@octocat` now');
    expect(inlineText('fixes #12')).toBe('fixes `#12`');
    expect(inlineText('see https://x.y')).toBe('see `https://x.y`');
    expect(inlineText('a :smile: b')).toBe('a `:smile:` b');
    expect(inlineText('at 0123456789ab')).toBe('at `0123456789ab`');
    expect(inlineText('**b** _i_')).toBe('\\*\\*b\\*\\* \\_i\\_');
  });

  test('no zero-width character is ever inserted: the text stays the author\u2019s', () => {
    for (const input of INJECTION_CORPUS) {
      const out = inlineText(input) + escapeCell(input) + escapeHtml(input) + codeSpan(input);
      const joinersIn = (input.match(/[\u200C\u200D]/g) ?? []).length;
      expect((out.match(/[\u200B-\u200D\u2060]/g) ?? []).length).toBeLessThanOrEqual(4 * joinersIn);
    }
  });

  test('a line start cannot open a block: list, rule, heading, quote, code', () => {
    expect(inlineText('- x')).toBe('\\- x');
    expect(inlineText('1. x')).toBe('1\\. x');
    expect(inlineText('---')).toBe('\\-\\-\\-');
    expect(inlineText('===')).toBe('\\=\\=\\=');
    expect(inlineText('> q')).toBe('\\> q');
    expect(inlineText('    code')).toBe('&#32;&#32;&#32;&#32;code');
  });

  test('line breaks of every kind become spaces; bidi and invisible characters become visible escapes', () => {
    expect(inlineText('a\r\nb\nc\u2028d')).toBe('a b c d');
    expect(normalizeUntrusted('abc\u202Egnp.exe')).toBe('abc\\u202Egnp.exe');
    expect(normalizeUntrusted('@\u200Boctocat')).toBe('@\\u200Boctocat');
    expect(normalizeUntrusted('tag\u{E0041}')).toBe('tag\\u{E0041}');
    expect(inlineText('abc\u202Egnp.exe')).toBe('`abc\\u202Egnp.exe`');
  });

  test('joiners that are part of the text stay: emoji sequences, Persian and Indic words', () => {
    for (const word of ['👩‍👩‍👧‍👦', 'می‌خواهم', 'क्‍ष']) expect(normalizeUntrusted(word)).toBe(word);
  });

  test('maxLength truncates before escaping, by grapheme; an empty cell still fills the cell', () => {
    expect(inlineText('x'.repeat(10), { maxLength: 5 })).toBe('xxxx…');
    expect(escapeCell('')).toBe(' ');
  });
});

describe('codeSpan', () => {
  test('the fence outgrows backtick runs inside; padding where the content needs it', () => {
    expect(codeSpan('a`b')).toBe('``a`b``');
    expect(codeSpan('``')).toBe('``` `` ```');
    expect(codeSpan('`x`')).toBe('`` `x` ``');
    expect(codeSpan(' x ')).toBe('`  x  `');
    expect(codeSpan('RUN apt-get install -y curl')).toBe('`RUN apt-get install -y curl`');
  });

  test('pipes are escaped for tables only, every one of them, backslashes or not', () => {
    expect(codeSpan('a|b', { table: true })).toBe('`a\\|b`');
    expect(codeSpan('a\\|b', { table: true })).toBe('`a\\\\|b`');
    expect(unescapedPipes(codeSpan('||||', { table: true }))).toBe(0);
    expect(codeSpan('a|b')).toBe('`a|b`');
  });

  test('mentions and links stay inside the span', () => {
    const line = `see ${codeSpan('@octocat https://evil.example [x](http://e)')} here`;
    expect(outsideCodeSpans(line)).toBe('see   here');
  });

  test('truncates long text with an ellipsis', () => {
    expect(codeSpan('RUN ' + 'x'.repeat(1000), { maxLength: 50 })).toBe('`RUN ' + 'x'.repeat(45) + '…`');
  });
});

describe('fencedBlock', () => {
  test('the fence is longer than any backtick run; lines indented for a list item', () => {
    expect(fencedBlock('a\n```\nb', { info: 'text', indent: '   ' })).toBe('   ````text\n   a\n   ```\n   b\n   ````');
    expect(fencedBlock('x')).toBe('```\nx\n```');
  });

  test('the middle of a long block is elided, its first and last lines kept', () => {
    const text = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    const out = fencedBlock(text, { maxLines: 5 }).split('\n');
    expect(out).toEqual(['```', 'line 0', 'line 1', '… (96 lines)', 'line 98', 'line 99', '```']);
    expect(elideMiddle(['a', 'b'], 5)).toEqual(['a', 'b']);
  });
});

describe('escapeHtml', () => {
  test('entities, and a code element around what GitHub would link', () => {
    expect(escapeHtml('</summary></details>')).toBe('&lt;/summary&gt;&lt;/details&gt;');
    expect(escapeHtml('api @octocat')).toBe('<code>api @octocat</code>');
    expect(escapeHtml('a_b')).toBe('a&#95;b');
  });
});

describe('truncateText', () => {
  test('never splits a surrogate pair or an emoji sequence', () => {
    const text = '👩‍👩‍👧‍👦'.repeat(5) + '🇫🇷'.repeat(5);
    for (let max = 1; max < 12; max++) {
      const out = truncateText(text, max);
      expect(out).not.toMatch(LONE_SURROGATE);
      expect([...new Intl.Segmenter().segment(out)]).toHaveLength(Math.min(max, 10));
    }
  });

  test('leaves short text alone', () => {
    expect(truncateText('abc', 3)).toBe('abc');
    expect(truncateText('abcd', 3)).toBe('ab…');
  });
});

describe('truncateEscaped', () => {
  test('never cuts inside an escape, an entity or a surrogate pair', () => {
    const text = '\\*&amp;👩\\|'.repeat(20);
    for (let max = 1; max < 60; max++) {
      const out = truncateEscaped(text, max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out).not.toMatch(LONE_SURROGATE);
      expect(out.replace(/…$/, '')).not.toMatch(/(?<!\\)\\$|&[a-z]*$/);
    }
  });

  test('returns text within the limit unchanged', () => {
    expect(truncateEscaped('abc', 3)).toBe('abc');
  });
});
