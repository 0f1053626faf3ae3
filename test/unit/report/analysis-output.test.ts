import { describe, expect, test } from 'vitest';
import { renderLargestLayers, renderSlimming } from '../../../src/report/summary-markdown.js';
import { renderAnalysisLines, renderTerminalReport, TERMINAL_HINTS } from '../../../src/report/terminal.js';
import type { Analysis, AnalysisLayer, Hint, ReportEntry } from '../../../src/types.js';
import { AUTOLINK, decodeNumericEntities, ISSUE_REF, MENTION, outsideCodeSpans } from './markdown-checks.js';
import { entry, INJECTION_CORPUS, MB, report } from './report-fixtures.js';

const hint = (id: string, path: string, bytes: number, line: number | null, more: Partial<Hint> = {}): Hint => ({
  id,
  path,
  bytes,
  dockerfile: line === null ? null : { path: 'app/Dockerfile', line },
  message: `${id} message`,
  fix: `${id} fix`,
  ...more,
});

function analysis(hints: Hint[], more: Partial<Analysis> = {}): Analysis {
  return {
    wastedBytes: 10_485_760,
    efficiency: 0.4567,
    hints,
    dive: { efficiency: 0.45, wastedBytes: 10_485_760 },
    largestFiles: [{ path: '/bin/busybox', bytes: 2 * MB }],
    ...more,
  };
}

const analysed = (over: Partial<ReportEntry> = {}): ReportEntry =>
  entry({
    name: 'app',
    analysis: analysis([
      hint('runs-as-root', '(no USER)', 0, 1),
      hint('deleted-in-later-layer', '/big.bin', 10_485_760, 2, {
        removedBy: { layer: 'sha256:x', dockerfile: { path: 'app/Dockerfile', line: 3 } },
      }),
      hint('package-manager-cache', '/var/lib/apt/lists', 3 * MB, 4),
      hint('vcs-directory', '/src/.git', MB, 5),
    ]),
    ...over,
  });

describe('terminal', () => {
  test("wasted bytes, efficiency, dive's figures, then the largest hints with file:line and the fix", () => {
    expect(renderAnalysisLines(report([analysed()]))).toEqual([
      '  app linux/amd64: 10.5 MB wasted, efficiency 45.7%',
      '    dive: wasted 10.5 MB, efficiency 45.0%',
      '    deleted-in-later-layer app/Dockerfile:2 /big.bin 10.5 MB',
      '      fix: deleted-in-later-layer fix',
      '    package-manager-cache app/Dockerfile:4 /var/lib/apt/lists 3 MB',
      '      fix: package-manager-cache fix',
      '    vcs-directory app/Dockerfile:5 /src/.git 1 MB',
      '      fix: vcs-directory fix',
      `    … ${4 - TERMINAL_HINTS} more hint in the JSON/markdown report`,
    ]);
  });

  test('a report without dive figures (an older report) prints no dive line', () => {
    const { dive: _dive, ...withoutDive } = analysis([]);
    expect(renderAnalysisLines(report([analysed({ analysis: withoutDive })]))).toEqual([
      '  app linux/amd64: 10.5 MB wasted, efficiency 45.7%',
    ]);
  });

  test('no analysis, no section; a stage entry is labelled', () => {
    expect(renderTerminalReport(report([entry({ name: 'plain' })]))).not.toContain('Layer analysis');
    const text = renderTerminalReport(report([analysed({ target: 'build', kind: 'stage', analysis: analysis([]) })]));
    expect(text).toContain('build (stage)');
    expect(text).toContain('app:build linux/amd64 (stage): 10.5 MB wasted');
  });

  test('escape sequences in hint paths and fixes are removed', () => {
    const evil = analysed({
      analysis: analysis([hint('vcs-directory', '/x\u001b[31mred\u0007', MB, 2, { fix: 'a\u001b]0;title\u0007b' })]),
    });
    const text = renderAnalysisLines(report([evil])).join('\n');
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  });

  test('stage table with the current target marked', () => {
    const text = renderTerminalReport(
      report([
        analysed({
          target: 'runtime',
          stages: [
            {
              name: 'runtime',
              current: true,
              compressedBytes: 6 * MB,
              uncompressedBytes: 12 * MB,
              wastedBytes: 0,
              hasToolchain: false,
              hintIds: [],
            },
            {
              name: 'build',
              current: false,
              compressedBytes: 1200 * MB,
              uncompressedBytes: 2400 * MB,
              wastedBytes: 0,
              hasToolchain: true,
              hintIds: ['toolchain-in-final-image'],
            },
          ],
        }),
      ]),
    );
    expect(text).toMatch(
      /stages of app:runtime linux\/amd64 \(compressed, uncompressed\):\n {4}\* runtime +6 MB +12 MB\n {6}build +1\.2 GB +2\.4 GB +toolchain/,
    );
  });
});

