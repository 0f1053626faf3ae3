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

/**
 * The run a comment was made for, on its second (hidden) line, so that a run never overwrites
 * a comment made for a newer one. Workflow run ids increase with every new run on GitHub; a
 * re-run keeps its id and increases its attempt. So (id, attempt) orders runs of one workflow
 * — a newer push, a `labeled` event — and, since `mode: comment` stamps the id of the
 * `pull_request` run it posts for, the two halves of the fork pattern too. The head SHA is
 * recorded for readers; SHAs have no order.
 */
export interface RunStamp {
  id: number;
  attempt: number;
  sha: string | null;
}

const RUN_STAMP_PREFIX = '<!-- image-budget:run ';
const RUN_STAMP = /^<!-- image-budget:run id=(\d{1,20}) attempt=(\d{1,6})(?: sha=([0-9a-f]{7,64}))? -->$/;

export function runStampLine(run: RunStamp): string {
  const sha = run.sha && /^[0-9a-f]{7,64}$/.test(run.sha) ? ` sha=${run.sha}` : '';
  return `${RUN_STAMP_PREFIX}id=${run.id} attempt=${run.attempt}${sha} -->`;
}

/** The stamp on the second line of `body`, or null (no stamp: an older version wrote it). */
export function readRunStamp(body: string | null | undefined): RunStamp | null {
  const line = (body ?? '').split('\n')[1]?.replace(/\r$/, '') ?? '';
  const m = RUN_STAMP.exec(line);
  if (!m) return null;
  return { id: Number(m[1]), attempt: Number(m[2]), sha: m[3] ?? null };
}

/** `body` with `run`'s stamp as its second line (replacing one that is there), after the marker. */
export function withRunStamp(body: string, run: RunStamp): string {
  const [marker = '', ...rest] = body.split('\n');
  const tail = rest[0]?.startsWith(RUN_STAMP_PREFIX) ? rest.slice(1) : rest;
  return [marker, runStampLine(run), ...tail].join('\n');
}

/** Whether run `a` is newer than run `b`. */
export function isNewerRun(a: RunStamp, b: RunStamp): boolean {
  return a.id > b.id || (a.id === b.id && a.attempt > b.attempt);
}
