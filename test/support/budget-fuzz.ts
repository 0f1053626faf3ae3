/**
 * Seeded budget-file fuzzing: a generator of valid and hostile budget files, and an oracle that
 * decides validity on its own (the yaml library's own conversion plus a hand-written check of the
 * schema), never through the parser under test.
 */
import { isAlias, isMap, isScalar, isSeq, parseDocument, visit } from 'yaml';
import { HINT_IDS } from '../../src/analysis/hint-ids.js';

/** mulberry32: small, seedable, good enough to pick mutations. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
const chance = (rand: Rand, p: number): boolean => rand() < p;

/** The stages of the Dockerfile the CLI cases build from. */
export const FIXTURE_STAGES = ['builder', 'runtime'];
export const FIXTURE_DOCKERFILE = 'FROM busybox:1.35 AS builder\nRUN true\nFROM busybox:1.35 AS runtime\n';

export interface FuzzCase {
  seed: number;
  kind: string;
  text: string;
  /** What the generator meant: true valid, false invalid, undefined = only the oracle knows. */
  intended?: boolean;
}

// ---------- valid files, written as YAML text ----------

const IMAGE_NAMES = ['api', 'web', 'worker-1', 'db.main', 'a_b', '1', 'x9'];
const PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'];
const SIZES = ['25MB', '1.5GiB', '512', '0.3KiB', '"120 MB"', '9007199254740991', '7', '1TB', '.5GB'];
const PERCENTS = ['"5%"', '"0.5%"', '"100 %"'];

function sizeText(rand: Rand): string {
  return pick(rand, SIZES);
}

function budgetLines(rand: Rand, indent: string, targets: string[], platforms: string[], top: boolean): string[] {
  const lines: string[] = [];
  if (chance(rand, 0.6)) lines.push(`max: ${sizeText(rand)}`);
  if (chance(rand, 0.3)) lines.push(`warn: { compressed: ${sizeText(rand)}, uncompressed: ${sizeText(rand)} }`);
  if (chance(rand, 0.2)) lines.push(`max-layers: ${pick(rand, ['1', '30', '100'])}`);
  if (chance(rand, 0.3)) lines.push(`max-increase: ${pick(rand, [...PERCENTS, '2MB', '{ uncompressed: "5%" }', '0'])}`);
  if (chance(rand, 0.2)) lines.push(`min-efficiency: ${pick(rand, ['0', '0.95', '1'])}`);
  if (chance(rand, 0.2)) lines.push(`max-wasted-percent: ${pick(rand, ['0', '10', '99.5'])}`);
  if (chance(rand, 0.2)) lines.push(`waste-figures: ${pick(rand, ['exact', 'dive'])}`);
  if (chance(rand, 0.2)) lines.push(`forbid: [${pick(rand, HINT_IDS)}]`);
  if (chance(rand, 0.2)) lines.push(`ignore-hints: [${pick(rand, HINT_IDS)}, ${pick(rand, HINT_IDS)}]`);
  if (top && targets.length > 0 && chance(rand, 0.4)) lines.push(`targets: { ${pick(rand, targets)}: { max: ${sizeText(rand)} } }`);
  if (top && platforms.length > 0 && chance(rand, 0.4)) lines.push(`platforms: { ${pick(rand, platforms)}: { warn: ${sizeText(rand)} } }`);
  if (lines.length === 0) lines.push(`max: ${sizeText(rand)}`);
  return lines.map((line) => `${indent}${line}`);
}

