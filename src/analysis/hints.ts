/**
 * Hints: what in the image could go and how. Pure over the final tree's files, the waste
 * events, the layers' Dockerfile lines and the Dockerfile itself. Every hint id, trigger and
 * fix is documented in docs/analysis.md.
 */
import { formatSize as formatBytes } from '../config/size.js';
import { effectiveUser, instructionAt, stageAt, type DockerfileInfo } from './dockerfile-info.js';
import type { FinalFile } from './file-tree.js';
import type { HintId } from './hint-ids.js';
import { packageKeysOf } from './package-lock.js';
import type { AnalysisHint, WasteEvent } from './types.js';
import type { DockerfileRef } from '../types.js';

export interface HintLayer {
  digest: string;
  dockerfile: DockerfileRef | null;
  createdBy: string | null;
}

export interface HintInput {
  files: readonly FinalFile[];
  events: readonly WasteEvent[];
  layers: readonly HintLayer[];
  dockerfile?: DockerfileInfo | null;
  /** Unknown (undefined) means: do not guess, no `no-dockerignore` hint. */
  contextHasDockerignore?: boolean;
  ignore?: readonly string[];
  /** Deleted/overwritten bytes below this, per pair of layers, are not worth a hint. */
  minWasteBytes?: number;
  /**
   * The image config's `User` ('' when unset). It covers what the base image set: when given,
   * it decides `runs-as-root`; when undefined, only the Dockerfile's USER lines do.
   */
  imageUser?: string;
  /** npm hidden lockfiles of the final image: project directory → its `"dev": true` package keys. */
  devPackages?: ReadonlyMap<string, ReadonlySet<string>>;
}

/** 1 MiB: below it, a file a later layer replaced (an edited /etc/passwd) is noise. */
export const DEFAULT_MIN_WASTE_BYTES = 1 << 20;
/** At most this many hints of one id for path rules, largest first. */
export const MAX_HINTS_PER_ID = 10;

/** A path rule: capture group 1 of `pattern` is the directory (or file) the hint names. */
interface PathRule {
  id: HintId;
  pattern: RegExp;
  what: string;
  fix: string;
  /** Not a hint when this says the files are needed (e.g. a Yarn PnP project's cache). */
  unless?: (root: string, ctx: RuleContext) => boolean;
}

/** A rule whose `marker` file (a regular file) names a directory: the hint counts every file under it. */
interface DirectoryRule {
  id: HintId;
  marker: RegExp;
  what: string;
  fix: string;
}

interface RuleContext {
  /** Directories holding a Yarn PnP loader (`.pnp.cjs`). */
  pnpProjects: ReadonlySet<string>;
}

const HOME = '(?:root|home/[^/]+)';
const MULTI_STAGE = 'Build in a separate stage (`FROM … AS build`) and `COPY --from=build` only the artifact into a runtime stage.';
const JRE_FIX = `${MULTI_STAGE} Run on a JRE base image (e.g. eclipse-temurin:21-jre) or a jlink-ed runtime.`;

/** Directories too general to be one SDK: a compiler found right under them names only itself. */
const GENERAL_DIRS = new Set(['', 'usr', 'usr/local', 'opt', 'bin', 'sbin', 'usr/bin', 'usr/local/bin']);

const DIRECTORY_RULES: DirectoryRule[] = [
  // A JDK is its whole directory (bin, lib/modules, jmods…), found by its compiler.
  { id: 'toolchain-in-final-image', marker: /^(.+)\/bin\/javac$/, what: 'JDK (javac): a JRE is enough to run', fix: JRE_FIX },
];

const YARN_CACHE_FIX =
  'In the same RUN: `yarn install --frozen-lockfile && yarn cache clean`, or `RUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install …`.';

