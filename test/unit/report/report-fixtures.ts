/** Builders for reports used by the comment tests. */
import type { Report, ReportEntry, ReportLayer } from '../../../src/types.js';

export const MB = 1_000_000;

export function layer(n: number, bytes: number, createdBy: string, line: number | null = n + 1): ReportLayer {
  return {
    digest: `sha256:${n.toString(16).padStart(4, '0')}${'ab'.repeat(30)}`,
    compressedBytes: bytes,
    uncompressedBytes: Math.round(bytes * 2.5),
    createdBy,
    dockerfile: line === null ? null : { path: 'Dockerfile', line },
  };
}

export function entry(over: Partial<ReportEntry> & { name: string }): ReportEntry {
  const compressed = over.compressedBytes === undefined ? 10 * MB : over.compressedBytes;
  return {
    target: null,
    platform: 'linux/amd64',
    compressedBytes: compressed,
    uncompressedBytes: compressed === null ? null : Math.round(compressed * 2.5),
    layerCount: over.layers?.length ?? 2,
    status: 'ok',
    findings: [],
    budget: { max: { compressed: 25 * MB }, warn: null, maxLayers: null },
    layers: [],
    manifestDigest: 'sha256:' + 'cd'.repeat(32),
    error: null,
    ...over,
  };
}

/** An entry measured against a baseline of `baseBytes` with identical uncompressed ratio. */
export function compared(name: string, baseBytes: number, headBytes: number, more: Partial<ReportEntry> = {}): ReportEntry {
  return entry({
    name,
    compressedBytes: headBytes,
    baseline: {
      commit: '0123456789abcdef0123456789abcdef01234567',
      compressedBytes: baseBytes,
      uncompressedBytes: Math.round(baseBytes * 2.5),
    },
    delta: { compressedBytes: headBytes - baseBytes, uncompressedBytes: Math.round(headBytes * 2.5) - Math.round(baseBytes * 2.5) },
    ...more,
  });
}

export function report(images: ReportEntry[]): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'image-budget', version: '0.1.0' },
    createdAt: '2024-05-01T12:00:00.000Z',
    commit: 'fedcba9876543210fedcba9876543210fedcba98',
    config: 'image-budget.yml',
    overBudget: images.some((e) => e.status === 'over' || e.status === 'error'),
    images,
  };
}

/** Strings a PR author could put in a Dockerfile, an image name, a path or a label. */
export const INJECTION_CORPUS: string[] = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  'a|b|c||d|||e',
  '|',
  '`code` and ``double`` and ```triple```',
  '`',
  'ping @octocat and @github/security-team please',
  'email me: evil@example.com',
  '[x](http://evil.example)',
  '![img](http://evil.example/x.png)',
  'javascript:alert(document.cookie)',
  '[click](javascript:alert(1))',
  'see https://evil.example/path?x=1 and www.evil.example',
  '<http://evil.example>',
  'fixes #123 and owner/repo#45 and GH-77',
  '<!-- image-budget:comment key=default -->',
  '--> <!-- injected',
  '**bold** _it_ ~~strike~~ # heading $x^2$',
  '\\| escaped pipe \\`',
  'line1\r\nline2\nline3\rline4\u2028line5',
  'abc\u202Egnp.exe',
  '👩‍👩‍👧‍👦 emoji family and 🇫🇷 flag',
  'x'.repeat(5000),
  '<details><summary>fake</summary>',
  '</details></summary>',
  '&lt;script&gt; already escaped &amp;',
  '\u0000nul\u0007bell',
  // Invisible characters: a fake mention, a fake link, hidden text, ASCII smuggled in tag characters.
  'ping @\u200Boctocat and @\u2060github/security',
  'see https:\u200B//evil.example and www\u200C.evil.example and #\uFEFF12',
  'hid\u200Dden\u00ADtext\u180E\u3164\u115F\u034F',
  'tag smuggling: ok\u{E0049}\u{E0047}\u{E004E}\u{E004F}\u{E0052}\u{E0045}',
];
