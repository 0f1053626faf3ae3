/**
 * Reading a JSON report back as untrusted input: the `comment` mode of a `workflow_run`
 * workflow (the report came from a fork's run) and `aggregate` (artifacts of matrix jobs).
 * Every field the renderers use is type-checked and bounded; anything else is dropped.
 * Strings stay untrusted: the renderers escape them.
 */
import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import { MAX_REPORT_FILE_BYTES } from '../baseline/report-baseline.js';
import { validateJson } from './validate-json.js';
import type { Report } from '../types.js';

const MAX_ENTRIES = 10_000;
const MAX_LAYERS = 1_000;

const bytes = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const signedBytes = z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
const text = (max: number) => z.string().max(max);
const sha = text(64).regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, { error: 'expected a full commit sha' });
const status = z.enum(['ok', 'warn', 'over', 'error']);
const dockerfileRef = z.object({ path: text(4096), line: z.number().int().min(0).max(10_000_000) }).nullable();
const sizeLimit = z.object({ compressed: bytes.optional(), uncompressed: bytes.optional() }).nullable();
const deltaLimit = z
  .object({ metric: z.enum(['compressed', 'uncompressed']), bytes: bytes.optional(), percent: z.number().min(0).max(1e9).optional() })
  .nullable()
  .optional();
const sizes = z.object({ compressedBytes: signedBytes, uncompressedBytes: signedBytes });
const ratio = z.number().min(0).max(1);
const pathBytes = z.array(z.object({ path: text(4096), bytes })).max(100);
const fileChange = z.object({ files: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), bytes });

const layer = z.object({
  digest: text(200),
  compressedBytes: bytes,
  uncompressedBytes: bytes,
  createdBy: text(65_536).nullable(),
  dockerfile: dockerfileRef,
});

const diffLayer = layer.partial().extend({ digest: text(200), compressedBytes: bytes, uncompressedBytes: bytes });

const entry = z.object({
  name: text(256).min(1),
  target: text(256).nullable(),
  platform: text(128).min(1),
  compressedBytes: bytes.nullable(),
  uncompressedBytes: bytes.nullable(),
  layerCount: z.number().int().min(0).max(MAX_LAYERS).nullable(),
  status,
  findings: z.array(z.object({ status: z.enum(['warn', 'over', 'error']), rule: text(64), message: text(2048) })).max(100),
  budget: z.object({
    max: sizeLimit,
    warn: sizeLimit,
    maxLayers: z.number().int().min(0).nullable(),
    maxIncrease: deltaLimit,
    warnIncrease: deltaLimit,
  }),
  layers: z.array(layer).max(MAX_LAYERS),
  manifestDigest: text(200).nullable(),
  imageDigest: text(200).nullable().optional(),
  error: text(65_536).nullable(),
  baseline: z.object({ commit: sha.nullable(), compressedBytes: bytes, uncompressedBytes: bytes }).nullable().optional(),
  delta: sizes.nullable().optional(),
  change: z.enum(['new', 'removed', 'changed', 'unchanged']).nullable().optional(),
  layerDiff: z
    .array(
      z.object({
        state: z.enum(['unchanged', 'changed', 'added', 'removed']),
        match: z.enum(['digest', 'dockerfile', 'created-by']).nullable(),
        base: diffLayer.nullable(),
        head: diffLayer.nullable(),
        delta: sizes,
        instruction: text(64).nullable(),
        dockerfile: dockerfileRef,
      }),
    )
    .max(2 * MAX_LAYERS)
    .optional(),
  contributors: z
    .array(
      z.object({
        location: text(4200).nullable(),
        instruction: text(64).nullable(),
        createdBy: text(65_536).nullable(),
        state: z.enum(['changed', 'added']),
        deltaBytes: signedBytes,
        baseBytes: bytes.nullable(),
        headBytes: bytes,
      }),
    )
    .max(100)
    .optional(),
  notes: z.array(text(2048)).max(50).optional(),
  analysis: z
    .object({
      wastedBytes: bytes,
      efficiency: ratio,
      hints: z
        .array(
          z.object({
            id: text(64),
            path: text(4096),
            bytes,
            dockerfile: dockerfileRef,
            layer: text(200).optional(),
            message: text(4096).optional(),
            fix: text(4096).optional(),
            removedBy: z.object({ layer: text(200), dockerfile: dockerfileRef }).optional(),
          }),
        )
        .max(500),
      dive: z.object({ efficiency: ratio, wastedBytes: bytes, userFileBytes: bytes.optional() }).optional(),
      totalFileBytes: bytes.optional(),
      finalFileBytes: bytes.optional(),
      largestFiles: pathBytes.optional(),
      largestDirectories: pathBytes.optional(),
      hintsOmitted: z.number().int().min(0).max(1_000_000).optional(),
      layerCache: z.object({ hits: z.number().int().min(0).max(MAX_LAYERS), reads: z.number().int().min(0).max(MAX_LAYERS) }).optional(),
      layers: z
        .array(
          z.object({
            digest: text(200),
            dockerfile: dockerfileRef,
            added: fileChange,
            changed: fileChange.extend({ replacedBytes: bytes }),
            removed: fileChange,
          }),
        )
        .max(MAX_LAYERS)
        .optional(),
    })
    .nullable()
    .optional(),
  kind: z.enum(['target', 'stage']).optional(),
  stages: z
    .array(
      z.object({
        name: text(256).nullable(),
        current: z.boolean(),
        compressedBytes: bytes,
        uncompressedBytes: bytes,
        wastedBytes: bytes.nullable(),
        hasToolchain: z.boolean(),
        hintIds: z.array(text(64)).max(50),
      }),
    )
    .max(200)
    .optional(),
  singleStageWithToolchain: z.boolean().optional(),
});

const report = z.object({
  schemaVersion: z.literal(1, { error: 'expected schemaVersion 1 (a report written by image-budget)' }),
  tool: z.object({ name: z.literal('image-budget'), version: text(64) }),
  createdAt: text(64),
  commit: sha.nullable(),
  config: text(4096),
  overBudget: z.boolean(),
  baseline: z
    .object({ mode: text(16), commit: sha.nullable(), note: text(2048), unavailable: text(2048).nullable() })
    .nullable()
    .optional(),
  budgetChanges: z
    .array(
      z.object({
        image: text(256),
        target: text(256).nullable(),
        platform: text(128).nullable(),
        field: text(64),
        label: text(64),
        from: text(256).nullable(),
        to: text(256).nullable(),
      }),
    )
    .max(1000)
    .optional(),
  pullRequest: z.object({ number: z.number().int().min(1), headSha: sha.nullable() }).optional(),
  images: z.array(entry).max(MAX_ENTRIES),
});

export class ReportError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`report ${file}: ${detail}`);
    this.name = 'ReportError';
  }
}

export function parseReport(content: string, file: string): Report {
  const parsed = validateJson(content, report);
  if (!parsed.ok) throw new ReportError(file, parsed.detail);
  return parsed.value as Report;
}

export async function loadReport(file: string): Promise<Report> {
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) throw new ReportError(file, 'no such file');
  if (info.size > MAX_REPORT_FILE_BYTES) throw new ReportError(file, `larger than ${MAX_REPORT_FILE_BYTES} bytes`);
  return parseReport(await readFile(file, 'utf8'), file);
}
