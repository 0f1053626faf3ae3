/**
 * Untrusted text cannot change the structure of the comment or the summary: each string of
 * the corpus, put in every free-text field of a report, renders (through cmark-gfm, GitHub's
 * parser) to the same blocks as a harmless word does, creates no link, image or mention, and
 * leaves no raw invisible or bidi character.
 */
import { describe, expect, test } from 'vitest';
import { renderComment } from '../../../src/report/comment.js';
import { renderJobSummary } from '../../../src/report/job-summary.js';
import { reportTextOptions } from '../../../src/report/report-head.js';
import type { Report, ReportEntry } from '../../../src/types.js';
import { blockStructure, CMARK_MISSING, hasCmarkGfm, outsideCode, renderGfm } from '../../support/gfm.js';
import { INJECTION_CORPUS } from './report-fixtures.js';

const STRUCTURE_CORPUS = [
  '---',
  '***',
  '* * *',
  '___',
  '1. x',
  '1) x',
  '- x',
  '+ x',
  '* x',
  '===',
  '# h',
  '###### h',
  '> quote',
  '| a | b |',
  '|---|---|',
  '```',
  '~~~',
  '    indented code',
  '[x]: https://evil.example',
  '<details>',
  '</details>',
  '<!-- x',
  '<div>',
  'trailing backslash \\',
  '- [ ] task',
  'line\n---\nafter',
  'line\n===',
  'a\n\n- b\n1. c\n> d\n| e | f |\n| - | - |',
  ...INJECTION_CORPUS,
];

const SUMMARY_URL = 'https://github.com/acme/shop/actions/runs/1';

/** A report with `text` in every free-text field: names, targets, platforms, instructions, paths, messages, notes, errors. */
function reportWith(text: string): Report {
  const ref = { path: `Dockerfile${text}`, line: 3, source: `RUN ${text}\n${text}` };
  const layers = [
    { digest: 'sha256:' + 'a'.repeat(64), compressedBytes: 3_000_000, uncompressedBytes: 6_000_000, createdBy: null, dockerfile: null },
    {
      digest: 'sha256:' + 'b'.repeat(64),
      compressedBytes: 5_000_000,
      uncompressedBytes: 9_000_000,
      createdBy: `RUN /bin/sh -c ${text} # buildkit`,
      dockerfile: ref,
    },
  ];
  const baseLayers = [layers[0]!, { ...layers[1]!, digest: 'sha256:' + 'c'.repeat(64), compressedBytes: 1_000_000 }];
  const over: ReportEntry = {
    name: `api${text}`,
    target: text,
    platform: text,
    compressedBytes: 8_000_000,
    uncompressedBytes: 15_000_000,
    layerCount: 2,
    status: 'over',
    findings: [{ status: 'over', rule: 'max.compressed', message: text }],
    budget: { max: { compressed: 5_000_000 }, warn: null, maxLayers: null },
    layers,
    manifestDigest: null,
    error: null,
    baseline: {
      commit: '0123456789abcdef0123456789abcdef01234567',
      compressedBytes: 4_000_000,
      uncompressedBytes: 9_000_000,
      layers: baseLayers,
    },
    change: 'changed',
    notes: [text],
    analysis: {
      wastedBytes: 1,
      efficiency: 0.5,
      hints: [{ id: text, path: text, bytes: 10, dockerfile: ref, message: text, fix: `${text} \`${text}\`` }],
      largestFiles: [{ path: text, bytes: 5 }],
      largestDirectories: [{ path: text, bytes: 5 }],
      layers: [
        {
          digest: layers[1]!.digest,
          dockerfile: ref,
          added: { files: 1, bytes: 2 },
          changed: { files: 0, bytes: 0, replacedBytes: 0 },
          removed: { files: 0, bytes: 0 },
        },
      ],
    },
  };
  const failed: ReportEntry = {
    ...over,
    name: `web${text}`,
    status: 'error',
    compressedBytes: null,
    uncompressedBytes: null,
    layerCount: null,
    layers: [],
    baseline: undefined,
    change: null,
    analysis: null,
    findings: [{ status: 'error', rule: 'build', message: text }],
    error: `${text}\n${text}`,
  };
  return {
    schemaVersion: 1,
    tool: { name: 'image-budget', version: text },
    createdAt: '2026-12-01T00:00:00.000Z',
    commit: null,
    config: text,
    overBudget: true,
    baseline: { mode: 'report', commit: null, note: text, unavailable: null },
    budgetChanges: [{ image: `api${text}`, target: text, platform: null, field: 'max.compressed', label: text, from: text, to: text }],
    images: [over, failed],
  };
}

function renderings(text: string): [string, string][] {
  const report = reportWith(text);
  const opts = { ...reportTextOptions(report), key: 'k', summaryUrl: SUMMARY_URL, overrideLabel: { name: text, applied: false } };
  return [
    ['comment', renderGfm(renderComment(report, opts))],
    ['summary', renderGfm(renderJobSummary(report, opts))],
  ];
}

const RAW_INVISIBLE = /[\u202A-\u202E\u2066-\u2069\u200B\u2060\uFEFF\u{E0000}-\u{E007F}]/u;

describe.skipIf(!hasCmarkGfm())('structure injection through cmark-gfm', () => {
  const benign = new Map(renderings('word'));

  test.each(STRUCTURE_CORPUS.map((s, i) => [i, JSON.stringify(s).slice(0, 60), s] as const))('#%i %s', (_i, _shown, text) => {
    for (const [kind, html] of renderings(text)) {
      expect(blockStructure(html), `${kind}: block structure`).toEqual(blockStructure(benign.get(kind)!));
      const links = [...html.matchAll(/<a\b[^>]*href="([^"]*)"/g)].map((m) => m[1]);
      expect(
        links.every((href) => href === SUMMARY_URL),
        `${kind}: links ${links.join(', ')}`,
      ).toBe(true);
      expect(html, kind).not.toMatch(/<img\b/i);
      expect(html, kind).not.toMatch(/<(script|iframe|style)\b/i);
      const text = outsideCode(html);
      expect(text, `${kind}: mention outside code`).not.toMatch(/(^|[^\w`])@[A-Za-z0-9]/);
      expect(text, `${kind}: issue reference outside code`).not.toMatch(/#\d|GH-\d/i);
      expect(text, `${kind}: URL outside code`).not.toMatch(/(?:https?|ftp):\/\/|\bwww\./i);
      expect(html, `${kind}: raw invisible or bidi character`).not.toMatch(RAW_INVISIBLE);
    }
  });
});

test.skipIf(hasCmarkGfm())('structure injection through cmark-gfm', () => {
  console.warn(CMARK_MISSING);
});
