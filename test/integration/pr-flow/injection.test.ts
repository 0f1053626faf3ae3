/**
 * Everything a PR author controls, made as hostile as the budget file schema and BuildKit
 * allow, through a real build into the posted comment and the job summary: no HTML, no
 * mention, no link, no broken table, no bidi trick may come out.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../../support/fake-github.js';
import { BUDGET_PATH, createPullRequestRepo, pullRequestEvent, type PullRequestRepo } from '../../support/git-fixture.js';
import type { ActionRun } from '../../support/run-action.js';
import { hasCmarkGfm, outsideCode as outsideHtmlCode, renderGfm } from '../../support/gfm.js';
import { outsideFences, strayInvisibles } from '../../unit/report/markdown-checks.js';
import { logOf, OWNER, readReport, removeRunnerDirs, REPO, runAction, tableCells } from './helpers.js';

const RLO = '\u202E';
const PDF = '\u202C';
/** Image names allow only [a-z0-9._-]: markdown emphasis is what is left to abuse. */
const IMAGE = 'a__b__c.-_';
/** BuildKit stage names must be valid reference components. */
const TARGET = 'run__time__x';
/** Directory and file names may hold anything but `/`. */
const CONTEXT = 'ctx |<script>alert(1)</script>| @octocat [x](http:evil) #1';
const DOCKERFILE = `Docker|file <img src=x onerror=alert(1)> @acme/team`;
const ASSET = 'we|ird <img src=x onerror=alert(1)> @octocat.txt';

/** Invisible characters: a fake mention, hidden text, a fake link, ASCII smuggled in tag characters. */
const INVISIBLE = '@\u200Boctocat hid\u2060den\u00AD https:\u200B//x.y ok\u{E0049}';

const HOSTILE_TEXT =
  `${RLO}evil${PDF} 🎉👩‍👩‍👧 <script>alert(1)</script> <img src=x onerror=alert(1)> a|b|c|d|e|f|g|h \`tick\` \`\`double\`\` ` +
  '@octocat @acme/team [x](http://evil) #1 GH-1 www.evil.example <!-- x --> <details><summary>';

const BASE = [
  'FROM busybox:1.35 AS build',
  'RUN echo base > /base.txt',
  '',
  `FROM busybox:1.35 AS ${TARGET}`,
  'COPY --from=build /base.txt /base.txt',
  '',
].join('\n');
const PR = [
  ...BASE.trimEnd().split('\n'),
  `COPY ["${ASSET}", "/x|y <script>alert(1)</script> @acme/team.txt"]`,
  `RUN echo '${HOSTILE_TEXT}' > /hostile.txt && head -c 200000 /dev/urandom > /r1`,
  `RUN echo '${'x|'.repeat(2500)}' > /long.txt && head -c 100000 /dev/urandom > /r2`,
  `RUN echo '${INVISIBLE}' > /invisible.txt && head -c 150000 /dev/urandom > /r3`,
  '',
].join('\n');

const BUDGET = [
  'version: 1',
  'images:',
  `  ${IMAGE}:`,
  `    context: ${JSON.stringify(CONTEXT)}`,
  `    dockerfile: ${JSON.stringify(DOCKERFILE)}`,
  `    targets: [${TARGET}]`,
  '    budget:',
  '      max: 100KB',
  '      max-increase: 10KB',
  '',
].join('\n');

let repo: PullRequestRepo;
let gh: FakeGitHub;
let run: ActionRun;
let comment: string;

beforeAll(async () => {
  repo = createPullRequestRepo({
    base: { [BUDGET_PATH]: BUDGET, [`${CONTEXT}/${DOCKERFILE}`]: BASE, [`${CONTEXT}/${ASSET}`]: 'hi\n' },
    pr: { [`${CONTEXT}/${DOCKERFILE}`]: PR },
  });
  gh = await startFakeGitHub();
  gh.addPull(OWNER, REPO, { number: 1, headOwner: OWNER, headRef: repo.branch, headSha: repo.shas.prHead });
  run = await runAction({ repo, gh, eventName: 'pull_request', event: pullRequestEvent(repo) });
  comment = gh.commentsOn(OWNER, REPO, 1)[0]?.body ?? '';
});

