/**
 * The budget file's schema (version 1), written once in zod. It validates the YAML as written
 * (sizes still strings) and is the source of the published JSON Schema, so everything here must
 * be expressible in JSON Schema: cross-field rules carry their JSON Schema twin in `.meta()`.
 * Turning the validated file into a `BudgetFile` happens in normalize-budget-file.ts.
 */
import { z } from 'zod';
import { HINT_IDS } from '../analysis/hint-ids.js';
import { describeValue } from './describe-value.js';
import { givenImageProblem } from './image-reference.js';
import { describeBadSize, isPercentTooLarge, isSizeTooLarge, PERCENT_PATTERN, SIZE_PATTERN } from './size.js';
import { suggestName } from './suggest-name.js';

export const IMAGE_NAME_PATTERN = '^[a-z0-9][a-z0-9._-]*$';
export const HINT_ID_PATTERN = '^[a-z0-9-]+$';
export const PLATFORM_PATTERN = '^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$';

const gotText = describeValue;
const isMapping = (value: unknown): boolean => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whole numbers (layer counts): one message for "many", 1.5 and the like. */
const wholeNumber = () => z.int({ error: (iss) => `expected a whole number, got ${gotText(iss.input)}` });

function size(description: string) {
  return z
    .union(
      [
        z.int().min(0, { error: (iss) => describeBadSize(iss.input) }),
        z
          .string()
          .regex(new RegExp(SIZE_PATTERN), { error: (iss) => describeBadSize(iss.input) })
          .refine((text) => !isSizeTooLarge(text), { error: (iss) => describeBadSize(iss.input) }),
      ],
      { error: (iss) => describeBadSize(iss.input) },
    )
    .meta({
      description: `${description} Bytes, or a size like "25MB", "1.5GB", "512KiB".`,
    });
}

function sizeLimit(description: string) {
  return z
    .union(
      [
        size(`${description} A bare size applies to the compressed size.`),
        z
          .strictObject({
            compressed: size('Limit on the compressed size (bytes a pull transfers).').optional(),
            uncompressed: size('Limit on the uncompressed size (bytes on disk).').optional(),
          })
          // `max: {}` would otherwise read as "no limit".
          .refine((value) => Object.keys(value).length > 0, {
            when: (payload) => isMapping(payload.value),
            error: 'give at least one metric: `compressed` or `uncompressed`',
          })
          .meta({ description: `${description} Per metric.`, minProperties: 1 }),
      ],
      {
        error: (iss) => `expected a size like "25MB" or { compressed: 25MB, uncompressed: 80MB }, got ${gotText(iss.input)}`,
      },
    )
    .meta({ description });
}

function sizeOrPercent(description: string) {
  return z
    .union(
      [
        z.int().min(0, { error: (iss) => describeBadSize(iss.input) }),
        z
          .string()
          .regex(new RegExp(`${SIZE_PATTERN}|${PERCENT_PATTERN}`), {
            error: (iss) => `expected a size like "2MB" or a percentage like "5%", got ${gotText(iss.input)}`,
          })
          .refine((text) => !isSizeTooLarge(text), { error: (iss) => describeBadSize(iss.input) })
          .refine((text) => !isPercentTooLarge(text), { error: (iss) => `percentage ${gotText(iss.input)} is too large` }),
      ],
      {
        error: (iss) => `expected a size like "2MB" or a percentage like "5%", got ${gotText(iss.input)}`,
      },
    )
    .meta({ description });
}