function imageLines(rand: Rand): string[] {
  const lines: string[] = [];
  let targets: string[] = [];
  if (chance(rand, 0.3)) lines.push('context: .');
  if (chance(rand, 0.2)) lines.push('dockerfile: Dockerfile');
  const choice = rand();
  if (choice < 0.25) {
    targets = [pick(rand, FIXTURE_STAGES)];
    lines.push(`target: ${targets[0]}`);
  } else if (choice < 0.45) {
    targets = [...FIXTURE_STAGES];
    lines.push(`targets: [${targets.join(', ')}]`);
  }
  let platforms: string[] = [];
  if (chance(rand, 0.3)) {
    platforms = PLATFORMS.filter(() => chance(rand, 0.5));
    lines.push(`platforms: [${platforms.join(', ')}]`);
  }
  if (chance(rand, 0.3)) lines.push(`build-args: { GO_VERSION: 1.20, DEBUG: true, PORT: 8080, EMPTY: "" }`);
  if (chance(rand, 0.3)) lines.push(`labels: { team: payments, "org.opencontainers.image.title": x }`);
  if (chance(rand, 0.2)) lines.push(`cache: { mode: ${pick(rand, ['auto', 'off'])}, from: [type=gha] }`);
  if (chance(rand, 0.2)) lines.push(`analyze: ${pick(rand, ['true', 'false'])}`);
  if (chance(rand, 0.7)) {
    lines.push('budget:');
    lines.push(...budgetLines(rand, '  ', targets, platforms, true));
  }
  return lines;
}

export function validFile(rand: Rand): string {
  const lines = ['version: 1'];
  if (chance(rand, 0.3)) {
    lines.push('defaults:', '  platforms: [linux/amd64]', '  budget:', ...budgetLines(rand, '    ', [], [], false));
  }
  lines.push('images:');
  const names = IMAGE_NAMES.filter(() => chance(rand, 0.4));
  if (names.length === 0) names.push(pick(rand, IMAGE_NAMES));
  for (const name of names) {
    const body = imageLines(rand);
    if (body.length === 0 || chance(rand, 0.1)) lines.push(`  ${name}:`);
    else lines.push(`  ${name}:`, ...body.map((line) => `    ${line}`));
  }
  return `${lines.join('\n')}\n`;
}

// ---------- hostile files, invalid (or valid) by construction ----------

const NINES = '9'.repeat(400);

