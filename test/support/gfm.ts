/**
 * GitHub's markdown, as close as this machine gets: `cmark-gfm` (GitHub's own parser, Debian's
 * package) with the extensions github.com enables. Raw HTML is let through (`--unsafe`) the
 * way GitHub does before its sanitizer; see sanitize-github.ts for that step.
 */
import { spawnSync } from 'node:child_process';

const EXTENSIONS = ['table', 'strikethrough', 'autolink', 'tagfilter', 'tasklist'];

/** Whether cmark-gfm is installed; tests that need it skip with a message otherwise. */
export function hasCmarkGfm(): boolean {
  return spawnSync('cmark-gfm', ['--version'], { encoding: 'utf8' }).status === 0;
}

export const CMARK_MISSING = 'cmark-gfm is not installed (Debian package `cmark-gfm`): GFM rendering checks skipped';

export function renderGfm(markdown: string): string {
  const args = [...EXTENSIONS.flatMap((e) => ['--extension', e]), '--unsafe'];
  const result = spawnSync('cmark-gfm', args, { input: markdown, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`cmark-gfm failed: ${result.stderr}`);
  return result.stdout;
}

/** Block-level tags that structure a document: a list, rule, heading, table or quote among them is a structure change. */
const BLOCK_TAG = /<(ul|ol|li|hr|h[1-6]|table|thead|tbody|tr|th|td|blockquote|pre|p|details|summary)\b/g;

/** The sequence of block-level tags opened in `html`. */
export function blockStructure(html: string): string[] {
  return [...html.matchAll(BLOCK_TAG)].map((m) => m[1]!);
}

/** The HTML with every `<code>`, `<pre>` and `<a>` element's content removed: where GitHub's filters still look. */
export function outsideCode(html: string): string {
  return decodeEntities(html.replace(/<(code|pre|a)\b[^>]*>[\s\S]*?<\/\1>/g, ' ').replace(/<[^>]*>/g, ' '));
}

/** Text with its numeric and common named entities decoded: what GitHub's filters read. */
export function decodeEntities(text: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00A0' };
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, code: string) => {
    if (code.startsWith('#x') || code.startsWith('#X')) return String.fromCodePoint(parseInt(code.slice(2), 16));
    if (code.startsWith('#')) return String.fromCodePoint(Number(code.slice(1)));
    return named[code.toLowerCase()] ?? m;
  });
}
