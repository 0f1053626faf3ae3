/** Every hint id, stable: users silence them (`ignoreHints`) or forbid them (`forbid`) by name. */
export const HINT_IDS = [
  'toolchain-in-final-image',
  'package-manager-cache',
  'deleted-in-later-layer',
  'overwritten-in-later-layer',
  'vcs-directory',
  'dev-dependencies',
  'build-output-leftovers',
  'test-directories',
  'no-dockerignore',
  'unpinned-base-image',
  'runs-as-root',
  'multi-stage-candidate',
] as const;

export type HintId = (typeof HINT_IDS)[number];

export function isHintId(value: string): value is HintId {
  return (HINT_IDS as readonly string[]).includes(value);
}
