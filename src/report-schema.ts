/**
 * The JSON report read back from outside — a saved report, a matrix job's artifact, a base
 * kept by an earlier run — as untrusted input: one zod schema for every reader, each field the
 * renderers or the comparison use type-checked and bounded, anything else dropped, and the
 * first problems named by their JSON path. Strings stay untrusted: the renderers escape them.
 */
import { z } from 'zod';

const MAX_ENTRIES = 10_000;
const MAX_LAYERS = 1_000;

const bytes = (what = 'a size') =>
  z
    .number({ error: `expected ${what} as a number` })
    .int({ error: `expected ${what} as a whole number of bytes` })
    .min(0, { error: `expected ${what} to be non-negative` })
    .max(Number.MAX_SAFE_INTEGER, { error: `${what} is too large` });
const signedBytes = z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
const text = (max: number) => z.string({ error: 'expected a string' }).max(max, { error: `longer than ${max} characters` });
const sha = text(64).regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, { error: 'expected a full commit sha' });
const status = z.enum(['ok', 'warn', 'over', 'error']);
const dockerfileRef = z
  .object({ path: text(4096), line: z.number().int().min(0).max(10_000_000), source: text(8192).optional() })
  .nullable();
const sizeLimit = z.object({ compressed: bytes().optional(), uncompressed: bytes().optional() }).nullable();
const deltaLimit = z
  .object({ metric: z.enum(['compressed', 'uncompressed']), bytes: bytes().optional(), percent: z.number().min(0).max(1e9).optional() })
  .nullable()
  .optional();
const sizes = z.object({ compressedBytes: signedBytes, uncompressedBytes: signedBytes });
const ratio = z.number().min(0).max(1);
const pathBytes = z.array(z.object({ path: text(4096), bytes: bytes() })).max(100);
const fileChange = z.object({ files: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), bytes: bytes() });

const configList = z.array(text(1024)).max(200);
const fingerprints = z.array(z.tuple([text(1024), text(64)])).max(200);
/** See ImageConfigSummary: every field optional (unset), the whole absent in earlier reports. */
const imageConfig = z.object({
  labels: fingerprints.optional(),
  env: fingerprints.optional(),
  valuesKey: text(64).optional(),
  entrypoint: configList.optional(),
  cmd: configList.optional(),
  user: text(1024).optional(),
  workingDir: text(1024).optional(),
  exposedPorts: configList.optional(),
  volumes: configList.optional(),
  stopSignal: text(1024).optional(),
  healthcheck: text(4096).optional(),
  shell: configList.optional(),
  onBuild: configList.optional(),
});
const configChange = z.object({
  field: z.enum([
    'label',
    'env',
    'entrypoint',
    'cmd',
    'user',
    'workingDir',
    'exposedPort',
    'volume',
    'stopSignal',
    'healthcheck',
    'shell',
    'onBuild',
  ]),
  kind: z.enum(['added', 'removed', 'changed']),
  key: text(1024).optional(),
  from: text(2048).optional(),
  to: text(2048).optional(),
});

const layer = z.object({
  digest: text(200),
  compressedBytes: bytes(),
  uncompressedBytes: bytes(),
  createdBy: text(65_536).nullable().default(null),
  dockerfile: dockerfileRef.default(null),
});

const diffLayer = layer.partial().extend({ digest: text(200), compressedBytes: bytes(), uncompressedBytes: bytes() });

