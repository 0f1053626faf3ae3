/**
 * Realistic reports for the rendering tests and docs/examples/: the over-budget PR of a
 * builder stage, a multi-platform image, a failed build, and a hostile report whose every
 * free-text field holds something that would become a link, a mention, HTML or markdown
 * structure if it were not made inert.
 */
import type { Hint, Report, ReportEntry, ReportLayer } from '../../../src/types.js';

const KB = 1000;
const MB = 1_000_000;

function digest(seed: string): string {
  let h = 0x811c9dc5;
  let out = '';
  for (let round = 0; out.length < 64; round++) {
    for (const c of `${seed}:${round}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return `sha256:${out.slice(0, 64)}`;
}

function layer(seed: string, compressed: number, createdBy: string | null, ref: { line: number; source: string } | null): ReportLayer {
  return {
    digest: digest(seed),
    compressedBytes: compressed,
    uncompressedBytes: Math.round(compressed * 2.1),
    createdBy,
    dockerfile: ref ? { path: 'Dockerfile', line: ref.line, source: ref.source } : null,
  };
}

const BASE_COMMIT = '3f5e2a1c9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f';
const HEAD_COMMIT = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

function base(compressed: number, layers: ReportLayer[]): ReportEntry['baseline'] {
  return { commit: BASE_COMMIT, compressedBytes: compressed, uncompressedBytes: Math.round(compressed * 2.1), layers };
}

function sized(layers: ReportLayer[], config = 1_200): number {
  return layers.reduce((s, l) => s + l.compressedBytes, config);
}

function entryOf(e: Partial<ReportEntry> & Pick<ReportEntry, 'name' | 'layers'>): ReportEntry {
  const compressed = e.compressedBytes === undefined ? sized(e.layers) : e.compressedBytes;
  const out: ReportEntry = {
    target: null,
    platform: 'linux/amd64',
    compressedBytes: compressed,
    uncompressedBytes: compressed === null ? null : Math.round(compressed * 2.1),
    layerCount: e.layers.length,
    status: 'ok',
    findings: [],
    budget: { max: null, warn: null, maxLayers: null },
    manifestDigest: digest(`${e.name}:${e.target ?? ''}:${e.platform ?? ''}:manifest`),
    error: null,
    ...e,
  };
  if (out.baseline && out.compressedBytes !== null && out.uncompressedBytes !== null) {
    out.delta = {
      compressedBytes: out.compressedBytes - out.baseline.compressedBytes,
      uncompressedBytes: out.uncompressedBytes - out.baseline.uncompressedBytes,
    };
    out.change = out.delta.compressedBytes === 0 && out.delta.uncompressedBytes === 0 ? 'unchanged' : 'changed';
  }
  return out;
}

function reportOf(images: ReportEntry[], more: Partial<Report> = {}): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'image-budget', version: '0.4.0' },
    createdAt: '2026-12-01T18:00:00.000Z',
    commit: HEAD_COMMIT,
    config: '.github/image-budget.yml',
    overBudget: images.some((e) => e.status === 'over' || e.status === 'error'),
    baseline: { mode: 'build', commit: BASE_COMMIT, note: `Compared with main at ${BASE_COMMIT.slice(0, 12)}.`, unavailable: null },
    images,
    ...more,
  };
}

const BUSYBOX = layer('busybox', 2_150_000, 'ADD file:7b1e4c in / ', null);
const WORKDIR = layer('workdir', 96, 'WORKDIR /out', { line: 2, source: 'WORKDIR /out' });
const NOTE = layer('note', 180, "RUN /bin/sh -c echo 'build notes' > /out/note.txt # buildkit", {
  line: 3,
  source: "RUN echo 'build notes' > /out/note.txt",
});
const SRC = layer('src', 2_416_000, 'COPY src/ /src/ # buildkit', { line: 4, source: 'COPY src/ /src/' });
const ASSETS_SOURCE = [
  "RUN echo 'generating assets' > /out/note.txt \\",
  '    && mkdir -p /out/static \\',
  '    && head -c 5000000 /dev/urandom > /out/assets.bin',
].join('\n');
const ASSETS_OLD = layer(
  'assets-old',
  1_050,
  "RUN /bin/sh -c echo 'generating assets' > /out/note.txt && mkdir -p /out/static # buildkit",
  {
    line: 5,
    source: "RUN echo 'generating assets' > /out/note.txt \\\n    && mkdir -p /out/static",
  },
);
const ASSETS = layer(
  'assets',
  5_001_900,
  "RUN /bin/sh -c echo 'generating assets' > /out/note.txt     && mkdir -p /out/static     && head -c 5000000 /dev/urandom > /out/assets.bin # buildkit",
  { line: 5, source: ASSETS_SOURCE },
);
const RUNTIME_COPY_OLD = layer('runtime-copy-old', 300_400, 'COPY /out/ /app/ # buildkit', {
  line: 10,
  source: 'COPY --from=builder /out/ /app/',
});
const RUNTIME_COPY = layer('runtime-copy', 5_300_300, 'COPY /out/ /app/ # buildkit', {
  line: 10,
  source: 'COPY --from=builder /out/ /app/',
});

const ROOT_HINT_SCRATCH: Hint = {
  id: 'runs-as-root',
  path: '(no USER)',
  bytes: 0,
  dockerfile: { path: 'Dockerfile', line: 9 },
  message: "the image config's User is unset (the final stage sets no USER and neither does its base image): it runs as root",
  fix: 'The base (scratch) has no shell to add a user with: set a numeric one, `USER 65532:65532`, and make the files it needs readable by it (`COPY --chown=65532:65532 …`).',
};

/** A PR that pushes the builder stage of `api` over budget, grows its runtime image, relabels `web`. */
export function overBudgetReport(): Report {
  const builderBase = [BUSYBOX, WORKDIR, NOTE, SRC, ASSETS_OLD];
  const builderHead = [BUSYBOX, WORKDIR, NOTE, SRC, ASSETS];
  const webLayers = [
    layer('debian', 28_230_000, 'ADD file:3a7c in / ', null),
    layer(
      'web-apt',
      3_120_000,
      'RUN /bin/sh -c apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* # buildkit',
      {
        line: 3,
        source: 'RUN apt-get update \\\n && apt-get install -y --no-install-recommends ca-certificates \\\n && rm -rf /var/lib/apt/lists/*',
      },
    ),
    layer('web-app', 4_480_000, 'COPY app/ /srv/app/ # buildkit', { line: 5, source: 'COPY app/ /srv/app/' }),
  ];
  const dbLayers = [
    layer('postgres', 38_990_000, 'ADD file:9f2d in / ', null),
    layer('db-init', 12_400, 'COPY init.sql /docker-entrypoint-initdb.d/ # buildkit', {
      line: 2,
      source: 'COPY init.sql /docker-entrypoint-initdb.d/',
    }),
  ];
  const builder = entryOf({
    name: 'api',
    target: 'builder',
    layers: builderHead,
    baseline: base(sized(builderBase), builderBase),
    status: 'over',
    budget: { max: { compressed: 5.5 * MB }, warn: { compressed: 5 * MB }, maxLayers: null },
  });
  builder.findings = [{ status: 'over', rule: 'max.compressed', message: `compressed 9.57 MB > max 5.5 MB` }];
  const runtimeBase = [RUNTIME_COPY_OLD];
  const runtime = entryOf({
    name: 'api',
    target: 'runtime',
    layers: [RUNTIME_COPY],
    baseline: base(sized(runtimeBase), runtimeBase),
    budget: { max: { compressed: 8 * MB }, warn: { compressed: 6 * MB }, maxLayers: null },
    analysis: { wastedBytes: 0, efficiency: 1, hints: [ROOT_HINT_SCRATCH] },
  });
  const web = entryOf({
    name: 'web',
    layers: webLayers,
    compressedBytes: sized(webLayers, 1_511),
    baseline: base(sized(webLayers, 1_200), webLayers),
    budget: { max: { compressed: 50 * MB }, warn: null, maxLayers: 12 },
    // What the compare stage records for a config-only change (values never: env can hold tokens).
    configChanges: [
      { field: 'label', kind: 'changed', key: 'org.opencontainers.image.revision' },
      { field: 'label', kind: 'added', key: 'org.opencontainers.image.source' },
      { field: 'env', kind: 'added', key: 'WEB_WORKERS' },
      { field: 'cmd', kind: 'changed', from: '["nginx","-g","daemon off;"]', to: '["nginx","-g","daemon off; worker_processes 4;"]' },
    ],
  });
  const db = entryOf({
    name: 'db',
    layers: dbLayers,
    baseline: base(sized(dbLayers), dbLayers),
    budget: { max: { compressed: 60 * MB }, warn: null, maxLayers: null },
  });
  return reportOf([builder, runtime, web, db], {
    budgetChanges: [
      { image: 'api', target: 'builder', platform: null, field: 'max.compressed', label: 'max', from: '5.5 MB', to: '12 MB' },
    ],
  });
}

/** One image for two platforms: both grew, arm64 is near its budget; the same hints on both. */
export function multiPlatformReport(): Report {
  const images: ReportEntry[] = [];
  for (const [platform, scale] of [
    ['linux/amd64', 1],
    ['linux/arm64', 1.08],
  ] as const) {
    const os = layer(`alpine-${platform}`, Math.round(3_410_000 * scale), 'ADD file:alpine in / ', null);
    const apk = layer(`apk-${platform}`, Math.round(1_820_000 * scale), 'RUN /bin/sh -c apk add curl tzdata # buildkit', {
      line: 3,
      source: 'RUN apk add curl tzdata',
    });
    const appOld = layer(`app-old-${platform}`, Math.round(6_900_000 * scale), 'COPY /build/server /usr/local/bin/server # buildkit', {
      line: 9,
      source: 'COPY --from=build /build/server /usr/local/bin/server',
    });
    const app = layer(`app-${platform}`, Math.round(8_750_000 * scale), 'COPY /build/server /usr/local/bin/server # buildkit', {
      line: 9,
      source: 'COPY --from=build /build/server /usr/local/bin/server',
    });
    const hints: Hint[] = [
      {
        id: 'package-manager-cache',
        path: '/var/cache/apk',
        bytes: Math.round(1_310_000 * scale),
        dockerfile: { path: 'Dockerfile', line: 3 },
        message: 'apk cache: /var/cache/apk (14 files, 1.31 MB) in the final image, added by Dockerfile:3',
        fix: '`apk add --no-cache …`, or `RUN --mount=type=cache,target=/var/cache/apk apk add …`.',
      },
      {
        id: 'runs-as-root',
        path: '(no USER)',
        bytes: 0,
        dockerfile: { path: 'Dockerfile', line: 7 },
        message: 'the final stage sets no USER, so it runs as root unless its base image sets one',
        fix: 'Add a non-root user to the final stage: `RUN adduser -D -u 10001 app` (Debian: `useradd -r -u 10001 app`) then `USER 10001`.',
      },
    ];
    const e = entryOf({
      name: 'gateway',
      target: 'runtime',
      platform,
      layers: [os, apk, app],
      baseline: base(sized([os, apk, appOld]), [os, apk, appOld]),
      budget: { max: { compressed: 16 * MB }, warn: { compressed: 14 * MB }, maxLayers: null },
      analysis: { wastedBytes: Math.round(1_310_000 * scale), efficiency: 0.91, hints },
    });
    if (e.compressedBytes! > 14 * MB) {
      e.status = 'warn';
      e.findings = [
        { status: 'warn', rule: 'warn.compressed', message: `compressed ${(e.compressedBytes! / MB).toPrecision(3)} MB > warn 14 MB` },
      ];
    }
    images.push(e);
  }
  const workerLayers = [
    layer('worker-os', 3_410_000, 'ADD file:alpine in / ', null),
    layer('worker-bin', 2_200_000, 'COPY worker /usr/bin/worker # buildkit', { line: 4, source: 'COPY worker /usr/bin/worker' }),
  ];
  for (const platform of ['linux/amd64', 'linux/arm64']) {
    images.push(
      entryOf({
        name: 'worker',
        platform,
        layers: workerLayers,
        baseline: base(sized(workerLayers), workerLayers),
        budget: { max: { compressed: 10 * MB }, warn: null, maxLayers: null },
      }),
    );
  }
  return reportOf(images);
}

const FAILED_LOG = `#5 [2/3] RUN apk add --no-cache curl
#5 0.211 fetch https://dl-cdn.alpinelinux.org/alpine/v3.20/main/x86_64/APKINDEX.tar.gz
#5 ERROR: process "/bin/sh -c apk add --no-cache curl" did not complete successfully: exit code: 1
------
 > [2/3] RUN apk add --no-cache curl:
0.211 fetch https://dl-cdn.alpinelinux.org/alpine/v3.20/main/x86_64/APKINDEX.tar.gz
0.402 ERROR: unable to select packages:
0.402   curl (no such package):
------
Dockerfile:3
--------------------
   1 |     FROM alpine:3.20
   2 |     
   3 | >>> RUN apk add --no-cache curl
   4 |     COPY app /app
--------------------
ERROR: failed to solve: process "/bin/sh -c apk add --no-cache curl" did not complete successfully: exit code: 1`;

/** One image failed to build; the other one is fine. */
export function failedBuildReport(): Report {
  const okLayers = [
    layer('ok-os', 3_410_000, 'ADD file:alpine in / ', null),
    layer('ok-app', 820 * KB, 'COPY app /app # buildkit', { line: 2, source: 'COPY app /app' }),
  ];
  const broken = entryOf({
    name: 'cli',
    layers: [],
    compressedBytes: null,
    status: 'error',
    layerCount: null,
    manifestDigest: null,
    error: FAILED_LOG,
    findings: [
      {
        status: 'error',
        rule: 'build',
        message: 'ERROR: process "/bin/sh -c apk add --no-cache curl" did not complete successfully: exit code: 1',
      },
    ],
    budget: { max: { compressed: 20 * MB }, warn: null, maxLayers: null },
  });
  const fine = entryOf({
    name: 'docs',
    layers: okLayers,
    baseline: base(sized(okLayers), okLayers),
    budget: { max: { compressed: 10 * MB }, warn: null, maxLayers: null },
  });
  return reportOf([broken, fine]);
}

/** Strings a PR author controls, each trying to become structure, a link, a mention or HTML. */
export const HOSTILE = {
  name: 'api @octocat #12',
  target: '<img src=x onerror=alert(1)>',
  platform: 'linux/amd64 https://evil.example',
  path: '/app/[x](https://evil.example)/`code`/@org/team',
  source: [
    'RUN echo "---" \\',
    '1. ordered item \\',
    '- bullet item \\',
    '# heading \\',
    '> quote \\',
    '| a | b | \\',
    '=== \\',
    '```',
    '~~~',
    '<details><summary>fake</summary> see https://evil.example and @octocat #1 www.evil.example',
    'abc\u202Egnp.exe hid\u200Bden word\u2060joiner tag\u{E0049}\u{E0047}',
  ].join('\n'),
  messages: [
    '---',
    '1. x',
    '- x',
    '===',
    '> quoted',
    '| a | b |',
    '<script>alert(1)</script>',
    'ping @octocat and see https://evil.example',
    'abc\u202Egnp.exe',
  ],
};

/** Every free-text field of a report filled with {@link HOSTILE} strings. */
export function hostileReport(): Report {
  const evil = layer('evil', 6_200_000, `RUN /bin/sh -c ${HOSTILE.source.replace(/\n/g, ' ')} # buildkit`, {
    line: 7,
    source: HOSTILE.source,
  });
  const os = layer('evil-os', 3_000_000, 'ADD file:x in / ', null);
  const e = entryOf({
    name: HOSTILE.name,
    target: HOSTILE.target,
    platform: HOSTILE.platform,
    layers: [os, evil],
    baseline: base(sized([os]), [os]),
    status: 'over',
    budget: { max: { compressed: 5 * MB }, warn: null, maxLayers: null },
    notes: HOSTILE.messages,
    configChanges: [
      { field: 'label', kind: 'added', key: HOSTILE.messages[7] ?? '' },
      { field: 'env', kind: 'added', key: HOSTILE.target },
      { field: 'entrypoint', kind: 'changed', from: '["/app"]', to: JSON.stringify([HOSTILE.path, '```', '@octocat']) },
    ],
    analysis: {
      wastedBytes: 1_000_000,
      efficiency: 0.9,
      hints: HOSTILE.messages.map((message, i) => ({
        id: i === 0 ? 'package-manager-cache' : `x-${i} @octocat`,
        path: HOSTILE.path,
        bytes: 1000 * (10 - i),
        dockerfile: { path: 'Dockerfile @octocat', line: 7 },
        message,
        fix: `${message} \`${message}\``,
      })),
    },
  });
  e.findings = HOSTILE.messages.map((message) => ({ status: 'over' as const, rule: 'max.compressed', message }));
  const broken = entryOf({
    name: '--- @octocat',
    target: '1. x',
    platform: HOSTILE.platform,
    layers: [],
    compressedBytes: null,
    status: 'error',
    layerCount: null,
    manifestDigest: null,
    error: `${HOSTILE.source}\n${HOSTILE.messages.join('\n')}`,
    findings: [{ status: 'error', rule: 'build', message: HOSTILE.messages.join(' ') }],
  });
  return reportOf([e, broken], {
    config: '.github/[x](https://evil.example).yml',
    baseline: { mode: 'report', commit: null, note: '--- @octocat <b>note</b> https://evil.example', unavailable: null },
    budgetChanges: [
      {
        image: HOSTILE.name,
        target: HOSTILE.target,
        platform: null,
        field: 'max.compressed',
        label: '--- @octocat',
        from: '1. x',
        to: '=== https://evil.example',
      },
    ],
  });
}

/** How the examples are rendered: the options the action passes. */
export const EXAMPLE_OPTIONS = {
  key: 'default',
  summaryUrl: 'https://github.com/acme/shop/actions/runs/123456789',
  overrideLabel: { name: 'image-budget:accept', applied: false },
};

export const EXAMPLES = {
  'over-budget': overBudgetReport,
  'multi-platform': multiPlatformReport,
  'failed-build': failedBuildReport,
  hostile: hostileReport,
} as const;
