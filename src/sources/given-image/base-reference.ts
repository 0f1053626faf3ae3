/**
 * The base's image for a given-image entry of the base branch's budget file: only a reference
 * that names its commit (`{sha}`, `{short-sha}`) says which image the base commit made. The
 * others name the PR's image (`{pr}`, the action's inputs) or the same image on both sides.
 */
import { fillPlaceholders, FROM_INPUT } from '../../config/image-reference.js';

export type BaseReference = { ref: string } | { reason: string };

export function baseReference(ref: string, baseCommit: string): BaseReference {
  const text = ref.trim();
  if (text === FROM_INPUT) return { reason: "its image comes from the action's image inputs, which name the PR's image" };
  if (text.includes('{pr}')) return { reason: "{pr} in its reference names the PR's image; the base has no pull request" };
  if (!/\{(?:sha|short-sha)\}/.test(text)) {
    return { reason: 'its reference names the same image for the base and the PR; put {sha} in it, or use baseline: registry or report' };
  }
  return { ref: fillPlaceholders(text, { sha: baseCommit }) };
}