afterAll(async () => {
  await removeRunnerDirs();
  await gh?.stop();
  repo?.cleanup();
});

/** Every row of every table has as many cells as its header (GFM splits on unescaped `|`). */
function tableShapeProblems(markdown: string): string[] {
  const lines = markdown.split('\n');
  const problems: string[] = [];
  let columns: number | null = null;
  lines.forEach((line, i) => {
    if (!line.startsWith('|')) {
      columns = null;
      return;
    }
    if (/^\|( *:?-+:? *\|)+$/.test(line)) {
      columns = tableCells(lines[i - 1] ?? '').length;
      if (tableCells(line).length !== columns) problems.push(`line ${i + 1}: delimiter row does not match its header`);
      return;
    }
    if (columns !== null && tableCells(line).length !== columns)
      problems.push(`line ${i + 1}: ${tableCells(line).length} cells, header has ${columns}: ${line.slice(0, 200)}`);
  });
  return problems;
}

/**
 * The text GitHub runs its mention/reference/autolink filters over: everything but code
 * spans (CommonMark: a run of n backticks up to the next run of exactly n), per table cell,
 * since GFM splits a row into cells before it parses code spans.
 */
function outsideCode(markdown: string): string {
  const strip = (text: string): string => {
    let out = '';
    let i = 0;
    while (i < text.length) {
      // A backslash-escaped backtick opens nothing.
      const open = /(?<!\\)`+/g;
      open.lastIndex = i;
      const m = open.exec(text);
      if (!m) break;
      out += text.slice(i, m.index);
      const close = new RegExp(`(?<!\`)\`{${m[0].length}}(?!\`)`, 'g');
      close.lastIndex = m.index + m[0].length;
      const end = close.exec(text);
      if (!end) {
        out += m[0];
        i = m.index + m[0].length;
        continue;
      }
      out += ' [code] ';
      i = end.index + end[0].length;
    }
    return out + text.slice(i);
  };
  return markdown
    .split('\n')
    .map((line) => (line.startsWith('|') ? tableCells(line).map(strip).join(' | ') : strip(line)))
    .join('\n');
}

