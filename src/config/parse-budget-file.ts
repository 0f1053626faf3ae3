/** Budget file text → `BudgetFile`, or a ConfigError listing every problem with its position. */
import path from 'node:path';
import { LineCounter, parseDocument, type Document, type YAMLError } from 'yaml';
import { ConfigError, type ConfigIssue } from './config-error.js';
import { findNode, positionOf, positionOfKey, type FieldPath, type Position } from './locate-node.js';
import { errorMap, mapIssues } from './map-issues.js';
import { normalizeBudgetFile } from './normalize-budget-file.js';
import { budgetFileSchema } from './schema.js';
import type { BudgetFile } from './types.js';
import { yamlToData, type ExpansionLimits } from './yaml-data.js';

export interface ParseOptions {
  /** The budget file path as the user gave it (used in messages; resolved against workdir). */
  path: string;
  /** Repository root: contexts are relative to it. */
  workdir: string;
  /** Where secret files and ssh keys resolve; default `workdir` (see LoadOptions). */
  secretsWorkdir?: string;
  /** How far aliases may expand the file (tests lower it). */
  expansionLimits?: ExpansionLimits;
}

export interface ParsedBudgetFile {
  budgetFile: BudgetFile;
  /** Where a field is, and whether the file sets it (false: the position of its parent). */
  locate(path: FieldPath): Position & { found: boolean };
}

/** The yaml library's message without its " at line X, column Y:" tail and source excerpt. */
function yamlMessage(error: YAMLError): string {
  const first = error.message.split('\n')[0] ?? error.message;
  return first.replace(/ at line \d+, column \d+:?$/, '');
}

function yamlIssues(file: string, doc: Document): ConfigIssue[] {
  return doc.errors.slice(0, 1000).map((error) => ({
    file,
    line: error.linePos?.[0].line ?? 1,
    column: error.linePos?.[0].col ?? 1,
    path: '',
    message: `invalid YAML: ${yamlMessage(error)}`,
  }));
}

/** Like parseBudgetFile, plus a way to find fields later (the loader points at missing paths). */
export function parseBudgetDocument(text: string, opts: ParseOptions): ParsedBudgetFile {
  const file = opts.path;
  const lines = new LineCounter();
  // Duplicate keys, aliases and `<<` merge keys are checked and resolved by yamlToData, with positions.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: false, merge: false });
  if (doc.errors.length > 0) throw new ConfigError(yamlIssues(file, doc));

  const converted = yamlToData(doc, { file, lines, limits: opts.expansionLimits });
  if (converted.issues.length > 0) throw new ConfigError(converted.issues);
  const data = converted.data;
  if (data === null || data === undefined) {
    throw new ConfigError([
      {
        file,
        line: 1,
        column: 1,
        path: '',
        message: 'the budget file is empty; expected `version: 1` and `images:`',
      },
    ]);
  }
  const result = budgetFileSchema.safeParse(data, {
    error: errorMap,
    reportInput: true,
  });
  if (!result.success) {
    throw new ConfigError(
      mapIssues(result.error.issues, {
        file,
        doc,
        lines,
        schema: budgetFileSchema,
      }),
    );
  }
  const { budgetFile, issues } = normalizeBudgetFile(result.data, {
    file,
    absolutePath: path.resolve(opts.workdir, opts.path),
    workdir: path.resolve(opts.workdir),
    secretsWorkdir: path.resolve(opts.secretsWorkdir ?? opts.workdir),
    doc,
    lines,
  });
  if (issues.length > 0) throw new ConfigError(issues);
  return {
    budgetFile,
    locate(at) {
      const { found } = findNode(doc, at);
      const position = found ? positionOf(doc, lines, at) : positionOfKey(doc, lines, at.slice(0, -1));
      return { ...position, found };
    },
  };
}

/** Pure: validates, merges defaults, parses sizes and resolves paths. Throws ConfigError. */
export function parseBudgetFile(text: string, opts: ParseOptions): BudgetFile {
  return parseBudgetDocument(text, opts).budgetFile;
}
