/**
 * What an `image:` entry names, read without I/O: a registry reference, an image in the docker
 * image store (`docker-daemon://`), an OCI layout directory or tar (`oci-layout://`), or the
 * action's `image`/`digest`/`metadata` inputs (`from-input`). Placeholders `{sha}`,
 * `{short-sha}` and `{pr}` are filled from the commit and the pull request.
 */
import { parseImageRef } from '../../baseline/registry-ref.js';

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
    parseImageRef(sample);
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

export interface GivenImageInputs {
  /** `image`: a full reference, or the repository when `digest` or `metadata` gives the digest. */
  image?: string;
  /** `digest`: build-push-action's `digest` output. */
  digest?: string;
  /** `metadata`: build-push-action's `metadata` output (JSON). */
  metadata?: string;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * The reference the action's inputs name, or null when none is set. `image` alone is used as
 * it is; with a digest (from `digest`, else `metadata`'s `containerimage.digest`) its tag is
 * dropped and the digest pinned; without `image`, the first name of `metadata`'s `image.name`
 * names the repository. Throws with the input's name when they do not add up.
 */
export function imageFromInputs(inputs: GivenImageInputs): string | null {
  const image = inputs.image?.trim() || undefined;
  const digestInput = inputs.digest?.trim() || undefined;
  let metadata: { digest?: string; name?: string } = {};
  if (inputs.metadata?.trim()) metadata = readMetadata(inputs.metadata);
  const digest = digestInput ?? metadata.digest;
  if (digestInput !== undefined && !DIGEST.test(digestInput)) {
    throw new Error(`input digest: ${JSON.stringify(digestInput)} is not a sha256 digest (sha256: and 64 hex digits)`);
  }
  if (image === undefined && digest === undefined && metadata.name === undefined) return null;
  if (digest === undefined) {
    if (image !== undefined) return image;
    throw new Error('input metadata: no containerimage.digest in it; was the image pushed (push: true)?');
  }
  const name = image ?? metadata.name;
  if (name === undefined)
    throw new Error('input digest: needs the image input (or metadata with image.name) to say which repository it is in');
  if (name.startsWith(OCI_LAYOUT_PREFIX) || name.startsWith(DOCKER_DAEMON_PREFIX) || name === FROM_INPUT) {
    throw new Error(
      `input image: ${JSON.stringify(name)} with a digest: a digest pins a registry image, give the repository (ghcr.io/acme/api)`,
    );
  }
  const pinned = /@(sha256:[0-9a-f]{64})$/.exec(name);
  if (pinned !== null) {
    if (pinned[1] !== digest) throw new Error(`input image: ${name} names another digest than ${digest}`);
    return name;
  }
  return `${withoutTag(name)}@${digest}`;
}

/** build-push-action's metadata: `containerimage.digest` and the first of `image.name`'s names. */
function readMetadata(text: string): { digest?: string; name?: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`input metadata: not JSON (${(error as Error).message}); pass build-push-action's metadata output`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('input metadata: expected a JSON object');
  const record = json as Record<string, unknown>;
  const digest = record['containerimage.digest'];
  const names = record['image.name'];
  if (digest !== undefined && (typeof digest !== 'string' || !DIGEST.test(digest))) {
    throw new Error(`input metadata: containerimage.digest ${JSON.stringify(digest)} is not a sha256 digest`);
  }
  const first = typeof names === 'string' ? names.split(',')[0]?.trim() : undefined;
  return { ...(typeof digest === 'string' ? { digest } : {}), ...(first ? { name: first } : {}) };
}

/** `ghcr.io/acme/api:1.2` → `ghcr.io/acme/api`; a port (`localhost:5000/api`) is kept. */
export function withoutTag(name: string): string {
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > slash ? name.slice(0, colon) : name;
}