function expectNothingHostile(markdown: string): void {
  // The text is kept as written, inside code spans and fenced blocks: nothing of it may act outside them.
  const prose = outsideCode(outsideFences(markdown).replace(/<code>[\s\S]*?<\/code>/g, ' [code] '));
  expect(prose).not.toMatch(/(?<!\\)<(script|img)/i);
  // Only our hidden lines: the marker and the run stamp.
  expect(prose).not.toMatch(/(?<!\\)<!--(?! image-budget:(comment key=|run id=\d+ attempt=\d+( sha=[0-9a-f]{40})? -->$))/m);
  expect(prose.replace(/\]\(https:\/\/[^)]*\/actions\/runs\/\d+\)/g, '')).not.toMatch(/(?<!\\)\]\(http/);
  // Mentions, references and autolinks: GitHub leaves code alone; nothing may be left outside it.
  expect(prose).not.toContain('http://');
  expect(prose).not.toMatch(/@octocat/);
  expect(prose).not.toMatch(/@acme\/team/);
  expect(prose).not.toMatch(/(?<!&)#1\b/);
  expect(prose).not.toMatch(/\bGH-1\b/);
  expect(prose).not.toMatch(/\bwww\.evil/);
  expect(markdown).not.toContain(RLO);
  expect(markdown).not.toContain(PDF);
  // Nothing invisible is inserted or left, but the emoji's own joiners.
  expect(strayInvisibles(markdown)).toEqual([]);
  expect(tableShapeProblems(markdown)).toEqual([]);
  // Product HTML only: the tags the renderer writes itself.
  const tags = new Set([...prose.matchAll(/(?<!\\)<\/?([a-zA-Z][\w-]*)/g)].map((m) => m[1]?.toLowerCase()));
  expect([...tags].filter((t) => !['details', 'summary', 'b', 'sub', 'br', 'code'].includes(t ?? ''))).toEqual([]);
  // And as GitHub's parser sees it: no element, link or mention from the author's text.
  if (hasCmarkGfm()) {
    const html = renderGfm(markdown);
    expect(html).not.toMatch(/<(script|img|iframe)\b/i);
    expect(
      [...html.matchAll(/<a\b[^>]*href="([^"]*)"/g)].map((m) => m[1]).filter((href) => !/\/actions\/runs\/\d+$/.test(href ?? '')),
    ).toEqual([]);
    const text = outsideHtmlCode(html);
    expect(text).not.toMatch(/@octocat|@acme/);
    expect(text).not.toMatch(/#1\b|GH-1\b/);
  }
}

describe('hostile names and Dockerfile text', () => {
  test('the build ran and the hostile text reached the report', async () => {
    expect(run.exitCode, logOf(run)).toBe(1);
    const report = await readReport(run);
    const [entry] = report.images;
    expect(entry?.name).toBe(IMAGE);
    expect(entry?.target).toBe(TARGET);
    expect(entry?.status).toBe('over');
    const createdBy = (entry?.layers ?? []).map((l) => l.createdBy ?? '').join('\n');
    expect(createdBy).toContain('<script>alert(1)</script>');
    expect(createdBy).toContain(RLO);
    expect(entry?.layers.some((l) => l.dockerfile?.path === `${CONTEXT}/${DOCKERFILE}`)).toBe(true);
    expect(entry?.contributors?.length).toBeGreaterThanOrEqual(2);
  });

  test('the posted comment holds none of it unescaped', () => {
    expect(comment.length).toBeGreaterThan(0);
    expectNothingHostile(comment);
    // …but it is there, shown literally, unchanged: the corpus did reach the renderer.
    expect(comment).toContain('<script>alert(1)</script> <img src=x onerror=alert(1)> a|b|c|d|e|f|g|h');
    expect(comment).toContain('onerror');
    // The mention is shown literally inside a code span (GitHub does not notify from code).
    expect(comment).toContain(
      '`ctx |<script>alert(1)</script>| @octocat [x](http:evil) #1/Docker|file <img src=x onerror=alert(1)> @acme/team:',
    );
    expect(comment).toContain('`ctx \\|<script>alert(1)</script>\\| @octocat [x](http:evil) #1/Docker\\|file');
    expect(comment).toContain('**Why it grew**');
    expect(comment).toContain(`**a\\_\\_b\\_\\_c.\\-\\_**`);
    expect(comment).toContain('run\\_\\_time\\_\\_x');
    // Bidi controls and invisible characters are shown as escapes, where they were.
    expect(comment).toContain('\\u202Eevil\\u202C 🎉👩‍👩‍👧');
    expect(comment).toContain("echo '@\\u200Boctocat hid\\u2060den\\u00AD https:\\u200B//x.y ok\\u{E0049}'");
  });

  test('the job summary and the markdown output hold none of it either', () => {
    expectNothingHostile(run.summary);
    expectNothingHostile(run.outputs.markdown ?? '');
    expect(run.summary).toContain('Largest layers');
  });

  test('the annotation stays one workflow command on the hostile file', () => {
    const warning = run.stdout.split('\n').filter((l) => l.startsWith('::warning') && l.includes('largest growth'));
    expect(warning).toHaveLength(1);
    // Properties are escaped by @actions/core: `,` and `:` inside the file name cannot add a property.
    expect(warning[0]).toMatch(
      /^::warning title=image-budget%3A largest growth,file=ctx \|<script>alert\(1\)<\/script>\| @octocat \[x\]\(http%3Aevil\) #1\/Docker\|file <img src=x onerror=alert\(1\)> @acme\/team,line=\d+::/,
    );
  });
});
