/**
 * The fields of an image config (`config` of the config blob) a reviewer recognises, in the
 * report's compact form: labels, environment, entrypoint and command, user, working directory,
 * ports, volumes, stop signal, healthcheck, shell and ONBUILD. With them a change that touches no
 * layer can say what it changed.
 *
 * Label and env values are never kept: env values can hold tokens, and a label can be filled
 * from a build arg. Each value becomes an HMAC under a random key made for this process and never
 * written anywhere, so the head and the base measured in one run compare, and the report gives
 * nothing to read or to guess a value against (an unkeyed hash of a short value could be).
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { ImageConfigSummary } from '../types.js';

/** Entries kept per list or map: a config with more is not one a person reads. */
const MAX_ITEMS = 200;
/** Characters kept per string. */
const MAX_TEXT = 1024;
/** Hex characters of a fingerprint: 64 bits, so a changed value never looks unchanged. */
const FINGERPRINT_HEX = 16;

export interface ValuesKey {
  /** Written into the report: says which fingerprints compare. */
  id: string;
  secret: Buffer;
}

/** This process's key: one run's head and base share it. */
export const RUN_VALUES_KEY: ValuesKey = { id: randomBytes(8).toString('hex'), secret: randomBytes(32) };

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? clip(value) : undefined;
}

function stringList(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const list = value
    .filter((item): item is string => typeof item === 'string')
    .slice(0, MAX_ITEMS)
    .map(clip);
  return list.length > 0 ? list : undefined;
}

/** `ExposedPorts` and `Volumes` are maps whose keys are the values (`{"8080/tcp": {}}`). */
function keySet(value: unknown): string[] | undefined {
  if (!isRecord(value)) return undefined;
  const keys = Object.keys(value).sort().slice(0, MAX_ITEMS).map(clip);
  return keys.length > 0 ? keys : undefined;
}

function fingerprint(key: ValuesKey, kind: string, name: string, value: string): string {
  return createHmac('sha256', key.secret).update(`${kind}\0${name}\0${value}`).digest('hex').slice(0, FINGERPRINT_HEX);
}

function fingerprinted(key: ValuesKey, kind: string, pairs: Map<string, string>): [string, string][] | undefined {
  if (pairs.size === 0) return undefined;
  return [...pairs.keys()]
    .sort()
    .slice(0, MAX_ITEMS)
    .map((name) => [clip(name), fingerprint(key, kind, name, pairs.get(name) ?? '')]);
}

/** `Env` is `["NAME=value", …]`; a later entry of a name wins, as in the runtime. */
function envPairs(value: unknown): Map<string, string> {
  const pairs = new Map<string, string>();
  if (!Array.isArray(value)) return pairs;
  for (const item of value) {
    if (typeof item !== 'string' || item === '') continue;
    const eq = item.indexOf('=');
    pairs.set(eq < 0 ? item : item.slice(0, eq), eq < 0 ? '' : item.slice(eq + 1));
  }
  return pairs;
}

function labelPairs(value: unknown): Map<string, string> {
  const pairs = new Map<string, string>();
  if (!isRecord(value)) return pairs;
  for (const [name, label] of Object.entries(value)) if (typeof label === 'string') pairs.set(name, label);
  return pairs;
}

const HEALTHCHECK_FIELDS = ['Test', 'Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'] as const;

/** The healthcheck's known fields, in a fixed order, as JSON. */
function healthcheck(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  const kept: Record<string, unknown> = {};
  for (const field of HEALTHCHECK_FIELDS) {
    const v = value[field];
    if (typeof v === 'number' && Number.isFinite(v)) kept[field] = v;
    else if (field === 'Test') {
      const test = stringList(v);
      if (test) kept[field] = test;
    }
  }
  return Object.keys(kept).length > 0 ? clip(JSON.stringify(kept)) : undefined;
}

/**
 * The summary of an image config's `config` object (the OCI image config's runtime settings).
 * Anything missing, empty or of the wrong type counts as unset.
 */
export function summarizeImageConfig(config: unknown, key: ValuesKey = RUN_VALUES_KEY): ImageConfigSummary {
  const c = isRecord(config) ? config : {};
  const labels = fingerprinted(key, 'label', labelPairs(c.Labels));
  const env = fingerprinted(key, 'env', envPairs(c.Env));
  const entrypoint = stringList(c.Entrypoint);
  const cmd = stringList(c.Cmd);
  const user = text(c.User);
  const workingDir = text(c.WorkingDir);
  const exposedPorts = keySet(c.ExposedPorts);
  const volumes = keySet(c.Volumes);
  const stopSignal = text(c.StopSignal);
  const check = healthcheck(c.Healthcheck);
  const shell = stringList(c.Shell);
  const onBuild = stringList(c.OnBuild);
  // Compact: unset fields are left out of the report.
  return {
    ...(labels ? { labels } : {}),
    ...(env ? { env } : {}),
    ...(labels || env ? { valuesKey: key.id } : {}),
    ...(entrypoint ? { entrypoint } : {}),
    ...(cmd ? { cmd } : {}),
    ...(user !== undefined ? { user } : {}),
    ...(workingDir !== undefined ? { workingDir } : {}),
    ...(exposedPorts ? { exposedPorts } : {}),
    ...(volumes ? { volumes } : {}),
    ...(stopSignal !== undefined ? { stopSignal } : {}),
    ...(check !== undefined ? { healthcheck: check } : {}),
    ...(shell ? { shell } : {}),
    ...(onBuild ? { onBuild } : {}),
  };
}
