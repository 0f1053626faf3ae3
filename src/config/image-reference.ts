/**
 * What an `image:` entry names, read without I/O: a registry reference, an image in the docker
 * image store (`docker-daemon://`), an OCI layout directory or tar (`oci-layout://`), or the
 * action's `image`/`digest`/`metadata` inputs (`from-input`). Placeholders `{sha}`,
 * `{short-sha}` and `{pr}` are filled from the commit and the pull request.
 */

/** A reference split as docker reads it, before any registry defaults are applied. */
export interface ReferenceParts {
  /** `ghcr.io`, `localhost:5000`; absent for Docker Hub names (`busybox`, `octo/app`). */
  domain?: string;
  /** Repository path, lower case: `acme/api`. */
  path: string;
  tag?: string;
  digest?: string;
}

const REFERENCE = /^(?:([^/]+)\/)?([^@]+?)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[0-9a-f]{64}))?$/;
const REPOSITORY_PATH = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/** `ghcr.io/acme/api:1@sha256:…` → its parts; throws `not an image reference` otherwise. */
export function splitImageReference(ref: string): ReferenceParts {
  const match = REFERENCE.exec(ref.trim());
  if (match === null) throw new Error(`not an image reference: ${JSON.stringify(ref)}`);
  const [, first, rest, tag, digest] = match;
  const isDomain = first !== undefined && (first.includes('.') || first.includes(':') || first === 'localhost');
  const repository = first !== undefined && !isDomain ? `${first}/${rest ?? ''}` : (rest ?? '');
  if (!REPOSITORY_PATH.test(repository)) throw new Error(`not an image reference: ${JSON.stringify(ref)} (bad repository name)`);
  return { ...(isDomain ? { domain: first } : {}), path: repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

export const OCI_LAYOUT_PREFIX = 'oci-layout://';
export const DOCKER_DAEMON_PREFIX = 'docker-daemon://';
/** The entry whose image the action's `image`/`digest`/`metadata` inputs give. */
export const FROM_INPUT = 'from-input';

export type GivenImage =
  | { kind: 'registry'; ref: string }
  | { kind: 'docker-daemon'; ref: string }
  | { kind: 'oci-layout'; path: string }
  | { kind: 'from-input' };

export interface PlaceholderValues {
  /** The commit measured (40 hex digits). */
  sha?: string | null;
  /** The pull request number, when the run is for one. */
  pr?: number | null;
}

const PLACEHOLDER = /\{([^{}]*)\}/g;
export const PLACEHOLDER_NAMES = ['sha', 'short-sha', 'pr'] as const;
/** What placeholders stand for while a reference's syntax is checked. */
const SAMPLE: Required<PlaceholderValues> = { sha: '0'.repeat(40), pr: 1 };

/** Fills `{sha}`, `{short-sha}` (7 digits, as docker/metadata-action's `type=sha`) and `{pr}`. */
export function fillPlaceholders(value: string, values: PlaceholderValues): string {
  return value.replace(PLACEHOLDER, (whole, name: string) => {
    if (name === 'sha' || name === 'short-sha') {
      if (!values.sha) throw new Error(`${value}: {${name}} needs the commit, and this run has none`);
      return name === 'sha' ? values.sha : values.sha.slice(0, 7);
    }
    if (name === 'pr') {
      if (values.pr === null || values.pr === undefined)
        throw new Error(`${value}: {pr} needs a pull request, and this run is not for one`);
      return String(values.pr);
    }
    throw new Error(`${value}: unknown placeholder ${whole} (known: ${PLACEHOLDER_NAMES.map((n) => `{${n}}`).join(', ')})`);
  });
}

/** Reads an `image:` value; throws with the reason when it is not one of the forms above. */
export function parseGivenImage(value: string): GivenImage {
  const text = value.trim();
  if (text === FROM_INPUT) return { kind: 'from-input' };
  if (text.startsWith(OCI_LAYOUT_PREFIX)) {
    const layoutPath = text.slice(OCI_LAYOUT_PREFIX.length);
    if (layoutPath === '') throw new Error(`${OCI_LAYOUT_PREFIX} needs a path to an OCI layout directory or tar`);
    fillPlaceholders(layoutPath, SAMPLE);
    return { kind: 'oci-layout', path: layoutPath };
  }
  const isDaemon = text.startsWith(DOCKER_DAEMON_PREFIX);
  const ref = isDaemon ? text.slice(DOCKER_DAEMON_PREFIX.length) : text;
  // The syntax is checked with the placeholders filled, as the run will fill them.
  const sample = fillPlaceholders(ref, SAMPLE);
  try {
    splitImageReference(sample);
  } catch (error) {
    throw new Error(
      `${(error as Error).message}: expected a registry reference (name:tag or name@sha256:…), ${DOCKER_DAEMON_PREFIX}name:tag, ${OCI_LAYOUT_PREFIX}path or ${FROM_INPUT}`,
    );
  }
  return isDaemon ? { kind: 'docker-daemon', ref } : { kind: 'registry', ref };
}

/** The problem with an `image:` value, for the budget file's schema; null when it reads. */
export function givenImageProblem(value: string): string | null {
  try {
    parseGivenImage(value);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

/** `ghcr.io/acme/api:1.2` → `ghcr.io/acme/api`; a port (`localhost:5000/api`) is kept. */
export function withoutTag(name: string): string {
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > slash ? name.slice(0, colon) : name;
}