function deltaLimit(description: string) {
  return z
    .union(
      [
        sizeOrPercent(`${description} A bare value applies to the compressed size.`),
        z
          .strictObject({
            compressed: sizeOrPercent('Growth limit on the compressed size.').optional(),
            uncompressed: sizeOrPercent('Growth limit on the uncompressed size.').optional(),
          })
          .refine((value) => Object.keys(value).length === 1, {
            when: (payload) => isMapping(payload.value),
            error: 'give exactly one metric: `compressed` or `uncompressed`',
          })
          .meta({
            description: `${description} On one metric.`,
            minProperties: 1,
            maxProperties: 1,
          }),
      ],
      {
        error: (iss) => `expected a size like "2MB", a percentage like "5%" or { uncompressed: "5%" }, got ${gotText(iss.input)}`,
      },
    )
    .meta({ description });
}

/** "unknown hint id "runs-as-rot"; did you mean `runs-as-root`?" — the ids are a closed list. */
export function describeBadHintId(input: unknown): string {
  const guess = typeof input === 'string' ? suggestName(input, HINT_IDS) : undefined;
  return guess
    ? `unknown hint id ${gotText(input)}; did you mean \`${guess}\`?`
    : `unknown hint id ${gotText(input)}; expected one of ${HINT_IDS.join(', ')}`;
}

function hintIds(description: string) {
  return z
    .array(z.enum(HINT_IDS, { error: (iss) => describeBadHintId(iss.input) }))
    .meta({ description: `${description} Ids: see docs/analysis.md.` });
}

/** Budget keys allowed at every level (image, target override, platform override, defaults). */
const budgetShape = {
  max: sizeLimit('Fail when the image is bigger than this.').optional(),
  warn: sizeLimit('Warn when the image is bigger than this.').optional(),
  'max-layers': wholeNumber().min(1).meta({ description: 'Fail when the image has more layers than this.' }).optional(),
  'max-increase': deltaLimit('Fail when the image grew more than this against the base branch.').optional(),
  'warn-increase': deltaLimit('Warn when the image grew more than this against the base branch.').optional(),
  'min-efficiency': z
    .number()
    .min(0)
    .max(1)
    .meta({
      description: 'Fail when layer efficiency (0..1, 1 = no bytes wasted across layers) is lower.',
    })
    .optional(),
  'max-wasted': size('Fail when more bytes than this are wasted (overwritten or deleted in later layers).').optional(),
  'max-wasted-percent': z
    .number()
    .min(0)
    .max(100)
    .meta({
      description:
        "Fail when wasted bytes exceed this percentage (0..100) of the file bytes the layers add (with waste-figures: dive, of those the layers above the first add, as dive's highestUserWastedPercent ×100).",
    })
    .optional(),
  'waste-figures': z
    .enum(['exact', 'dive'], { error: (iss) => `expected "exact" or "dive", got ${gotText(iss.input)}` })
    .meta({
      description:
        "Which figures min-efficiency, max-wasted and max-wasted-percent read: exact (ours, default) or dive (dive's own, to port .dive-ci thresholds: lowestEfficiency, highestWastedBytes, highestUserWastedPercent ×100).",
    })
    .optional(),
  forbid: hintIds('Hint ids that fail the check instead of only being reported.').optional(),
  'ignore-hints': hintIds('Hint ids not reported for this image.').optional(),
};

const budgetOverride = z.strictObject(budgetShape).meta({ description: 'Budget keys merged over the image budget.' });

const budget = z
  .strictObject({
    ...budgetShape,
    targets: z
      .record(z.string().min(1), budgetOverride)
      .meta({ description: 'Per-target overrides, keyed by build stage name.' })
      .optional(),
    platforms: z
      .record(
        z.string().regex(new RegExp(PLATFORM_PATTERN), {
          error: (iss) => `expected a platform like "linux/arm64", got ${gotText(iss.input)}`,
        }),
        budgetOverride,
      )
      .meta({
        description: 'Per-platform overrides, keyed by platform like linux/arm64.',
      })
      .optional(),
  })
  .meta({ description: 'Size and layer budgets for this image.' });

const stringOrList = (description: string) =>
  z
    .union([z.string(), z.array(z.string())], {
      error: (iss) => `expected a string or a list of strings, got ${gotText(iss.input)}`,
    })
    .meta({ description });

