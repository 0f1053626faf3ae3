/**
 * Seeded fuzzing of the budget-file parser: valid files, every hostile class and random mutations
 * of valid files. A file parses only when the independent oracle says it is valid; otherwise it is
 * a ConfigError whose every line is `file:line:column field: message`, quickly, never a crash.
 */
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { parseBudgetFile } from '../../../src/config/parse-budget-file.js';
import { fuzzCase, HOSTILE_KINDS, hostileCase, oracle, type FuzzCase } from '../../support/budget-fuzz.js';

const FILE = 'budget.yml';
const LINE = /^budget\.yml:\d+:\d+(?: [^\n]+)?: [^\n]+$|^… and \d+ more problems?$/;
/** Per file, generous for a loaded 2-core machine; the slowest case takes well under 1 s. */
const TIME_BOUND_MS = 3000;

type Outcome = { ok: true } | { ok: false; lines: string[] };

function parse(text: string): Outcome {
  try {
    parseBudgetFile(text, { path: FILE, workdir: '/repo' });
    return { ok: true };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { ok: false, lines: error.message.split('\n') };
  }
}

function expectHandled(c: FuzzCase): void {
  const valid = oracle(c.text);
  if (c.intended !== undefined) expect(valid, `oracle on an intended ${String(c.intended)} ${c.kind}`).toBe(c.intended);
  const started = performance.now();
  const outcome = parse(c.text);
  const took = performance.now() - started;
  expect(took, `seed ${c.seed} (${c.kind}) took ${took} ms`).toBeLessThan(TIME_BOUND_MS);
  expect(outcome.ok, `seed ${c.seed} (${c.kind}): ${outcome.ok ? 'parsed' : outcome.lines.join('\n')}\n${c.text.slice(0, 2000)}`).toBe(
    valid,
  );
  if (!outcome.ok) {
    expect(outcome.lines.length).toBeLessThanOrEqual(51);
    for (const line of outcome.lines) {
      expect(line, `seed ${c.seed}`).toMatch(LINE);
      // Messages quote a short prefix of a value, never all of it.
      expect(line.length, `seed ${c.seed}`).toBeLessThan(600);
    }
  }
}

describe('fuzzed budget files', () => {
  test('600 seeded cases', () => {
    const kinds = new Map<string, number>();
    for (let seed = 1; seed <= 600; seed += 1) {
      const c = fuzzCase(seed);
      kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
      expectHandled(c);
    }
    // The rotation really covers valid, mutated and hostile files.
    expect(kinds.get('valid')).toBeGreaterThan(100);
    expect(kinds.get('mutated')).toBeGreaterThan(200);
  });

  test.each(HOSTILE_KINDS)('hostile class: %s', (kind) => {
    for (let seed = 1; seed <= 5; seed += 1) expectHandled(hostileCase(kind, seed));
  });
});

/** Seeds that failed on the parser before aliases, tags, keys and numbers were checked. */
const REGRESSION_SEEDS = [6, 12, 14, 21, 27, 50, 77, 93, 98, 128, 132, 149];

/** Files that once got through or crashed, each with the line it must give now. */
const REGRESSION_FILES: [string, string, RegExp][] = [
  [
    'unresolved alias',
    'version: 1\nimages:\n  a: { budget: { max: *nope } }\n',
    /^budget\.yml:3:23 images\.a\.budget\.max: alias `\*nope` has no anchor/,
  ],
  [
    'billion laughs in 253 bytes',
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n',
    /^budget\.yml:\d+:\d+ [a-f]\.\d+: aliases expand the file past 10000 nodes/,
  ],
  ['merge of a number', 'version: 1\nimages:\n  a:\n    <<: 5\n', /^budget\.yml:4:9 images\.a\.<<: `<<` merges mappings only, got 5$/],
  [
    '400 nines',
    `version: 1\nimages:\n  a: { budget: { max: "${'9'.repeat(400)}MB" } }\n`,
    /^budget\.yml:3:23 images\.a\.budget\.max: size "9{40}"… is too large/,
  ],
  [
    'an unsafe integer',
    'version: 1\nimages:\n  a: { budget: { max: 100000000000000000000000 } }\n',
    /images\.a\.budget\.max: expected at most 9007199254740991, got 1e\+23$/,
  ],
  ['1 and "1"', 'version: 1\nimages:\n  1: {}\n  "1": {}\n', /^budget\.yml:4:3 images\.1: duplicate key "1", also at line 3, column 3$/],
  [
    'an image named __proto__',
    'version: 1\nimages:\n  __proto__: {}\n  a: {}\n',
    /^budget\.yml:3:3 images\.__proto__: `__proto__` cannot be used as a name/,
  ],
  [
    'constructor under budget.targets',
    'version: 1\nimages:\n  a: { target: x, budget: { targets: { constructor: {} } } }\n',
    /images\.a\.budget\.targets\.constructor: `constructor` cannot/,
  ],
  [
    '!!set as a limit',
    'version: 1\nimages:\n  a: { budget: { max: !!set { a: null } } }\n',
    /^budget\.yml:3:29 images\.a\.budget\.max: tag `!!set` is not supported/,
  ],
  ['max: {}', 'version: 1\nimages:\n  a: { budget: { max: {} } }\n', /images\.a\.budget\.max: give at least one metric/],
  [
    '.nan',
    'version: 1\nimages:\n  a: { budget: { min-efficiency: .nan } }\n',
    /min-efficiency: expected a number, got \.nan \(not a number\)$/,
  ],
  ['1e400', 'version: 1\nimages:\n  a: { budget: { max-wasted-percent: 1e400 } }\n', /max-wasted-percent: expected a number, got \.inf/],
  ['a newline in an image key', 'version: 1\nimages:\n  "a\\nb": {}\n', /^budget\.yml:3:3 images\."a\\nb": invalid image name "a\\nb"/],
];

describe('regressions', () => {
  test.each(REGRESSION_SEEDS)('seed %i', (seed) => {
    expectHandled(fuzzCase(seed));
  });

  test.each(REGRESSION_FILES)('%s', (_name, text, first) => {
    expectHandled({ seed: 0, kind: 'regression', text, intended: false });
    const outcome = parse(text);
    expect(outcome.ok ? 'parsed' : outcome.lines[0]).toMatch(first);
  });

  test('10,000 bad image names: linear, capped at 50 listed problems', () => {
    const text = `version: 1\nimages:\n${Array.from({ length: 10_000 }, (_, i) => `  Bad${i}: {}`).join('\n')}\n`;
    const started = performance.now();
    const outcome = parse(text);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(outcome.ok ? [] : outcome.lines).toHaveLength(51);
    expect(outcome.ok ? '' : outcome.lines[50]).toBe('… and 9950 more problems');
  });
});
