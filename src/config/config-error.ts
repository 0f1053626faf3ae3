/** One problem in a budget file, pointing at the YAML node it is about. */
export interface ConfigIssue {
  /** The path as the caller gave it. */
  file: string;
  /** 1-based; 0 when the problem is about the whole file (e.g. it does not exist). */
  line: number;
  column: number;
  /** Dotted field path, e.g. `images.api.budget.max`; empty for the whole file. */
  path: string;
  message: string;
}

/** `file:line:column field.path: message`, the format editors and CI annotations understand. */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  return issue.path ? `${where} ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** Sorts by position so a reader fixes problems top to bottom. */
export function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => a.line - b.line || a.column - b.column || a.path.localeCompare(b.path));
}

/** Every problem in a budget file at once; `message` is one formatted line per issue. */
export class ConfigError extends Error {
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    const sorted = sortIssues(issues);
    super(sorted.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
    this.issues = sorted;
  }
}
