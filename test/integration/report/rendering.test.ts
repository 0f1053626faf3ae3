/**
 * The comment and the job summary of realistic reports, rendered as GitHub renders them
 * (cmark-gfm, GitHub's sanitizer allowlist, github-markdown-css) in headless Chromium at the
 * PR column's width, checked from the DOM: nothing wider than the column, no number cell that
 * wraps, no link, image or mention made from the author's text, the verdict naming each failing
 * entry and its limit. With IMAGE_BUDGET_WRITE_EXAMPLES=1 it also writes the screenshots kept
 * next to the markdown in docs/examples/.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { renderComment } from '../../../src/report/comment.js';
import { renderJobSummary } from '../../../src/report/job-summary.js';
import { reportTextOptions } from '../../../src/report/report-head.js';
import type { Report } from '../../../src/types.js';
import { hasCmarkGfm } from '../../support/gfm.js';
import { COLUMN_WIDTH, commentShell, insertScript } from '../../support/github-render.js';
import type { PageDocument, PageElement } from '../../support/page-dom.js';
import { EXAMPLE_OPTIONS, EXAMPLES } from '../../unit/report/example-reports.js';

// The page's globals, used only in code that runs in the page.
declare const document: PageDocument;
declare const NodeFilter: { SHOW_TEXT: number };
declare function getComputedStyle(element: PageElement): { paddingRight: string };

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM) && hasCmarkGfm();
const WRITE = process.env['IMAGE_BUDGET_WRITE_EXAMPLES'] === '1';
const SUMMARY_URL = EXAMPLE_OPTIONS.summaryUrl;

if (!available) console.warn(`rendering test skipped: needs ${CHROMIUM} (Debian package chromium) and cmark-gfm`);

let browser: Browser;

beforeAll(async () => {
  if (!available) return;
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--font-render-hinting=none', '--force-device-scale-factor=1'],
  });
});

afterAll(async () => {
  await browser?.close();
});

async function render(markdown: string): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport({ width: COLUMN_WIDTH + 40, height: 800, deviceScaleFactor: 1 });
  await page.setJavaScriptEnabled(true);
  await page.setContent(commentShell(), { waitUntil: 'load' });
  await page.evaluate(insertScript(markdown));
  // A reviewer opens the details: measure them open.
  await page.evaluate(() => {
    document.querySelectorAll('details').forEach((d) => {
      d.setAttribute('open', '');
    });
  });
  await page.evaluate(() => document.fonts.ready);
  return page;
}

interface Measured {
  bodyScroll: number;
  bodyClient: number;
  /** Elements whose right edge passes the comment body's content box, or tables that scroll. */
  overflowing: string[];
  /** Right-aligned (number) cells whose text takes more than one line. */
  wrappedNumbers: string[];
  links: string[];
  images: number;
  /** Text outside code, pre and links that GitHub would turn into a mention or a reference. */
  mentions: string[];
  verdict: string;
}

function measure(page: Page): Promise<Measured> {
  return page.evaluate(() => {
    const body = document.querySelector('#comment');
    if (!body) throw new Error('the page has no #comment');
    const style = getComputedStyle(body);
    const right = body.getBoundingClientRect().left + body.clientWidth - parseFloat(style.paddingRight) + 0.5;
    const describe = (el: PageElement) => `${el.tagName.toLowerCase()}: ${(el.textContent ?? '').trim().slice(0, 80)}`;
    const overflowing: string[] = [];
    for (const el of body.querySelectorAll('*')) {
      // Inside a code block the text scrolls in its own box, as on GitHub.
      if (el.closest('pre') && el.tagName !== 'PRE') continue;
      if (el.getBoundingClientRect().right > right) overflowing.push(describe(el));
      if (el.tagName === 'TABLE' && el.scrollWidth > el.clientWidth) overflowing.push(`table scrolls: ${describe(el)}`);
    }
    const wrappedNumbers: string[] = [];
    for (const cell of body.querySelectorAll('td[align="right"], th[align="right"]')) {
      const range = document.createRange();
      range.selectNodeContents(cell);
      const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      if (tops.size > 1) wrappedNumbers.push(describe(cell));
    }
    const mentions: string[] = [];
    const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement?.closest('code, pre, a')) continue;
      const text = node.textContent ?? '';
      const found = text.match(/(?:^|[^\w`])(@[A-Za-z0-9][\w-]*|#\d+|GH-\d+)/g);
      if (found) mentions.push(...found);
    }
    const verdict = body.querySelector('h3, h2')?.nextElementSibling?.textContent ?? '';
    return {
      bodyScroll: body.scrollWidth,
      bodyClient: body.clientWidth,
      overflowing,
      wrappedNumbers,
      links: [...body.querySelectorAll('a')].map((a) => a.getAttribute('href') ?? ''),
      images: body.querySelectorAll('img').length,
      mentions,
      verdict,
    };
  });
}

function failing(report: Report) {
  return report.images.filter((e) => e.status === 'over' || e.status === 'error');
}

const cases = Object.entries(EXAMPLES).flatMap(([name, make]) =>
  (['comment', 'summary'] as const).map((kind) => [name, kind, make] as const),
);

describe.skipIf(!available)('rendered as GitHub renders it, at 780 px', () => {
  test.each(cases)('%s %s', async (name, kind, make) => {
    const report = make();
    const options = { ...reportTextOptions(report), ...EXAMPLE_OPTIONS };
    const markdown = kind === 'comment' ? renderComment(report, options) : renderJobSummary(report, options);
    const page = await render(markdown);
    try {
      const m = await measure(page);
      if (WRITE) {
        const article = await page.$('#comment');
        await article!.screenshot({ path: path.resolve('docs/examples', `${name}.${kind}.png`) });
      }
      expect(m.bodyScroll, 'the comment body scrolls sideways').toBeLessThanOrEqual(m.bodyClient);
      expect(m.overflowing.join('\n'), 'elements wider than the column').toBe('');
      expect(m.wrappedNumbers.join('\n'), 'number cells that wrap').toBe('');
      // Our one link (the comment's to the job summary); nothing from the author's text.
      expect(m.links.filter((href) => href !== SUMMARY_URL)).toEqual([]);
      if (kind === 'comment') expect(m.links).toContain(SUMMARY_URL);
      expect(m.images).toBe(0);
      expect(m.mentions).toEqual([]);
      // The verdict names each failing entry (up to the handful shown) and the limit it broke.
      for (const entry of failing(report).slice(0, 5)) {
        expect(m.verdict).toContain(entry.name);
        const limit = entry.findings.find((f) => f.status === entry.status)?.message;
        if (limit && entry.status === 'over') expect(m.verdict).toContain(limit.slice(0, 40));
      }
    } finally {
      await page.close();
    }
  });
});
