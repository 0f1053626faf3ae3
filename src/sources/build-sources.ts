/**
 * What a build took from outside the repository, read from its BuildKit log (`--progress=plain`):
 * every image it resolved (FROM, `COPY --from=<image>`, the `# syntax=` frontend) with the
 * digest the tag resolved to. A remembered base measurement stays valid only while the images it
 * was built from still resolve to the same digests (see remembered-base.ts). Pure.
 */

export interface BuildSources {
  /** `ref@sha256:…` of every image the build resolved, sorted, without repeats. */
  resolved: string[];
  /** Why the log does not pin everything the build took from outside; null when it does. */
  unpinned: string | null;
}

const DIGEST = 'sha256:[0-9a-f]{64}';
// `#4 [builder 1/5] FROM docker.io/library/busybox:1.35@sha256:…`, `#4 FROM …@sha256:…` (COPY
// --from an image), `#2 docker-image://docker.io/docker/dockerfile:1@sha256:…` (the frontend).
const RESOLVED = new RegExp(`^#\\d+ (?:\\[[^\\]]*\\] )?(?:FROM |docker-image://)(\\S+?)@(${DIGEST})$`);
// What the build asked to resolve: `#2 [internal] load metadata for docker.io/library/busybox:1.35`
// (`[linux/arm64 internal]` per platform), `#1 resolve image config for docker-image://…`.
const REQUESTED = /^#\d+ (?:\[[^\]]*internal\] load metadata for |resolve image config for docker-image:\/\/)(\S+)$/;
// Sources BuildKit fetches on every build and that no digest in the log pins: `ADD <url>`,
// `ADD <git repository>`, and their source vertices.
const UNPINNED = /^#\d+ (?:\[[^\]]*\] ADD (?:.* )?)?(?:https?:\/\/|git:\/\/|ssh:\/\/|git@)\S/;

export function readBuildSources(log: string): BuildSources {
  const resolved = new Set<string>();
  const resolvedRefs = new Set<string>();
  const requested = new Set<string>();
  let unpinned: string | null = null;
  for (const raw of log.split('\n')) {
    const line = raw.trim();
    const pinned = RESOLVED.exec(line);
    if (pinned) {
      resolved.add(`${pinned[1]}@${pinned[2]}`);
      resolvedRefs.add(pinned[1]!);
      continue;
    }
    const asked = REQUESTED.exec(line);
    if (asked) requested.add(asked[1]!);
    else if (unpinned === null && UNPINNED.test(line))
      unpinned = `\`${line.replace(/^#\d+ /, '').slice(0, 200)}\` fetches a source no digest pins`;
  }
  for (const ref of requested) {
    // A reference written with its digest pins itself.
    if (new RegExp(`@${DIGEST}$`).test(ref)) resolved.add(ref);
    else if (!resolvedRefs.has(ref)) unpinned ??= `the log does not say which digest ${ref} resolved to`;
  }
  return { resolved: [...resolved].sort(), unpinned };
}

/**
 * The images a remembered build resolved that this run's builds resolve differently, or do not
 * use: the remembered measurement may no longer be what building the base gives. One phrase
 * each, for the log.
 */
export function staleSources(remembered: readonly string[], current: Iterable<string>): string[] {
  const now = new Set(current);
  const digestsOf = new Map<string, string[]>();
  for (const source of now) {
    const [ref, digest] = splitSource(source);
    digestsOf.set(ref, [...(digestsOf.get(ref) ?? []), digest]);
  }
  return remembered
    .filter((source) => !now.has(source))
    .map((source) => {
      const [ref, digest] = splitSource(source);
      const current = digestsOf.get(ref);
      return current ? `${ref} resolved to ${digest}, now to ${current.join(', ')}` : `${ref} (${digest}) is not used by this run's builds`;
    });
}

function splitSource(source: string): [ref: string, digest: string] {
  const at = source.lastIndexOf('@');
  return [source.slice(0, at), source.slice(at + 1)];
}
