/** Turns zod issues into ConfigIssues: readable messages, pointing at YAML positions. */
import { z } from 'zod';
import type { Document, LineCounter } from 'yaml';
import type { ConfigIssue } from './config-error.js';
import { describeValue } from './describe-value.js';
import { formatPath, positionOf, positionOfKey, positionOfParent, type FieldPath, type Position } from './locate-node.js';
import { suggestName } from './suggest-name.js';

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
  null: 'an empty value',
};

/** Messages for the issues the schema does not word itself. Passed to `safeParse`. */
export const errorMap: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case 'invalid_type':
      return `expected ${TYPE_NAMES[iss.expected] ?? iss.expected}, got ${describeValue(iss.input)}`;
    case 'too_small':
      if (iss.origin === 'array') return `expected at least ${String(iss.minimum)} item(s)`;
      if (iss.origin === 'string') return 'must not be empty';
      return `expected at least ${String(iss.minimum)}, got ${describeValue(iss.input)}`;
    case 'too_big':
      return `expected at most ${String(iss.maximum)}, got ${describeValue(iss.input)}`;
    case 'invalid_union':
      return `unexpected value ${describeValue(iss.input)}`;
    default:
      return undefined;
  }
};

/** The object keys the schema allows at `path`, for "did you mean". */
export function knownKeysAt(schema: z.ZodType, path: FieldPath): string[] | undefined {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) {
    return knownKeysAt(schema.unwrap() as z.ZodType, path);
  }
  if (schema instanceof z.ZodUnion) {
    for (const option of schema.options as z.ZodType[]) {
      const keys = knownKeysAt(option, path);
      if (keys) return keys;
    }
    return undefined;
  }
  const [step, ...rest] = path;
  if (schema instanceof z.ZodObject) {
    if (step === undefined) return Object.keys(schema.shape);
    const child = (schema.shape as Record<string, z.ZodType>)[String(step)];
    return child ? knownKeysAt(child, rest) : undefined;
  }
  if (step === undefined) return undefined;
  if (schema instanceof z.ZodRecord) return knownKeysAt(schema.valueType as z.ZodType, rest);
  if (schema instanceof z.ZodArray) return knownKeysAt(schema.element as z.ZodType, rest);
  return undefined;
}

interface Context {
  file: string;
  doc: Document;
  lines: LineCounter;
  schema: z.ZodType;
}

function issueAt(ctx: Context, position: Position, path: FieldPath, message: string): ConfigIssue {
  return { file: ctx.file, ...position, path: formatPath(path), message };
}

function unknownKeyMessage(key: string, known: string[] | undefined, budgetKeys: string[] | undefined): string {
  const suggestion = known ? suggestName(key, known) : undefined;
  if (suggestion) return `unknown field \`${key}\`; did you mean \`${suggestion}\`?`;
  // A budget key written one level too high (`images.api.max`) is a common slip.
  const budgetKey = budgetKeys ? suggestName(key, budgetKeys) : undefined;
  if (budgetKey) return `unknown field \`${key}\`; did you mean \`budget.${budgetKey}\`?`;
  return known ? `unknown field \`${key}\`; expected one of ${known.map((k) => `\`${k}\``).join(', ')}` : `unknown field \`${key}\``;
}

export function mapIssues(issues: readonly z.core.$ZodIssue[], ctx: Context): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    const path = issue.path;
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(ctx.schema, path);
      const budgetKeys = known?.includes('budget') ? knownKeysAt(ctx.schema, [...path, 'budget']) : undefined;
      for (const key of issue.keys) {
        const keyPath = [...path, key];
        out.push(issueAt(ctx, positionOfKey(ctx.doc, ctx.lines, keyPath), keyPath, unknownKeyMessage(key, known, budgetKeys)));
      }
    } else if (issue.code === 'invalid_key') {
      const message = issue.issues[0]?.message ?? issue.message;
      out.push(issueAt(ctx, positionOfKey(ctx.doc, ctx.lines, path), path, message));
    } else if ((issue.code === 'invalid_type' || issue.code === 'invalid_value') && issue.input === undefined && path.length > 0) {
      const field = String(path[path.length - 1]);
      out.push(issueAt(ctx, positionOfParent(ctx.doc, ctx.lines, path), path, `missing required field \`${field}\``));
    } else {
      out.push(issueAt(ctx, positionOf(ctx.doc, ctx.lines, path), path, issue.message));
    }
  }
  return out;
}
