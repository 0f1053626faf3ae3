/**
 * What the image config changed, as words: "label `org.opencontainers.image.revision` changed,
 * env `NODE_ENV` added, entrypoint `["/app"]` → `["/app","--serve"]`". Labels and env are named,
 * never their values. The caller gives how author text is made inert (a code span in markdown,
 * control characters stripped in a terminal). Pure.
 */
import type { ConfigChange, ConfigField } from '../types.js';
import { plural } from './comment-format.js';

/** Changes named in one line; the JSON report has them all. */
export const MAX_CONFIG_CHANGES = 6;

const FIELD_WORDS: Record<ConfigField, string> = {
  label: 'label',
  env: 'env',
  entrypoint: 'entrypoint',
  cmd: 'cmd',
  user: 'user',
  workingDir: 'workdir',
  exposedPort: 'port',
  volume: 'volume',
  stopSignal: 'stop signal',
  healthcheck: 'healthcheck',
  shell: 'shell',
  onBuild: 'onbuild',
};

/** One change: "env `TOKEN` added", "user `root` → `app`", "cmd unset → `["serve"]`". */
export function configChangePart(change: ConfigChange, code: (text: string) => string): string {
  const field = FIELD_WORDS[change.field];
  if (change.key !== undefined) return `${field} ${code(change.key)} ${change.kind}`;
  const side = (value: string | undefined) => (value === undefined ? 'unset' : code(value));
  return `${field} ${side(change.from)} → ${side(change.to)}`;
}

/** "label `a` changed, env `B` added, and 2 more changes"; null when nothing changed. */
export function configChangeList(
  changes: readonly ConfigChange[] | undefined,
  code: (text: string) => string,
  max = MAX_CONFIG_CHANGES,
): string | null {
  if (!changes || changes.length === 0) return null;
  const shown = changes.slice(0, max).map((c) => configChangePart(c, code));
  const more = changes.length > max ? `, and ${plural(changes.length - max, 'more change', 'more changes')}` : '';
  return `${shown.join(', ')}${more}`;
}

/** "image config changed: …"; null when nothing changed. */
export function configChangeText(
  changes: readonly ConfigChange[] | undefined,
  code: (text: string) => string,
  max = MAX_CONFIG_CHANGES,
): string | null {
  const list = configChangeList(changes, code, max);
  return list === null ? null : `image config changed: ${list}`;
}
