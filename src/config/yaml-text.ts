/** Small helpers for writing YAML text by hand where layout matters (init, --update). */
import { parse } from 'yaml';

const PLAIN_SAFE = /^[A-Za-z0-9_./][A-Za-z0-9_./-]*$/;

/** A string as a YAML scalar: plain when it reads back as the same string, double-quoted otherwise. */
export function yamlString(value: string): string {
  // Reading it back catches numbers (1.20, 0x1F, 1e5), booleans and nulls.
  if (PLAIN_SAFE.test(value) && parse(value) === value) return value;
  return JSON.stringify(value);
}

/** A list of strings in flow style: `[builder, runtime]`. */
export function yamlFlowList(values: readonly string[]): string {
  return `[${values.map(yamlString).join(', ')}]`;
}