const cache = z
  .strictObject({
    mode: z
      .enum(['auto', 'off'], {
        error: (iss) => `expected "auto" or "off", got ${gotText(iss.input)}`,
      })
      .meta({
        description:
          "`auto`: the GitHub Actions cache (type=gha, one scope per image and target) when the builder, buildx and the runner can use it; elsewhere no cache flags, so the builder's own cache (kept between runs on one machine) is what helps. `off`: no --cache-from/--cache-to at all, `from`/`to` included.",
      })
      .optional(),
    from: stringOrList('Raw buildx --cache-from specs, e.g. type=registry,ref=ghcr.io/o/r:cache.').optional(),
    to: stringOrList('Raw buildx --cache-to specs, e.g. type=registry,ref=ghcr.io/o/r:cache,mode=max.').optional(),
  })
  .meta({ description: 'Build cache settings.' });

const scalarMap = (description: string) =>
  z
    .record(
      z.string(),
      z.union([z.string(), z.number(), z.boolean()], {
        error: (iss) => `expected a string, number or boolean, got ${gotText(iss.input)}`,
      }),
    )
    .meta({ description });

const platforms = z
  .array(
    z.string().regex(new RegExp(PLATFORM_PATTERN), {
      error: (iss) => `expected a platform like "linux/amd64", got ${gotText(iss.input)}`,
    }),
  )
  .meta({
    description: 'Platforms to build, e.g. [linux/amd64, linux/arm64]. Empty = the builder default.',
  });

const stages = z.enum(['all', 'none'], { error: (iss) => `expected "all" or "none", got ${gotText(iss.input)}` }).meta({
  description:
    '`all` also builds and measures every named stage of the Dockerfile that is not a target (informational entries, budgeted only by `budget.targets.<stage>`), so the report shows the builder next to the runtime. Default `none`.',
});

const analyze = z.boolean({ error: (iss) => `expected true or false, got ${gotText(iss.input)}` }).meta({
  description:
    'Analyse the layers (wasted bytes, efficiency, hints). Default true; the action input `analyze` and the CLI `--no-analyze` turn it off for every image.',
});

const stringList = (pattern: RegExp, expected: string, description: string) =>
  z
    .array(
      z.string({ error: (iss) => `expected ${expected}, got ${gotText(iss.input)}` }).regex(pattern, {
        error: (iss) => `expected ${expected}, got ${gotText(iss.input)}`,
      }),
      { error: (iss) => `expected a list of ${expected} strings, got ${gotText(iss.input)}` },
    )
    .meta({ description });

const flag = (description: string) =>
  z.boolean({ error: (iss) => `expected true or false, got ${gotText(iss.input)}` }).meta({ description });

const attestation = (description: string) =>
  z
    .union([z.boolean(), z.string().min(1)], {
      error: (iss) => `expected true, false or buildx's option string (e.g. "mode=max"), got ${gotText(iss.input)}`,
    })
    .meta({ description });