const entry = z.object({
  name: text(256).min(1, { error: 'must not be empty' }),
  target: text(256).nullable(),
  platform: text(128).min(1, { error: 'must not be empty' }),
  compressedBytes: bytes().nullable(),
  uncompressedBytes: bytes().nullable(),
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
  layers: z
    .array(layer)
    .max(MAX_LAYERS, { error: `more than ${MAX_LAYERS} layers` })
    .default([]),
  manifestDigest: text(200).nullable(),
  imageDigest: text(200).nullable().optional(),
  error: text(65_536).nullable(),
  baseline: z.object({ commit: sha.nullable(), compressedBytes: bytes(), uncompressedBytes: bytes() }).nullable().optional(),
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
        baseBytes: bytes().nullable(),
        headBytes: bytes(),
      }),
    )
    .max(100)
    .optional(),
  notes: z.array(text(2048)).max(50).optional(),
  analysis: z
    .object({
      wastedBytes: bytes(),
      efficiency: ratio,
      hints: z
        .array(
          z.object({
            id: text(64),
            path: text(4096),
            bytes: bytes(),
            dockerfile: dockerfileRef,
            layer: text(200).optional(),
            message: text(4096).optional(),
            fix: text(4096).optional(),
            removedBy: z.object({ layer: text(200), dockerfile: dockerfileRef }).optional(),
          }),
        )
        .max(500),
      dive: z.object({ efficiency: ratio, wastedBytes: bytes(), userFileBytes: bytes().optional() }).optional(),
      totalFileBytes: bytes().optional(),
      finalFileBytes: bytes().optional(),
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
            changed: fileChange.extend({ replacedBytes: bytes() }),
            removed: fileChange,
          }),
        )
        .max(MAX_LAYERS)
        .optional(),
    })
    .nullable()
    .optional(),
  imageConfig: imageConfig.optional(),
  configChanges: z.array(configChange).max(100).optional(),
  kind: z.enum(['target', 'stage']).optional(),
  stages: z
    .array(
      z.object({
        name: text(256).nullable(),
        current: z.boolean(),
        compressedBytes: bytes(),
        uncompressedBytes: bytes(),
        wastedBytes: bytes().nullable(),
        hasToolchain: z.boolean(),
        hintIds: z.array(text(64)).max(50),
      }),
    )
    .max(200)
    .optional(),
  singleStageWithToolchain: z.boolean().optional(),
});

export const reportSchema = z.object({
  schemaVersion: z.literal(1, { error: 'expected schemaVersion 1 (a report written by image-budget)' }),
  tool: z.object({ name: z.literal('image-budget'), version: text(64) }),
  createdAt: text(64),
  commit: sha.nullable().default(null),
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
  images: z.array(entry).max(MAX_ENTRIES, { error: `more than ${MAX_ENTRIES} images` }),
});

/**
 * What a base read from a saved report needs of it: each entry's sizes and layers. A layer's
 * digest must look like one, since layers are paired by it.
 */
export const baselineReportSchema = reportSchema.pick({ schemaVersion: true, commit: true }).extend({
  createdAt: text(64).optional(),
  images: z
    .array(
      entry
        .pick({ name: true, target: true, platform: true, compressedBytes: true, uncompressedBytes: true, status: true, imageConfig: true })
        .extend({
          layers: z
            .array(
              layer.extend({
                digest: text(200).regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, { error: 'expected a digest like sha256:…' }),
              }),
            )
            .max(MAX_LAYERS, { error: `more than ${MAX_LAYERS} layers` })
            .default([]),
        }),
    )
    .max(MAX_ENTRIES, { error: `more than ${MAX_ENTRIES} images` }),
});

/** `images[3].layers[0].digest`, as a person would write it. */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`)).join('');
}

/** The parsed value, or a one-line description of what is wrong (at most five problems). */
export function validateJson<T extends z.ZodType>(
  content: string,
  schema: T,
): { ok: true; value: z.infer<T> } | { ok: false; detail: string } {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch (error) {
    return { ok: false, detail: `not valid JSON (${(error as Error).message})` };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues.slice(0, 5).map((issue) => `${formatJsonPath(issue.path)}: ${issue.message}`);
  const more = parsed.error.issues.length > 5 ? ` (and ${parsed.error.issues.length - 5} more)` : '';
  return { ok: false, detail: `${issues.join('; ')}${more}` };
}
