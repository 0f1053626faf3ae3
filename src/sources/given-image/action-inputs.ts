/**
 * The image the action's `image`, `digest` and `metadata` inputs name, as build-push-action
 * gives them: the reference the budget file's `image: from-input` entry measures.
 */
import { DOCKER_DAEMON_PREFIX, FROM_INPUT, OCI_LAYOUT_PREFIX, withoutTag } from '../../config/image-reference.js';

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
    throw new Error(`input \`digest\`: ${JSON.stringify(digestInput)} is not a sha256 digest (sha256: and 64 hex digits)`);
  }
  if (image === undefined && digest === undefined && metadata.name === undefined) return null;
  if (digest === undefined) {
    if (image !== undefined) return image;
    throw new Error('input `metadata`: no containerimage.digest in it; was the image pushed (push: true)?');
  }
  const name = image ?? metadata.name;
  if (name === undefined)
    throw new Error('input `digest`: needs the image input (or metadata with image.name) to say which repository it is in');
  if (name.startsWith(OCI_LAYOUT_PREFIX) || name.startsWith(DOCKER_DAEMON_PREFIX) || name === FROM_INPUT) {
    throw new Error(
      `input \`image\`: ${JSON.stringify(name)} with a digest: a digest pins a registry image, give the repository (ghcr.io/acme/api)`,
    );
  }
  const pinned = /@(sha256:[0-9a-f]{64})$/.exec(name);
  if (pinned !== null) {
    if (pinned[1] !== digest) throw new Error(`input \`image\`: ${name} names another digest than ${digest}`);
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
    throw new Error(`input \`metadata\`: not JSON (${(error as Error).message}); pass build-push-action's metadata output`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('input `metadata`: expected a JSON object');
  const record = json as Record<string, unknown>;
  const digest = record['containerimage.digest'];
  const names = record['image.name'];
  if (digest !== undefined && (typeof digest !== 'string' || !DIGEST.test(digest))) {
    throw new Error(`input \`metadata\`: containerimage.digest ${JSON.stringify(digest)} is not a sha256 digest`);
  }
  const first = typeof names === 'string' ? names.split(',')[0]?.trim() : undefined;
  return { ...(typeof digest === 'string' ? { digest } : {}), ...(first ? { name: first } : {}) };
}