/** The buildx flags beyond the basics, per image and in `defaults`; names as buildx and build-push-action. */
const buildOptionsShape = {
  secrets: stringList(
    /^[a-z]+=[^,]*(,[a-z]+=[^,]*)*$/,
    'a secret like "id=npmrc,src=.npmrc" or "id=token,env=GITHUB_TOKEN"',
    'Build secrets (--secret), each `id=ID,src=FILE` (a file, relative to the repository root) or `id=ID,env=VAR` (an environment variable of the job). The value never appears in argv, logs or the report. Merged with the defaults by id.',
  ).optional(),
  ssh: stringList(
    /^[^=,\s]+(=[^=\s]+)?$/,
    'an ssh spec like "default" or "github=/path/to/key"',
    'SSH agent sockets or keys to forward (--ssh): `default` (the agent at SSH_AUTH_SOCK) or `ID=PATH[,PATH]` (sockets or private keys). Merged with the defaults by id.',
  ).optional(),
  'build-contexts': z
    .record(
      z.string().regex(/^[^=\s]+$/, { error: (iss) => `expected a context name, got ${gotText(iss.input)}` }),
      z.string({ error: (iss) => `expected a path or a docker-image://, oci-layout:// or URL source, got ${gotText(iss.input)}` }).min(1),
    )
    .meta({
      description:
        'Named build contexts (--build-context), for `FROM name` and `COPY --from=name`: a directory relative to the repository root, `docker-image://ref`, `oci-layout://path[:tag]` (path relative to the repository root) or a git/https URL. Merged with the defaults by name.',
    })
    .optional(),
  network: z
    .enum(['default', 'none', 'host'], {
      error: (iss) => `expected "default", "none" or "host", got ${gotText(iss.input)}`,
    })
    .meta({ description: 'Networking mode for RUN steps (--network); `host` needs the `network.host` entitlement.' })
    .optional(),
  'add-hosts': stringList(
    /^[^\s:=]+[:=]\S+$/,
    'a host mapping like "db.local:10.0.0.2"',
    'Extra /etc/hosts entries for RUN steps (--add-host), each `host:ip`.',
  ).optional(),
  allow: stringList(
    /^[a-z]+(\.[a-z]+)*(=\S+)?$/,
    'an entitlement like "network.host" or "security.insecure"',
    'Extra privileged entitlements (--allow), e.g. network.host, security.insecure; the builder must permit them too.',
  ).optional(),
  'shm-size': size('Size of /dev/shm for RUN steps (--shm-size).').optional(),
  ulimit: stringList(
    /^[a-z]+=-?\d+(:-?\d+)?$/,
    'a ulimit like "nofile=1024:1024"',
    'Ulimits for RUN steps (--ulimit), each `name=soft[:hard]`.',
  ).optional(),
  'no-cache': flag('Build without the build cache (--no-cache). Default false.').optional(),
  pull: flag('Always pull the newest version of the base images (--pull). Default false.').optional(),
  annotations: stringList(
    /^([a-z-]+(\[[^\]]+\])?(,[a-z-]+(\[[^\]]+\])?)*:)?[^=\s]+=.*$/,
    'an annotation like "org.opencontainers.image.title=api" or "index:key=value"',
    'OCI annotations to add (--annotation), each `[TYPE:]KEY=VALUE`.',
  ).optional(),
  provenance: attestation(
    'Provenance attestation (--provenance): true, false or e.g. "mode=max". Default none. Attestations are never counted in the sizes.',
  ).optional(),
  sbom: attestation(
    'SBOM attestation (--sbom): true, false or a generator option string. Default none. Attestations are never counted in the sizes.',
  ).optional(),
};

const fileList = (description: string) =>
  z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1)], {
      error: (iss) => `expected a file path or a list of file paths, got ${gotText(iss.input)}`,
    })
    .meta({ description });

const imageReference = z
  .string({ error: (iss) => `expected an image reference, got ${gotText(iss.input)}` })
  .min(1)
  .regex(/^\S+$/, { error: (iss) => `an image reference has no spaces, got ${gotText(iss.input)}` })
  // The grammar beyond "no spaces" (JSON Schema keeps only that) is image-reference.ts's.
  .superRefine((value, ctx) => {
    const problem = /\s/.test(value) ? null : givenImageProblem(value);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem, input: value });
  })
  .meta({
    description:
      "Measure this already-built image instead of building one: a registry reference (tag or digest, e.g. ghcr.io/acme/api:pr-{pr} or ghcr.io/acme/api@sha256:…; `{sha}`, `{short-sha}` and `{pr}` are replaced by the commit, its first 7 digits and the pull request number), `docker-daemon://name:tag` (an image in the local docker image store), `oci-layout://path` (an OCI layout directory or tar, relative to the working directory), or `from-input` (the action's `image`/`digest`/`metadata` inputs). See docs/given-images.md. Excludes the build fields.",
  });

