/**
 * A page that shows markdown the way a GitHub PR comment does: cmark-gfm's HTML (see gfm.ts),
 * then GitHub's sanitizer — its allowlist of elements and attributes, applied in the page —
 * styled by github-markdown-css in a column of the PR's width.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { renderGfm } from './gfm.js';
import type { PageDocument, PageElement } from './page-dom.js';

// The page's document, used only in code that runs in the page.
declare const document: PageDocument;

/** The elements GitHub keeps (html-pipeline's SanitizationFilter); others are unwrapped, these dropped with their content. */
export const ALLOWED_ELEMENTS = [
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'h7',
  'h8',
  'br',
  'b',
  'i',
  'strong',
  'em',
  'a',
  'pre',
  'code',
  'img',
  'tt',
  'div',
  'ins',
  'del',
  'sup',
  'sub',
  'p',
  'ol',
  'ul',
  'table',
  'thead',
  'tbody',
  'tfoot',
  'blockquote',
  'dl',
  'dt',
  'dd',
  'kbd',
  'q',
  'samp',
  'var',
  'hr',
  'ruby',
  'rt',
  'rp',
  'li',
  'tr',
  'td',
  'th',
  's',
  'strike',
  'summary',
  'details',
  'caption',
  'figure',
  'figcaption',
  'abbr',
  'bdo',
  'cite',
  'dfn',
  'mark',
  'small',
  'span',
  'time',
  'wbr',
  'input',
];
const DROPPED_ELEMENTS = ['script', 'style', 'iframe', 'object', 'embed', 'form', 'textarea', 'select', 'button', 'noscript', 'template'];
/** Attributes GitHub keeps on any element, and per element. */
const ALLOWED_ATTRIBUTES: Record<string, string[]> = {
  '*': [
    'abbr',
    'align',
    'alt',
    'border',
    'cellpadding',
    'cellspacing',
    'cite',
    'colspan',
    'dir',
    'height',
    'hidden',
    'lang',
    'open',
    'rowspan',
    'scope',
    'span',
    'start',
    'summary',
    'title',
    'type',
    'valign',
    'width',
  ],
  a: ['href'],
  img: ['src', 'longdesc'],
  input: ['checked', 'disabled'],
};

/**
 * Runs in the page: parses `html` in an inert template (nothing in it runs), applies GitHub's
 * allowlist, then puts what is left into the comment body.
 */
function insertSanitized(html: string, allowed: string[], dropped: string[], attributes: Record<string, string[]>): void {
  const template = document.createElement('template');
  template.innerHTML = html;
  const walk = (node: PageElement) => {
    for (const child of [...node.children]) {
      const tag = child.tagName.toLowerCase();
      if (dropped.includes(tag)) {
        child.remove();
        continue;
      }
      walk(child);
      if (!allowed.includes(tag)) {
        child.replaceWith(...child.childNodes);
        continue;
      }
      for (const attr of [...child.attributes]) {
        const keep = (attributes['*'] ?? []).includes(attr.name) || (attributes[tag] ?? []).includes(attr.name);
        const safeUrl = !['href', 'src'].includes(attr.name) || /^(https?:|mailto:|#|\/)/i.test(attr.value);
        if (!keep || !safeUrl) child.removeAttribute(attr.name);
      }
    }
  };
  walk(template.content);
  const body = document.querySelector('.markdown-body');
  if (!body) throw new Error('the page has no .markdown-body');
  body.append(template.content);
}

/** The expression that renders `markdown` into the page's comment body, sanitized as GitHub does. */
export function insertScript(markdown: string): string {
  const args = [renderGfm(markdown), ALLOWED_ELEMENTS, DROPPED_ELEMENTS, ALLOWED_ATTRIBUTES].map((a) => JSON.stringify(a)).join(', ');
  return `(${insertSanitized.toString()})(${args})`;
}

/** The width of the comment column on a PR page, and the padding of a comment body in it. */
export const COLUMN_WIDTH = 780;
export const COMMENT_PADDING = 16;

export function githubMarkdownCss(): string {
  const require = createRequire(import.meta.url);
  return readFileSync(require.resolve('github-markdown-css/github-markdown-light.css'), 'utf8');
}

/** An empty comment of COLUMN_WIDTH pixels, styled as GitHub styles one; fill it with {@link insertScript}. */
export function commentShell(): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><style>
${githubMarkdownCss()}
body { margin: 0; background: #fff; }
.markdown-body { box-sizing: border-box; width: ${COLUMN_WIDTH}px; padding: ${COMMENT_PADDING}px; font-family: -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif, "Noto Color Emoji"; }
</style><script>window.__name = (f) => f;</script></head><body><article class="markdown-body" id="comment"></article></body></html>`;
}
