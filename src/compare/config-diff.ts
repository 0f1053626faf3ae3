/**
 * What the image config changed against the base: labels and env by name (added, removed, or a
 * value changed, never which value), the single-valued fields with their old and new values,
 * ports and volumes one by one. Pure.
 */
import type { ConfigChange, ConfigField, ImageConfigSummary } from '../types.js';

export interface ConfigDiff {
  changes: ConfigChange[];
  /**
   * False when the two sides' label and env fingerprints were made in different runs (a base
   * read from a saved report): then only added and removed names are known, not changed values.
   */
  valuesCompared: boolean;
}

function pairsDiff(
  field: 'label' | 'env',
  base: readonly [string, string][] | undefined,
  head: readonly [string, string][] | undefined,
  compareValues: boolean,
): ConfigChange[] {
  const before = new Map(base ?? []);
  const after = new Map(head ?? []);
  const changes: ConfigChange[] = [];
  for (const name of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const from = before.get(name);
    const to = after.get(name);
    if (from === undefined) changes.push({ field, kind: 'added', key: name });
    else if (to === undefined) changes.push({ field, kind: 'removed', key: name });
    else if (compareValues && from !== to) changes.push({ field, kind: 'changed', key: name });
  }
  return changes;
}

function setDiff(field: ConfigField, base: readonly string[] | undefined, head: readonly string[] | undefined): ConfigChange[] {
  const before = new Set(base ?? []);
  const after = new Set(head ?? []);
  return [
    ...[...after].filter((key) => !before.has(key)).map((key): ConfigChange => ({ field, kind: 'added', key })),
    ...[...before].filter((key) => !after.has(key)).map((key): ConfigChange => ({ field, kind: 'removed', key })),
  ];
}

/** Characters of a value kept in a change (the report's bound); the renderers shorten further. */
export const MAX_CHANGE_VALUE = 2048;

const clip = (text: string) => (text.length > MAX_CHANGE_VALUE ? `${text.slice(0, MAX_CHANGE_VALUE - 1)}…` : text);

function valueDiff(field: ConfigField, base: string | undefined, head: string | undefined): ConfigChange[] {
  if (base === head) return [];
  if (base === undefined) return [{ field, kind: 'added', to: clip(head ?? '') }];
  if (head === undefined) return [{ field, kind: 'removed', from: clip(base) }];
  return [{ field, kind: 'changed', from: clip(base), to: clip(head) }];
}

const json = (list: readonly string[] | undefined) => (list === undefined ? undefined : JSON.stringify(list));

/** Head against base, in a fixed field order: what a reviewer reads first comes first. */
export function diffImageConfig(base: ImageConfigSummary, head: ImageConfigSummary): ConfigDiff {
  const hasValues = (c: ImageConfigSummary) => (c.labels?.length ?? 0) + (c.env?.length ?? 0) > 0;
  const valuesCompared = !hasValues(base) || !hasValues(head) || base.valuesKey === head.valuesKey;
  const changes = [
    ...valueDiff('entrypoint', json(base.entrypoint), json(head.entrypoint)),
    ...valueDiff('cmd', json(base.cmd), json(head.cmd)),
    ...valueDiff('user', base.user, head.user),
    ...valueDiff('workingDir', base.workingDir, head.workingDir),
    ...pairsDiff('env', base.env, head.env, valuesCompared),
    ...pairsDiff('label', base.labels, head.labels, valuesCompared),
    ...setDiff('exposedPort', base.exposedPorts, head.exposedPorts),
    ...setDiff('volume', base.volumes, head.volumes),
    ...valueDiff('stopSignal', base.stopSignal, head.stopSignal),
    ...valueDiff('healthcheck', base.healthcheck, head.healthcheck),
    ...valueDiff('shell', json(base.shell), json(head.shell)),
    ...valueDiff('onBuild', json(base.onBuild), json(head.onBuild)),
  ];
  return { changes, valuesCompared };
}