const PATH_RULES: PathRule[] = [
  // toolchain-in-final-image
  { id: 'toolchain-in-final-image', pattern: /^(usr\/local\/go|usr\/lib\/go(?:-[\d.]+)?)\//, what: 'Go toolchain', fix: MULTI_STAGE },
  { id: 'toolchain-in-final-image', pattern: /^((?:.*\/)?bin\/go(?:fmt)?)$/, what: 'Go toolchain binary', fix: MULTI_STAGE },
  { id: 'toolchain-in-final-image', pattern: /^(usr\/(?:lib|libexec)\/gcc)\//, what: 'GCC (cc1, collect2, headers)', fix: MULTI_STAGE },
  { id: 'toolchain-in-final-image', pattern: /^(usr\/lib\/llvm-[^/]+)\//, what: 'LLVM/clang', fix: MULTI_STAGE },
  {
    id: 'toolchain-in-final-image',
    pattern: /^((?:.*\/)?bin\/(?:[\w.-]+-linux-gnu-)?(?:gcc|g\+\+|cc|c\+\+|clang|clang\+\+|cpp)(?:-[\d.]+)?)$/,
    what: 'C/C++ compiler',
    fix: MULTI_STAGE,
  },
  { id: 'toolchain-in-final-image', pattern: /^(usr\/share\/build-essential)\//, what: 'build-essential', fix: MULTI_STAGE },
  { id: 'toolchain-in-final-image', pattern: /^(.*?\/jmods)\//, what: 'JDK jmods', fix: MULTI_STAGE },
  {
    id: 'toolchain-in-final-image',
    pattern: /^(usr\/share\/maven|(?:opt|usr\/local|usr\/share)\/(?:apache-)?maven-[^/]+)\//,
    what: 'Maven',
    fix: JRE_FIX,
  },
  { id: 'toolchain-in-final-image', pattern: /^((?:.*\/)?bin\/mvn)$/, what: 'Maven (mvn)', fix: JRE_FIX },
  { id: 'toolchain-in-final-image', pattern: /^((?:opt|usr\/local|usr\/share)\/gradle(?:-[^/]+)?)\//, what: 'Gradle', fix: JRE_FIX },
  { id: 'toolchain-in-final-image', pattern: /^((?:.*\/)?bin\/gradle)$/, what: 'Gradle (gradle)', fix: JRE_FIX },
  { id: 'toolchain-in-final-image', pattern: new RegExp(`^(${HOME}/\\.m2)/`), what: 'Maven repository', fix: MULTI_STAGE },
  { id: 'toolchain-in-final-image', pattern: /^((?:.*\/)?\.gradle)\//, what: 'Gradle cache', fix: MULTI_STAGE },
  {
    id: 'toolchain-in-final-image',
    pattern: /^(usr\/local\/rustup|(?:root|home\/[^/]+)\/\.rustup)\//,
    what: 'rustup toolchains',
    fix: MULTI_STAGE,
  },
  {
    id: 'toolchain-in-final-image',
    pattern: /^((?:usr\/local\/cargo|(?:root|home\/[^/]+)\/\.cargo)\/bin)\//,
    what: 'cargo/rustc',
    fix: MULTI_STAGE,
  },
  { id: 'toolchain-in-final-image', pattern: /^((?:.*\/)?bin\/(?:rustc|cargo))$/, what: 'rustc/cargo', fix: MULTI_STAGE },
  // node-gyp's header caches; /usr/local/include/node is part of the official node images.
  { id: 'toolchain-in-final-image', pattern: /^((?:.*\/)?(?:\.cache\/node-gyp|\.node-gyp))\//, what: 'node-gyp headers', fix: MULTI_STAGE },
  // package-manager-cache
  {
    id: 'package-manager-cache',
    pattern: /^(var\/lib\/apt\/lists)\/(?!lock$|partial$)/,
    what: 'apt package lists',
    fix: 'In the same RUN as `apt-get update`/`install`: `&& rm -rf /var/lib/apt/lists/*`, or `RUN --mount=type=cache,target=/var/lib/apt/lists,sharing=locked --mount=type=cache,target=/var/cache/apt,sharing=locked apt-get update && apt-get install …`.',
  },
  {
    id: 'package-manager-cache',
    pattern: /^(var\/cache\/apt)\/(?:.*\.bin$|archives\/.*\.deb$)/,
    what: 'apt package cache',
    fix: 'In the same RUN: `apt-get install --no-install-recommends … && apt-get clean`, or `RUN --mount=type=cache,target=/var/cache/apt,sharing=locked …` (remove /etc/apt/apt.conf.d/docker-clean first).',
  },
  {
    id: 'package-manager-cache',
    pattern: /^(var\/cache\/apk|etc\/apk\/cache)\//,
    what: 'apk cache',
    fix: '`apk add --no-cache …`, or `RUN --mount=type=cache,target=/var/cache/apk apk add …`.',
  },
  {
    id: 'package-manager-cache',
    pattern: /^(var\/cache\/(?:dnf|yum))\//,
    what: 'dnf/yum cache',
    fix: 'In the same RUN: `dnf install -y … && dnf clean all`, or `RUN --mount=type=cache,target=/var/cache/dnf …`.',
  },
  {
    id: 'package-manager-cache',
    pattern: /^((?:.*\/)?\.cache\/pip)\//,
    what: 'pip cache',
    fix: '`pip install --no-cache-dir …` (or `ENV PIP_NO_CACHE_DIR=1`), or `RUN --mount=type=cache,target=/root/.cache/pip pip install …`.',
  },
  {
    id: 'package-manager-cache',
    pattern: new RegExp(`^(${HOME}/\\.npm/_cacache)/`),
    what: 'npm cache',
    fix: 'In the same RUN: `npm ci && npm cache clean --force`, or `RUN --mount=type=cache,target=/root/.npm npm ci`.',
  },
  {
    id: 'package-manager-cache',
    pattern: /^((?:usr\/local\/share|(?:root|home\/[^/]+))\/\.cache\/yarn|(?:.*\/)?\.yarn-cache)\//,
    what: 'yarn cache',
    fix: YARN_CACHE_FIX,
  },
  {
    id: 'package-manager-cache',
    pattern: /^((?:.*\/)?\.yarn\/cache)\//,
    what: 'yarn cache',
    fix: YARN_CACHE_FIX,
    // Yarn PnP (zero-installs) runs the packages from this cache: it is the node_modules.
    unless: (root, ctx) => ctx.pnpProjects.has(parentDir(parentDir(root))),
  },
  {
    id: 'package-manager-cache',
    pattern: /^((?:usr\/local\/cargo|(?:root|home\/[^/]+)\/\.cargo)\/(?:registry|git))\//,
    what: 'cargo registry/git cache',
    fix: '`RUN --mount=type=cache,target=/usr/local/cargo/registry --mount=type=cache,target=/usr/local/cargo/git cargo build --release`, in a build stage.',
  },
  {
    id: 'package-manager-cache',
    pattern: new RegExp(`^((?:${HOME}|go)/go/pkg/mod|${HOME}/\\.cache/go-build)/`),
    what: 'Go module/build cache',
    fix: '`RUN --mount=type=cache,target=/root/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build go build …`, in a build stage.',
  },
  // what a .dockerignore or a build stage would have kept out
  {
    id: 'vcs-directory',
    pattern: /^((?:.*\/)?\.(?:git|hg|svn))\//,
    what: 'version-control metadata',
    fix: 'Add `.git` (and `.hg`, `.svn`) to .dockerignore; for the commit id use a build arg or label.',
  },
  {
    id: 'dev-dependencies',
    pattern:
      /^(.*?node_modules\/(?:\.cache|typescript|@types|jest|@jest|ts-jest|mocha|vitest|@vitest|chai|sinon|cypress|playwright|@playwright|karma|ava|eslint|@eslint|prettier|ts-node|nodemon|webpack|@babel))\//,
    what: 'development-only Node.js package',
    fix: 'Install production dependencies only in the runtime stage: `npm ci --omit=dev` (yarn: `--production`, pnpm: `--prod`), or build in a separate stage and copy the output.',
  },
  {
    id: 'build-output-leftovers',
    pattern:
      /^((?:.*\/)?target)\/(?:debug|release|classes|test-classes|maven-status|generated-sources|CACHEDIR\.TAG|\.rustc_info\.json)(?:\/|$)/,
    what: 'build directory (target/)',
    fix: `${MULTI_STAGE} Add target/ to .dockerignore.`,
  },
  {
    id: 'build-output-leftovers',
    pattern: /^((?!usr\/(?:local\/)?lib\/python)(?:.*\/)?__pycache__)\//,
    what: 'Python bytecode cache of the application',
    fix: 'Add `__pycache__/` and `*.pyc` to .dockerignore; set `ENV PYTHONDONTWRITEBYTECODE=1` if it is created at build time.',
  },
  {
    id: 'build-output-leftovers',
    pattern: /^(.*)\/[^/]+\.o$/,
    what: 'object files (*.o)',
    fix: `${MULTI_STAGE} Add \`*.o\` to .dockerignore.`,
  },
  {
    id: 'test-directories',
    pattern: /^((?!usr\/|opt\/|lib\/|etc\/)(?!.*node_modules\/)(?:.*\/)?(?:test|tests|__tests__|spec|specs))\//,
    what: 'test directory',
    fix: 'Add the test folders to .dockerignore, or copy only the sources the image runs (`COPY src/ ./src/`).',
  },
];

/** Hints whose files a `.dockerignore` would have kept out of a `COPY .`. */
const CONTEXT_HINTS: ReadonlySet<HintId> = new Set(['vcs-directory', 'dev-dependencies', 'build-output-leftovers', 'test-directories']);

interface Group {
  rule: { id: HintId; what: string; fix: string };
  root: string;
  layer: number;
  bytes: number;
  files: number;
}

const DEV_LOCK_RULE = {
  id: 'dev-dependencies' as const,
  what: 'development-only Node.js package (`"dev": true` in node_modules/.package-lock.json)',
  fix: 'Install production dependencies only in the runtime stage: `npm ci --omit=dev`, or build in a separate stage and copy the output.',
};

function where(ref: DockerfileRef | null): string {
  return ref ? `${ref.path}:${ref.line}` : 'a layer with no Dockerfile line (the base image?)';
}

function parentDir(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** Roots of the directory rules (a JDK's directory), from their marker files. */
function directoryRoots(files: readonly FinalFile[]): { rule: DirectoryRule; root: string }[] {
  const roots: { rule: DirectoryRule; root: string }[] = [];
  for (const file of files) {
    if (file.kind !== 'file') continue; // /usr/bin/javac is a symlink into the JDK
    for (const rule of DIRECTORY_RULES) {
      const root = rule.marker.exec(file.path)?.[1];
      if (root !== undefined && !GENERAL_DIRS.has(root)) roots.push({ rule, root });
    }
  }
  // Innermost first: a JDK inside another tool's directory is named for itself.
  return roots.sort((a, b) => b.root.length - a.root.length);
}

/**
 * With an npm hidden lockfile for the file's project: the outermost dev package the file is
 * part of (its hint root), or null when it belongs to a production package. Undefined when no
 * lockfile covers the file (the name list decides).
 */
function devPackageRoot(path: string, devPackages: ReadonlyMap<string, ReadonlySet<string>> | undefined): string | null | undefined {
  if (!devPackages || devPackages.size === 0) return undefined;
  let at = 0;
  if (!path.startsWith('node_modules/')) {
    at = path.indexOf('/node_modules/') + 1;
    if (at === 0) return undefined;
  }
  const project = at === 0 ? '' : path.slice(0, at - 1);
  const dev = devPackages.get(project);
  if (!dev) return undefined;
  const keys = packageKeysOf(path.slice(at));
  if (keys.length === 0) return undefined; // .bin, .cache…: not a package
  const key = keys.find((k) => dev.has(k));
  return key === undefined ? null : project === '' ? key : `${project}/${key}`;
}

/**
 * Groups the final files by rule, root and the layer that wrote them: a hint names one layer,
 * so apt lists from the base image and those a RUN added are two hints with their own bytes.
 */
function groupPaths(files: readonly FinalFile[], input: HintInput): Group[] {
  const groups = new Map<string, Group>();
  const add = (rule: Group['rule'], root: string, file: FinalFile) => {
    const key = `${rule.id}\0${rule.what}\0${root}\0${file.addedBy}`;
    let g = groups.get(key);
    if (!g) {
      g = { rule, root, layer: file.addedBy, bytes: 0, files: 0 };
      groups.set(key, g);
    }
    g.bytes += file.bytes;
    g.files++;
  };
  const ctx: RuleContext = {
    pnpProjects: new Set(files.filter((f) => f.kind !== 'dir' && /(?:^|\/)\.pnp\.cjs$/.test(f.path)).map((f) => parentDir(f.path))),
  };
  const dirs = directoryRoots(files);
  for (const file of files) {
    if (file.kind === 'dir') continue;
    // One group per file and id: /usr/local/go/bin/go is the Go toolchain, not also a `bin/go`.
    const matched = new Set<HintId>();
    for (const { rule, root } of dirs) {
      if (matched.has(rule.id) || !file.path.startsWith(`${root}/`)) continue;
      matched.add(rule.id);
      add(rule, root, file);
    }
    const dev = devPackageRoot(file.path, input.devPackages);
    if (dev !== undefined) {
      matched.add('dev-dependencies');
      if (dev !== null) add(DEV_LOCK_RULE, dev, file);
    }
    for (const rule of PATH_RULES) {
      if (matched.has(rule.id)) continue;
      const m = rule.pattern.exec(file.path);
      if (!m || m[1] === undefined) continue;
      if (rule.unless?.(m[1], ctx)) continue;
      matched.add(rule.id);
      add(rule, m[1], file);
    }
  }
  return [...groups.values()];
}

function pathHints(input: HintInput): { hints: AnalysisHint[]; contextLayers: Map<HintId, number[]> } {
  const hints: AnalysisHint[] = [];
  const contextLayers = new Map<HintId, number[]>();
  const groups = groupPaths(input.files, input).filter((g) => g.bytes > 0);
  groups.sort((a, b) => b.bytes - a.bytes || (a.root < b.root ? -1 : 1));
  const perId = new Map<HintId, number>();
  for (const g of groups) {
    const id = g.rule.id;
    const layerIndex = g.layer;
    if (CONTEXT_HINTS.has(id)) contextLayers.set(id, [...(contextLayers.get(id) ?? []), layerIndex]);
    const n = perId.get(id) ?? 0;
    if (n >= MAX_HINTS_PER_ID) continue;
    perId.set(id, n + 1);
    const layer = input.layers[layerIndex];
    hints.push({
      id,
      path: `/${g.root}`,
      bytes: g.bytes,
      dockerfile: layer?.dockerfile ?? null,
      ...(layer ? { layer: layer.digest } : {}),
      message: `${g.rule.what}: /${g.root} (${g.files} file${g.files === 1 ? '' : 's'}, ${formatBytes(g.bytes)}) in the final image, added by ${where(layer?.dockerfile ?? null)}`,
      fix: g.rule.fix,
    });
  }
  return { hints, contextLayers };
}

/** Bytes one layer added and a later one deleted or overwrote, one hint per pair of layers and kind. */
function wasteHints(input: HintInput): AnalysisHint[] {
  const min = input.minWasteBytes ?? DEFAULT_MIN_WASTE_BYTES;
  const pairs = new Map<
    string,
    { kind: WasteEvent['kind']; addedBy: number; removedBy: number; bytes: number; files: number; largest: WasteEvent }
  >();
  for (const e of input.events) {
    if (e.removedBy <= e.addedBy) continue; // replaced within its own layer: nothing to move
    const key = `${e.kind}:${e.addedBy}:${e.removedBy}`;
    const p = pairs.get(key);
    if (!p) pairs.set(key, { kind: e.kind, addedBy: e.addedBy, removedBy: e.removedBy, bytes: e.bytes, files: 1, largest: e });
    else {
      p.bytes += e.bytes;
      p.files++;
      if (e.bytes > p.largest.bytes) p.largest = e;
    }
  }
  const hints: AnalysisHint[] = [];
  for (const p of [...pairs.values()].sort((a, b) => b.bytes - a.bytes)) {
    if (p.bytes < min) continue;
    const added = input.layers[p.addedBy];
    const removed = input.layers[p.removedBy];
    const verb = p.kind === 'deleted' ? 'deleted' : 'overwritten';
    hints.push({
      id: p.kind === 'deleted' ? 'deleted-in-later-layer' : 'overwritten-in-later-layer',
      path: `/${p.largest.path}`,
      bytes: p.bytes,
      dockerfile: added?.dockerfile ?? null,
      ...(added ? { layer: added.digest } : {}),
      ...(removed ? { removedBy: { layer: removed.digest, dockerfile: removed.dockerfile } } : {}),
      message: `${p.files} file${p.files === 1 ? '' : 's'} (${formatBytes(p.bytes)}, largest /${p.largest.path}) added by ${where(added?.dockerfile ?? null)} and ${verb} by ${where(removed?.dockerfile ?? null)}: the bytes still ship in the earlier layer`,
      fix:
        p.kind === 'deleted'
          ? 'Create and delete the files in the same RUN (`RUN download && build && rm -rf …`), or produce them in a separate build stage and copy only what is kept.'
          : 'Write the final version once: merge the two steps into one RUN, or build the file in a separate stage and COPY it once.',
    });
  }
  return hints;
}

/**
 * The final stage and the stages it is built FROM, final first: the stages whose content is in
 * the image. A stage read only with `COPY --from` gives the files copied, not its base.
 */
export function fromChain(info: DockerfileInfo): number[] {
  const chain: number[] = [];
  for (let i: number | null = info.finalStage; i !== null && !chain.includes(i); i = info.stages[i]?.baseStage ?? null) chain.push(i);
  return chain;
}

/** Whether the built stage is one another stage builds on or copies from: a builder, not what ships. */
export function isIntermediateStage(info: DockerfileInfo): boolean {
  return info.stages.some(
    (s) => s.index !== info.finalStage && (s.baseStage === info.finalStage || s.copiesFrom.includes(info.finalStage)),
  );
}

/** The external image the built stage starts from (`scratch`, `debian:bookworm`…), through its FROM chain. */
export function rootBase(info: DockerfileInfo): string {
  return stageAt(info, fromChain(info).at(-1) ?? info.finalStage).image;
}

function dockerfileHints(info: DockerfileInfo): AnalysisHint[] {
  const hints: AnalysisHint[] = [];
  for (const index of fromChain(info)) {
    const stage = stageAt(info, index);
    if (stage.baseStage !== null || stage.image.toLowerCase() === 'scratch' || stage.image.includes('$')) continue;
    if (stage.digest || (stage.tag !== null && stage.tag !== 'latest')) continue;
    hints.push({
      id: 'unpinned-base-image',
      path: stage.image,
      bytes: 0,
      dockerfile: { path: info.path, line: stage.fromLine },
      message: `${info.path}:${stage.fromLine} FROM ${stage.image}${stage.tag ? '' : ' (no tag: latest)'} changes under you: sizes jump between builds for no change of yours`,
      fix: `Pin a version tag, better a digest: \`FROM ${stage.imageName}:<version>@sha256:<digest>\` (Dependabot/Renovate keep it fresh).`,
    });
  }
  return hints;
}

const ROOT_USER = /^(root|0)?(:.*)?$/;

/**
 * runs-as-root: the image config's `User` is the truth (it includes what the base image set);
 * the Dockerfile gives the line to fix. Without the config, the Dockerfile's USER lines decide.
 */
function rootHint(info: DockerfileInfo | null, imageUser: string | undefined): AnalysisHint | null {
  const user = info ? effectiveUser(info, info.finalStage) : null;
  if (imageUser !== undefined ? !ROOT_USER.test(imageUser.trim()) : !info || (user !== null && !ROOT_USER.test(user.value))) return null;
  const line = user?.line ?? (info ? stageAt(info, info.finalStage).fromLine : null);
  const byConfig = imageUser !== undefined && user === null;
  return {
    id: 'runs-as-root',
    path: user?.value ?? (byConfig && imageUser !== '' ? imageUser : '(no USER)'),
    bytes: 0,
    dockerfile: info && line !== null ? { path: info.path, line } : null,
    message: user
      ? `USER ${user.value}: the final stage runs as root`
      : byConfig
        ? `the image config's User is ${imageUser === '' ? 'unset' : `"${imageUser}"`} (the final stage sets no USER and neither does its base image): it runs as root`
        : 'the final stage sets no USER, so it runs as root unless its base image sets one',
    fix: rootFix(info ? rootBase(info) : null),
  };
}

/** No shell, no adduser: scratch, distroless and static bases. */
const SHELLLESS_BASE = /^(?:scratch$|(?:.*\/)?(?:distroless|static)(?:[/:@]|$)|gcr\.io\/distroless\/|cgr\.dev\/chainguard\/static)/i;
const ALPINE_BASE = /(?:^|\/)(?:alpine|busybox)(?:[:@]|$)/i;

/** Advice that works on the base the image is built from. */
function rootFix(base: string | null): string {
  if (base !== null && SHELLLESS_BASE.test(base)) {
    return `The base (${base}) has no shell to add a user with: set a numeric one, \`USER 65532:65532\`, and make the files it needs readable by it (\`COPY --chown=65532:65532 …\`).`;
  }
  if (base !== null && ALPINE_BASE.test(base))
    return 'Add a non-root user to the final stage: `RUN adduser -D -u 10001 app` then `USER 10001`.';
  return 'Add a non-root user to the final stage: `RUN useradd -r -u 10001 app` (Alpine/BusyBox: `adduser -D -u 10001 app`) then `USER 10001`, or `USER 65532` when the base has no shell.';
}

/**
 * Whether a layer came from a COPY/ADD of the build context. Needs the Dockerfile: BuildKit's
 * history (`COPY /x /y # buildkit`) drops `--from`, so createdBy cannot tell.
 */
function isContextCopy(layer: HintLayer | undefined, info: DockerfileInfo | null | undefined): boolean {
  if (!layer?.dockerfile || !info || layer.dockerfile.path !== info.path) return false;
  return instructionAt(info, layer.dockerfile.line)?.fromContext ?? false;
}

/**
 * The hints a report shows for one image. What ships gets them all. A builder — a target another
 * stage builds on or copies from, or a stage built only for the stage table — holds toolchains
 * and caches by design, and whoever ships its output picks the user: it shows only the hints its
 * budget asks for by forbidding them.
 */
export function hintsToShow<T extends { id: string }>(hints: readonly T[], image: { ships: boolean; forbid?: readonly string[] }): T[] {
  if (image.ships) return [...hints];
  const asked = new Set(image.forbid ?? []);
  return hints.filter((hint) => asked.has(hint.id));
}

/** All hints of the image, minus the ignored ids (a builder's too: see hintsToShow). */
export function findHints(input: HintInput): AnalysisHint[] {
  const ignore = new Set(input.ignore ?? []);
  const { hints: byPath, contextLayers } = pathHints(input);
  const hints: AnalysisHint[] = [...byPath, ...wasteHints(input)];
  const info = input.dockerfile ?? null;

  if (input.contextHasDockerignore === false) {
    const culprits = new Set<number>();
    for (const [, layers] of contextLayers) for (const l of layers) if (isContextCopy(input.layers[l], info)) culprits.add(l);
    for (const l of [...culprits].sort((a, b) => a - b)) {
      const layer = input.layers[l];
      if (layer === undefined) throw new Error(`no-dockerignore: layer ${l} of ${input.layers.length} does not exist`);
      const found = hints.filter((h) => CONTEXT_HINTS.has(h.id) && h.layer === layer.digest);
      const bytes = found.reduce((s, h) => s + h.bytes, 0);
      hints.push({
        id: 'no-dockerignore',
        path: '.dockerignore',
        bytes,
        dockerfile: layer.dockerfile,
        layer: layer.digest,
        message: `the build context has no .dockerignore and ${where(layer.dockerfile)} copied ${found.map((h) => h.path).join(', ') || 'files a .dockerignore would exclude'} into the image`,
        fix: 'Add a .dockerignore next to the Dockerfile, e.g. `.git`, `node_modules`, `**/__pycache__`, `target/`, `test/`, `*.o`.',
      });
    }
  }

  if (info) hints.push(...dockerfileHints(info));
  const root = rootHint(info, input.imageUser);
  if (root) hints.push(root);
  if (info) {
    const toolchain = hints.find((h) => h.id === 'toolchain-in-final-image');
    if (info.stages.length === 1 && toolchain) {
      const stage = stageAt(info, 0);
      hints.push({
        id: 'multi-stage-candidate',
        path: toolchain.path,
        bytes: hints.filter((h) => h.id === 'toolchain-in-final-image').reduce((s, h) => s + h.bytes, 0),
        dockerfile: { path: info.path, line: stage.fromLine },
        message: `${info.path} has a single stage and its image ships a toolchain (${toolchain.path})`,
        fix: `Split it: \`FROM ${stage.image} AS build\` to compile, then a slim runtime stage (\`FROM <runtime-base>\`) with \`COPY --from=build <artifact> …\`.`,
      });
    }
  }
  return hints.filter((h) => !ignore.has(h.id));
}
