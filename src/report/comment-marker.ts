/**
 * The hidden first line that identifies our comment, one per `key` (e.g. one per workflow or
 * config file). Shared by the renderer and by the publisher that searches for it.
 */

export const COMMENT_MARKER_PREFIX = '<!-- image-budget:comment key=';

/**
 * `<!-- image-budget:comment key=… -->` with the key percent-encoded: nothing but
 * `[A-Za-z0-9._:/]` survives literally, so a key can never close the comment (`-->`) or contain
 * `--`, and two different keys never give the same marker.
 */
export function commentMarker(key: string): string {
  const encoded = Array.from(new TextEncoder().encode(key))
    .map((byte) => {
      const c = String.fromCharCode(byte);
      return /[A-Za-z0-9._:/]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
  return `${COMMENT_MARKER_PREFIX}${encoded} -->`;
}

/** True when `body` is one of ours for `key`: the marker must be the very first line. */
export function hasCommentMarker(body: string | null | undefined, key: string): boolean {
  if (!body) return false;
  const marker = commentMarker(key);
  return body === marker || body.startsWith(`${marker}\n`) || body.startsWith(`${marker}\r\n`);
}