const bake = z
  .strictObject({
    file: fileList(
      'Bake file(s), relative to the repository root (docker-bake.hcl, docker-bake.json or a compose file). Several files merge in order, as with `docker buildx bake -f a -f b`.',
    ),
    target: z
      .string()
      .min(1)
      .meta({
        description:
          'Bake target or group to build and measure. Default `default`. A group stands for one image per target, named `<entry>/<target>`.',
      })
      .optional(),
  })
  .meta({
    description:
      'Build what a bake target defines (resolved with `docker buildx bake --print`): context, Dockerfile, args, labels, contexts, secrets, ssh, platforms and target all come from the bake file; this entry adds only budgets. Excludes the build fields.',
  });

const compose = z
  .strictObject({
    file: fileList('Compose file(s), relative to the repository root. Several files merge in order.'),
    service: z.string().min(1).meta({ description: 'Compose service whose `build:` section is built and measured.' }),
  })
  .meta({
    description:
      "Build what a compose service's `build:` section defines (resolved through bake's compose support); this entry adds only budgets. Excludes the build fields.",
  });

/** The keys that take the image from somewhere other than image-budget's own build. */
export const SOURCE_FIELDS = ['image', 'bake', 'compose'] as const;

/** What an entry with that source may say besides it: `budget` and `analyze` always. */
const SOURCE_COMPANIONS: Record<(typeof SOURCE_FIELDS)[number], readonly string[]> = {
  // The Dockerfile maps layers to lines; platforms pick entries of a multi-platform index.
  image: ['dockerfile', 'platforms'],
  bake: [],
  compose: [],
};

const COMMON_FIELDS = ['budget', 'analyze'];

function describeSource(field: (typeof SOURCE_FIELDS)[number]): string {
  if (field === 'image') return 'the entry measures an already-built image';
  return `the ${field === 'bake' ? 'bake' : 'compose'} file defines the build`;
}

/** JSON Schema twin of `checkSourceFields`. */
const sourceFieldsJsonSchema = [
  ...SOURCE_FIELDS.flatMap((first, index) => SOURCE_FIELDS.slice(index + 1).map((second) => ({ not: { required: [first, second] } }))),
  ...SOURCE_FIELDS.map((field) => ({
    if: { required: [field] },
    then: { propertyNames: { enum: [field, ...SOURCE_COMPANIONS[field], ...COMMON_FIELDS] } },
  })),
];

/** One source per entry; with `image`, `bake` or `compose` the build fields have no meaning. */
function checkSourceFields(value: Record<string, unknown>, ctx: z.core.$RefinementCtx): void {
  const present = SOURCE_FIELDS.filter((field) => value[field] !== undefined);
  const [source, ...others] = present;
  if (source === undefined) return;
  for (const other of others) {
    ctx.addIssue({
      code: 'custom',
      path: [other],
      message: `use only one of \`image\`, \`bake\` and \`compose\` in an entry (this one already has \`${source}\`)`,
      input: value[other],
    });
  }
  const allowed = new Set<string>([...SOURCE_FIELDS, ...SOURCE_COMPANIONS[source], ...COMMON_FIELDS]);
  for (const key of Object.keys(value)) {
    if (allowed.has(key) || value[key] === undefined) continue;
    const extra = SOURCE_COMPANIONS[source].length > 0 ? `, ${SOURCE_COMPANIONS[source].map((k) => `\`${k}\``).join(', ')}` : '';
    ctx.addIssue({
      code: 'custom',
      path: [key],
      message: `\`${key}\` cannot be used with \`${source}\`: ${describeSource(source)} (allowed beside it: \`budget\`, \`analyze\`${extra})`,
      input: value[key],
    });
  }
}

