/** Small helpers for writing YAML text by hand where layout matters (init, --update). */

const PLAIN_SAFE = /^[A-Za-z0-9_./][A-Za-z0-9_./-]*$/;
const YAML_WORDS = /^(true|false|yes|no|on|off|null|~|y|n)$/i;

/** A string as a YAML scalar: plain when that cannot be misread, double-quoted otherwise. */
export function yamlString(value: string): string {
  if (PLAIN_SAFE.test(value) && !YAML_WORDS.test(value) && !/^[\d.]+$/.test(value)) return value;
  return JSON.stringify(value);
}

/** A list of strings in flow style: `[builder, runtime]`. */
export function yamlFlowList(values: readonly string[]): string {
  return `[${values.map(yamlString).join(', ')}]`;
}