describe('markdown: what to slim', () => {
  test('a collapsible block per analysed image with hints, evidence, fix and largest files', () => {
    const md = renderSlimming(report([analysed(), entry({ name: 'unanalysed' })]));
    expect(md).toContain('### What to slim');
    expect(md).toContain('<details><summary>app · linux/amd64: 10.5 MB wasted, 4 hints</summary>');
    expect(md).toContain(
      '- 💡 **deleted\\-in\\-later\\-layer** `/big.bin` (10.5 MB) at `app/Dockerfile:2`, removed at `app/Dockerfile:3`: deleted\\-in\\-later\\-layer message. **Fix:** deleted\\-in\\-later\\-layer fix.',
    );
    expect(md).toContain('| 2 MB | `/bin/busybox` |');
    expect(md).not.toContain('unanalysed');
    // Largest first.
    expect(md.indexOf('/big.bin')).toBeLessThan(md.indexOf('/var/lib/apt/lists'));
  });

  test('per-layer changes: the layers that wrote most, largest directories', () => {
    const layer = (line: number | null, added: number, changed: number, removed: number): AnalysisLayer => ({
      digest: `sha256:${String(line ?? 0).repeat(64)}`,
      dockerfile: line === null ? null : { path: 'app/Dockerfile', line },
      added: { files: added ? 3 : 0, bytes: added },
      changed: { files: changed ? 1 : 0, bytes: changed, replacedBytes: changed * 2 },
      removed: { files: removed ? 2 : 0, bytes: removed },
    });
    const layers = [
      layer(null, 80 * MB, 0, 0),
      layer(2, 0, 0, 0),
      layer(3, 0, 0, 10 * MB),
      layer(4, 5 * MB, 20 * MB, 0),
      ...[5, 6, 7, 8].map((l) => layer(l, l * MB, 0, 0)),
    ];
    const md = renderSlimming(
      report([analysed({ analysis: analysis([], { layers, largestDirectories: [{ path: '/usr/lib', bytes: 40 * MB }] }) })]),
    );
    expect(md).toContain(
      [
        '**Layers by bytes written**',
        '',
        '| layer | added | changed | removed |',
        '| --- | ---: | ---: | ---: |',
        '| base image | 80\u00A0MB\u00A0(3\u00A0files) | — | — |',
        '| `app/Dockerfile:4` | 5\u00A0MB\u00A0(3\u00A0files) | 20\u00A0MB\u00A0(1\u00A0file) | — |',
        '| `app/Dockerfile:8` | 8\u00A0MB\u00A0(3\u00A0files) | — | — |',
        '| `app/Dockerfile:7` | 7\u00A0MB\u00A0(3\u00A0files) | — | — |',
        '| `app/Dockerfile:6` | 6\u00A0MB\u00A0(3\u00A0files) | — | — |',
        '',
        // Layer 2 changed nothing: not counted.
        '2 more layers in the JSON report.',
      ].join('\n'),
    );
    expect(md).toContain('**Largest directories**\n\n| size | path |\n| ---: | --- |\n| 40 MB | `/usr/lib` |');
  });

  test('nothing analysed: no section', () => {
    expect(renderSlimming(report([entry({ name: 'a' })]))).toBe('');
    expect(renderLargestLayers(report([entry({ name: 'a' })]))).not.toContain('What to slim');
  });

  test.each(INJECTION_CORPUS.map((text, i) => [i + 1, text]))('%i. untrusted text stays inert', (_n, text) => {
    const evil = analysed({
      name: 'app',
      target: text,
      analysis: analysis([hint('vcs-directory', text, MB, 2, { message: text, fix: text })], {
        largestFiles: [{ path: text, bytes: 1 }],
        largestDirectories: [{ path: text, bytes: 1 }],
        layers: [
          {
            digest: 'sha256:x',
            dockerfile: { path: text, line: 1 },
            added: { files: 1, bytes: 1 },
            changed: { files: 0, bytes: 0, replacedBytes: 0 },
            removed: { files: 0, bytes: 0 },
          },
        ],
      }),
    });
    const md = renderSlimming(report([evil]));
    for (const line of md.split('\n')) {
      // Code spans and <code> elements are shown literally: GitHub links and mentions nothing there.
      const outside = outsideCodeSpans(line.replace(/<code>[\s\S]*?<\/code>/g, ' '));
      const visible = decodeNumericEntities(outside);
      expect(visible, line).not.toMatch(MENTION);
      expect(visible, line).not.toMatch(ISSUE_REF);
      expect(visible).not.toMatch(AUTOLINK);
      expect(outside).not.toMatch(/(?<!\\)<(script|img|!--)/i);
    }
  });

  test('many images: the section stops under its byte budget and says how many were left out', () => {
    const many = Array.from({ length: 400 }, (_, i) =>
      analysed({
        name: `img${i}`,
        analysis: analysis(
          Array.from({ length: 15 }, (_, j) =>
            hint('vcs-directory', `/${'p'.repeat(100)}${j}`, MB, j, { message: 'm'.repeat(400), fix: 'f'.repeat(400) }),
          ),
        ),
      }),
    );
    const md = renderSlimming(report(many), 100_000);
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(100_000 + 100);
    expect(md).toMatch(/\d+ more images not shown: see the JSON report\.\n$/);
    expect(Buffer.byteLength(renderSlimming(report(many)))).toBeLessThan(200_000);
  });
});