const image = z
  .strictObject({
    context: z
      .string()
      .min(1)
      .meta({
        description: 'Build context, relative to the repository root. Default ".".',
      })
      .optional(),
    dockerfile: z
      .string()
      .min(1)
      .meta({
        description:
          'Dockerfile path, relative to the context (which defaults to the repository root). Default "Dockerfile". With `image`, the Dockerfile the image was built from, relative to the repository root, for mapping layers to lines.',
      })
      .optional(),
    target: z.string().min(1).meta({ description: 'Build stage to build. Default: the last stage.' }).optional(),
    targets: z
      .array(z.string().min(1))
      .min(1)
      .meta({
        description: 'Several build stages to build and budget separately.',
      })
      .optional(),
    platforms: platforms.optional(),
    'build-args': scalarMap('Build arguments (--build-arg); values become strings.').optional(),
    labels: scalarMap('Image labels (--label); values become strings.').optional(),
    cache: cache.optional(),
    ...buildOptionsShape,
    stages: stages.optional(),
    image: imageReference.optional(),
    bake: bake.optional(),
    compose: compose.optional(),
    analyze: analyze.optional(),
    budget: budget.optional(),
  })
  .refine((value) => value.target === undefined || value.targets === undefined, {
    // Run even when other fields have problems, so every problem is reported at once.
    when: (payload) => isMapping(payload.value),
    path: ['targets'],
    error: 'use either `target` or `targets`, not both',
  })
  .superRefine(checkSourceFields, { when: (payload) => isMapping(payload.value) })
  .meta({
    description: 'One image to measure: built from the build fields (the default), or taken from `image`, `bake` or `compose`.',
    not: { required: ['target', 'targets'] },
    allOf: sourceFieldsJsonSchema,
  });

const defaults = z
  .strictObject({
    platforms: platforms.optional(),
    'build-args': scalarMap('Build arguments for every image; image values win.').optional(),
    labels: scalarMap('Labels for every image; image values win.').optional(),
    cache: cache.optional(),
    ...buildOptionsShape,
    stages: stages.optional(),
    analyze: analyze.optional(),
    budget: budget.optional(),
  })
  .meta({
    description: 'Settings merged under every image (image values win; budgets merge per key).',
  });

export const budgetFileSchema = z
  .strictObject({
    version: z
      .literal(1, {
        // A missing version is reported as a missing field (see map-issues.ts).
        error: (iss) =>
          iss.input === undefined ? undefined : `unsupported version ${gotText(iss.input)}; this image-budget reads version 1`,
      })
      .meta({ description: 'Budget file format version. Always 1.' }),
    defaults: defaults.optional(),
    images: z
      .record(
        z.string().regex(new RegExp(IMAGE_NAME_PATTERN), {
          error: (iss) =>
            `invalid image name ${gotText(iss.input)}: use lowercase letters, digits, ".", "_" and "-", starting with a letter or digit`,
        }),
        image.nullable(),
      )
      .refine((value) => Object.keys(value).length > 0, {
        error: 'list at least one image',
      })
      .meta({
        description: 'Images to build, keyed by name.',
        minProperties: 1,
      }),
  })
  .meta({
    title: 'image-budget budget file',
    description: 'Size budgets for container images, checked by image-budget.',
  });

export type RawBudgetFile = z.infer<typeof budgetFileSchema>;
export type RawImage = NonNullable<RawBudgetFile['images'][string]>;
export type RawDefaults = NonNullable<RawBudgetFile['defaults']>;
export type RawBudget = NonNullable<RawImage['budget']>;
export type RawBudgetOverride = Omit<RawBudget, 'targets' | 'platforms'>;
export type RawCache = NonNullable<RawImage['cache']>;
export type RawBuildOptions = Pick<RawImage, keyof typeof buildOptionsShape>;
export type RawBake = NonNullable<RawImage['bake']>;
export type RawCompose = NonNullable<RawImage['compose']>;
