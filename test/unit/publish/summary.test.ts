import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { fitSummary, writeJobSummary } from '../../../src/publish/summary.js';

describe('fitSummary', () => {
  test('leaves a small summary alone', () => {
    expect(fitSummary('# hi\n', 100)).toEqual({ text: '# hi\n', trimmed: false });
  });

  test('cuts at a line, closes open <details> and says so, within the byte limit', () => {
    const lines = ['# Report', '<details>', '<summary>big</summary>', ''];
    for (let i = 0; i < 5000; i++) lines.push(`| row ${i} | é漢字😀 |`);
    lines.push('</details>');
    const markdown = lines.join('\n');
    const { text, trimmed } = fitSummary(markdown, 20_000);
    expect(trimmed).toBe(true);
    expect(Buffer.byteLength(text, 'utf8')).toBeLessThanOrEqual(20_000);
    expect(text.match(/<details>/g)).toHaveLength(1);
    expect(text.match(/<\/details>/g)).toHaveLength(1);
    expect(text).toContain('1 MiB job summary limit');
    // Whole lines only.
    for (const line of text.split('\n')) if (line.startsWith('| row')) expect(line).toMatch(/^\| row \d+ \| é漢字😀 \|$/);
  });
});

describe('writeJobSummary', () => {
  const saved = process.env['GITHUB_STEP_SUMMARY'];
  let dir: string | null = null;
  afterEach(() => {
    if (saved === undefined) delete process.env['GITHUB_STEP_SUMMARY'];
    else process.env['GITHUB_STEP_SUMMARY'] = saved;
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });

  test('appends to GITHUB_STEP_SUMMARY', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ib-summary-'));
    const file = path.join(dir, 'summary.md');
    writeFileSync(file, 'before\n');
    process.env['GITHUB_STEP_SUMMARY'] = file;
    expect(await writeJobSummary('## sizes')).toEqual({ written: true, trimmed: false });
    expect(readFileSync(file, 'utf8')).toBe('before\n## sizes\n');
  });

  test('does nothing outside Actions', async () => {
    delete process.env['GITHUB_STEP_SUMMARY'];
    expect(await writeJobSummary('x')).toEqual({ written: false, trimmed: false });
  });
});