/** Each returns [text, intended validity]. */
const HOSTILE: Record<string, (rand: Rand) => [string, boolean]> = {
  'unresolved alias': () => ['version: 1\nimages:\n  a: { budget: { max: *nope } }\n', false],
  'billion laughs': () => {
    const lines = ['version: 1', 'x:', '  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 9; i += 1)
      lines.push(
        `  l${i}: &l${i} [${Array(9)
          .fill(`*l${i - 1}`)
          .join(', ')}]`,
      );
    lines.push('images:\n  a: { labels: { x: *l8 } }');
    return [`${lines.join('\n')}\n`, false];
  },
  'merge of a scalar': (rand) => [`version: 1\nimages:\n  a:\n    <<: ${pick(rand, ['5', '[1]', '"x"', '~'])}\n`, false],
  'merge of a valid anchor': () => [
    'version: 1\nimages:\n  a: &common\n    budget: { max: 10MB }\n  b:\n    <<: *common\n    analyze: false\n',
    true,
  ],
  'alias within budget': () => ['version: 1\nimages:\n  a: { labels: &l { team: x } }\n  b: { labels: *l }\n', true],
  'alias amplification': (rand) => {
    const uses = Array.from({ length: 40 }, (_, i) => `    l${i}: *big`).join('\n');
    return [
      `version: 1\nimages:\n  a:\n    labels:\n      big: &big "${'y'.repeat(50_000 + Math.floor(rand() * 1000))}"\n${uses}\n`,
      false,
    ];
  },
  'self-referencing alias': () => ['version: 1\nimages:\n  a: &x { labels: *x }\n', false],
  'duplicate after conversion': (rand) => {
    const [a, b] = pick(rand, [
      ['1', '"1"'],
      ['true', '"true"'],
      ['api', 'api'],
      ["'web'", 'web'],
    ] as const);
    return [`version: 1\nimages:\n  ${a}: {}\n  ${b}: {}\n`, false];
  },
  'duplicate build-arg': () => ['version: 1\nimages:\n  a: { build-args: { 1: x, "1": y } }\n', false],
  'reserved key': (rand) => {
    const key = pick(rand, ['__proto__', 'constructor', 'prototype']);
    const where = pick(rand, [
      `  ${key}: {}`,
      `  a: { build-args: { ${key}: x } }`,
      `  a: { labels: { ${key}: x } }`,
      `  a: { target: runtime, budget: { targets: { ${key}: { max: 1MB } } } }`,
      `  a: { budget: { platforms: { ${key}: { max: 1MB } } } }`,
    ]);
    return [`version: 1\nimages:\n${where}\n`, false];
  },
  'tagged value': (rand) => {
    const tagged = pick(rand, [
      '!!set { a: null }',
      '!!omap [a: 1]',
      '!!timestamp 2001-01-01',
      '!!binary aGk=',
      '!foo 5MB',
      '!!pairs [a: 1]',
    ]);
    const where = pick(rand, [`{ budget: { max: ${tagged} } }`, `{ labels: { x: ${tagged} } }`, tagged]);
    return [`version: 1\nimages:\n  a: ${where}\n`, false];
  },
  'empty size mapping': () => ['version: 1\nimages:\n  a: { budget: { max: {} } }\n', false],
  'unbounded number': (rand) => {
    const field = pick(rand, [
      `max: "${NINES}MB"`,
      `max: ${NINES}`,
      'max: 1e23',
      'max: 100000000000000000000000',
      'max: 9007199254740992',
      'warn: { uncompressed: .inf }',
      'min-efficiency: .nan',
      'max-wasted-percent: 1e400',
      `max-increase: "${NINES}%"`,
      `max-increase: "${NINES}GB"`,
      'max-layers: 1e400',
      'max-wasted: -.inf',
    ]);
    return [`version: 1\nimages:\n  a:\n    budget:\n      ${field}\n`, false];
  },
  'largest size': () => ['version: 1\nimages:\n  a: { budget: { max: 9007199254740991, warn: "9007TB" } }\n', true],
  'newline in an image key': () => ['version: 1\nimages:\n  "a\\nb": {}\n  "c\\u202ed": {}\n', false],
  'long value in a message': () => [`version: 1\nimages:\n  a: { budget: { max: "${'z'.repeat(20_000)}" } }\n`, false],
  'many bad image names': (rand) => {
    const count = 200 + Math.floor(rand() * 2000);
    const lines = Array.from({ length: count }, (_, i) => `  Bad${i}: {}`);
    return [`version: 1\nimages:\n${lines.join('\n')}\n`, false];
  },
  'deep nesting': (rand) => {
    const depth = 70 + Math.floor(rand() * 3000);
    return [`version: 1\nimages:\n  a: { labels: { x: ${'['.repeat(depth)}${']'.repeat(depth)} } }\n`, false];
  },
  'non-scalar key': () => ['version: 1\nimages:\n  ? [a, b]\n  : {}\n', false],
};

// ---------- random mutations of a valid file ----------

const VALUE_TOKENS = [
  '1',
  '-1',
  '0',
  '1.5',
  '.nan',
  '.inf',
  '~',
  'null',
  'true',
  '"x"',
  '[]',
  '{}',
  'linux/amd64',
  '5%',
  '12 parsecs',
  '25MB',
  'all',
  'dive',
  '',
];
const KEY_TOKENS = [
  'max',
  'warn',
  'mbx',
  'budget',
  'targets',
  'platforms',
  'labels',
  '__proto__',
  'constructor',
  'images',
  'version',
  'Bad',
  'x',
];

function mutateText(rand: Rand, text: string): string {
  let lines = text.trimEnd().split('\n');
  const rounds = 1 + Math.floor(rand() * 3);
  for (let r = 0; r < rounds; r += 1) {
    const i = Math.floor(rand() * lines.length);
    const line = lines[i] ?? '';
    switch (Math.floor(rand() * 7)) {
      case 0:
        lines.splice(i, 1);
        break;
      case 1:
        lines.splice(i, 0, line);
        break;
      case 2:
        lines[i] = pick(rand, ['', ' ', '  ', '    ']) + line.trimStart();
        break;
      case 3:
        lines[i] = line.replace(/: (.*)$/, () => `: ${pick(rand, VALUE_TOKENS)}`);
        break;
      case 4:
        lines[i] = line.replace(/^(\s*)[^\s:{[]+:/, (_m, indent: string) => `${indent}${pick(rand, KEY_TOKENS)}:`);
        break;
      case 5: {
        const j = Math.floor(rand() * lines.length);
        [lines[i], lines[j]] = [lines[j] ?? '', line];
        break;
      }
      default: {
        // One character dropped or doubled.
        const at = Math.floor(rand() * line.length);
        lines[i] = chance(rand, 0.5) ? line.slice(0, at) + line.slice(at + 1) : line.slice(0, at) + line.charAt(at) + line.slice(at);
      }
    }
    lines = lines.filter((l, index) => index < 400 || l !== undefined);
  }
  return `${lines.join('\n')}\n`;
}

/** Case `index` of a seed: a valid file, a hostile one or a mutated one, in that rotation. */
export function fuzzCase(seed: number): FuzzCase {
  const rand = prng(seed);
  const roll = rand();
  if (roll < 0.25) return { seed, kind: 'valid', text: validFile(rand), intended: true };
  if (roll < 0.55) {
    const kind = pick(rand, Object.keys(HOSTILE));
    const [text, intended] = (HOSTILE[kind] as (r: Rand) => [string, boolean])(rand);
    return { seed, kind, text, intended };
  }
  return { seed, kind: 'mutated', text: mutateText(rand, validFile(rand)) };
}

export const HOSTILE_KINDS = Object.keys(HOSTILE);

/** A hostile case of one kind, for the classes every run must cover. */
export function hostileCase(kind: string, seed: number): FuzzCase {
  const [text, intended] = (HOSTILE[kind] as (r: Rand) => [string, boolean])(prng(seed));
  return { seed, kind, text, intended };
}

// ---------- the oracle ----------

const SIZE_RE = /^(?:(\d+(?:\.\d+)?|\.\d+) ?(B|kB|KB|MB|GB|TB|KiB|MiB|GiB|TiB)|(\d+))$/;
const PERCENT_RE = /^(\d+(?:\.\d+)?|\.\d+) ?%$/;
const UNIT: Record<string, number> = {
  B: 1,
  kB: 1e3,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
};
const IMAGE_NAME = /^[a-z0-9][a-z0-9._-]*$/;
const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/;
const RESERVED = ['__proto__', 'constructor', 'prototype'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const onlyKeys = (v: Obj, keys: string[]) => Object.keys(v).every((k) => keys.includes(k));
const isSafeCount = (v: unknown, min: number) => typeof v === 'number' && Number.isSafeInteger(v) && v >= min;

function isSize(v: unknown): boolean {
  if (typeof v === 'number') return isSafeCount(v, 0);
  if (typeof v !== 'string') return false;
  const m = SIZE_RE.exec(v.trim());
  if (!m) return false;
  const bytes = m[3] !== undefined ? Number(m[3]) : Math.round(Number(m[1]) * (UNIT[m[2] ?? 'B'] ?? 1));
  return bytes <= Number.MAX_SAFE_INTEGER;
}

function isSizeOrPercent(v: unknown): boolean {
  if (typeof v === 'string' && PERCENT_RE.test(v.trim())) return Number.isFinite(Number(PERCENT_RE.exec(v.trim())?.[1]));
  return isSize(v);
}

const isSizeLimit = (v: unknown) =>
  isSize(v) || (isObj(v) && Object.keys(v).length > 0 && onlyKeys(v, ['compressed', 'uncompressed']) && Object.values(v).every(isSize));
const isDelta = (v: unknown) =>
  isSizeOrPercent(v) ||
  (isObj(v) && Object.keys(v).length === 1 && onlyKeys(v, ['compressed', 'uncompressed']) && Object.values(v).every(isSizeOrPercent));
const isNum = (v: unknown, lo: number, hi: number) => typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi;
const isHints = (v: unknown) => Array.isArray(v) && v.every((h) => (HINT_IDS as readonly unknown[]).includes(h));

const BUDGET_CHECKS: Record<string, (v: unknown) => boolean> = {
  max: isSizeLimit,
  warn: isSizeLimit,
  'max-layers': (v) => isSafeCount(v, 1),
  'max-increase': isDelta,
  'warn-increase': isDelta,
  'min-efficiency': (v) => isNum(v, 0, 1),
  'max-wasted': isSize,
  'max-wasted-percent': (v) => isNum(v, 0, 100),
  'waste-figures': (v) => v === 'exact' || v === 'dive',
  forbid: isHints,
  'ignore-hints': isHints,
};

const fields = (v: Obj, checks: Record<string, (x: unknown) => boolean>) =>
  onlyKeys(v, Object.keys(checks)) && Object.entries(v).every(([k, x]) => x === undefined || (checks[k] as (x: unknown) => boolean)(x));

const isOverride = (v: unknown) => isObj(v) && fields(v, BUDGET_CHECKS);
const isBudget = (v: unknown) =>
  isObj(v) &&
  fields(v, {
    ...BUDGET_CHECKS,
    targets: (t) => isObj(t) && Object.entries(t).every(([k, o]) => k.length > 0 && isOverride(o)),
    platforms: (p) => isObj(p) && Object.entries(p).every(([k, o]) => PLATFORM.test(k) && isOverride(o)),
  });
const isStringList = (v: unknown) => typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
const isScalarMap = (v: unknown) =>
  isObj(v) &&
  Object.values(v).every((x) => typeof x === 'string' || typeof x === 'boolean' || (typeof x === 'number' && Number.isFinite(x)));
const isPlatforms = (v: unknown) => Array.isArray(v) && v.every((p) => typeof p === 'string' && PLATFORM.test(p));
const nonEmpty = (v: unknown) => typeof v === 'string' && v.length > 0;

const SHARED = {
  platforms: isPlatforms,
  'build-args': isScalarMap,
  labels: isScalarMap,
  cache: (c: unknown) => isObj(c) && fields(c, { mode: (m) => m === 'auto' || m === 'off', from: isStringList, to: isStringList }),
  stages: (s: unknown) => s === 'all' || s === 'none',
  analyze: (a: unknown) => typeof a === 'boolean',
  budget: isBudget,
};

const isImage = (v: unknown) =>
  v === null ||
  (isObj(v) &&
    fields(v, {
      ...SHARED,
      context: nonEmpty,
      dockerfile: nonEmpty,
      target: nonEmpty,
      targets: (t) => Array.isArray(t) && t.length > 0 && t.every(nonEmpty),
    }) &&
    !(v.target !== undefined && v.targets !== undefined));

/** Cross-field rules: overrides name what the image builds. */
function overridesFit(image: Obj, defaults: Obj | undefined): boolean {
  const budget = isObj(image.budget) ? image.budget : {};
  const targets = Array.isArray(image.targets) ? (image.targets as string[]) : typeof image.target === 'string' ? [image.target] : [];
  const stagesAll = (image.stages ?? defaults?.stages) === 'all';
  if (!stagesAll && isObj(budget.targets) && Object.keys(budget.targets).some((k) => !targets.includes(k))) return false;
  const platforms = (image.platforms ?? defaults?.platforms ?? []) as string[];
  if (platforms.length > 0 && isObj(budget.platforms) && Object.keys(budget.platforms).some((k) => !platforms.includes(k))) return false;
  return true;
}

/** The file's own checks on a build from the CLI fixture: the paths exist and targets are stages. */
function fitsFixture(image: Obj): boolean {
  if (image.context !== undefined && image.context !== '.') return false;
  if (image.dockerfile !== undefined && image.dockerfile !== 'Dockerfile') return false;
  const targets = Array.isArray(image.targets) ? image.targets : image.target !== undefined ? [image.target] : [];
  if (!targets.every((t) => typeof t === 'string' && FIXTURE_STAGES.includes(t.toLowerCase()))) return false;
  const overrides = isObj(image.budget) && isObj(image.budget.targets) ? Object.keys(image.budget.targets) : [];
  return overrides.every((k) => FIXTURE_STAGES.includes(k.toLowerCase()) || targets.includes(k));
}

function yamlLevelOk(text: string): { ok: false } | { ok: true; data: unknown } {
  const doc = parseDocument(text, { uniqueKeys: false, merge: true });
  if (doc.errors.length > 0) return { ok: false };
  let ok = true;
  let aliases = 0;
  visit(doc, {
    Node(_key, node) {
      const tag = (node as { tag?: string }).tag;
      if (tag !== undefined && !['tag:yaml.org,2002:str', 'tag:yaml.org,2002:map', 'tag:yaml.org,2002:seq'].includes(tag)) ok = false;
      if (isAlias(node)) aliases += 1;
      if (isMap(node)) {
        const keys = new Set<string>();
        for (const pair of node.items) {
          const key = pair.key;
          if (isAlias(key) || isMap(key) || isSeq(key)) ok = false;
          if (!isScalar(key)) continue;
          const name = key.type === 'PLAIN' ? String(key.source) : String(key.value);
          if (key.type === 'PLAIN' && name === '<<') continue;
          if (keys.has(name) || RESERVED.includes(name)) ok = false;
          keys.add(name);
        }
      }
    },
  });
  if (!ok) return { ok: false };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: aliases > 0 ? 10_000 : -1 });
  } catch {
    return { ok: false };
  }
  // The expansion budget: what aliases add, counted as copies (far from the limits in every case).
  if (aliases > 0) {
    let text = 0;
    let nodes = 0;
    const walk = (v: unknown, depth: number): void => {
      nodes += 1;
      if (nodes > 50_000 || depth > 64) return;
      if (typeof v === 'string') text += v.length;
      else if (Array.isArray(v))
        v.forEach((x) => {
          walk(x, depth + 1);
        });
      else if (isObj(v))
        Object.entries(v).forEach(([k, x]) => {
          text += k.length;
          walk(x, depth + 1);
        });
    };
    walk(data, 0);
    if (nodes > 50_000 || text > 1_500_000) return { ok: false };
  }
  let depthOk = true;
  const depth = (v: unknown, d: number): void => {
    if (d > 64) depthOk = false;
    else if (Array.isArray(v))
      v.forEach((x) => {
        depth(x, d + 1);
      });
    else if (isObj(v))
      Object.values(v).forEach((x) => {
        depth(x, d + 1);
      });
  };
  depth(data, 0);
  return depthOk ? { ok: true, data } : { ok: false };
}

/** Whether the text is a valid budget file; `fixture`: also buildable from the CLI fixture. */
export function oracle(text: string, opts: { fixture?: boolean } = {}): boolean {
  const parsed = yamlLevelOk(text);
  if (!parsed.ok) return false;
  const root = parsed.data;
  if (!isObj(root) || !onlyKeys(root, ['version', 'defaults', 'images'])) return false;
  if (root.version !== 1) return false;
  const defaults = root.defaults;
  if (defaults !== undefined && !(isObj(defaults) && fields(defaults, SHARED))) return false;
  const images = root.images;
  if (!isObj(images) || Object.keys(images).length === 0) return false;
  for (const [name, image] of Object.entries(images)) {
    if (!IMAGE_NAME.test(name) || RESERVED.includes(name) || !isImage(image)) return false;
    const imageFields: Obj = image === null ? {} : (image as Obj);
    if (!overridesFit(imageFields, defaults)) return false;
    if (opts.fixture && !fitsFixture(imageFields)) return false;
  }
  return true;
}
