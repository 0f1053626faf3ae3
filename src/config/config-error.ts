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

/** How many problems the message lists; the rest are counted ("and 12 more"). */
export const MAX_LISTED_ISSUES = 50;

// Control, bidi and invisible characters: shown as escapes so one problem stays one readable line.
const UNSAFE_CHARACTERS =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]|\udb40[\udc00-\udc7f]/g;

/** A line safe to print: no line breaks, no characters that reorder or hide text. */
export function escapeLine(text: string): string {
  return text.replace(UNSAFE_CHARACTERS, (char) => {
    const code = char.codePointAt(0) ?? 0;
    if (char === '\n') return '\\n';
    if (char === '\r') return '\\r';
    if (char === '\t') return '\\t';
    return `\\u{${code.toString(16).toUpperCase()}}`;
  });
}

/** `file:line:column field.path: message`, the format editors and CI annotations understand. */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  return issue.path ? `${where} ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** Sorts by position so a reader fixes problems top to bottom. */
export function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => a.line - b.line || a.column - b.column || compareText(a.path, b.path));
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function safeIssue(issue: ConfigIssue): ConfigIssue {
  return { ...issue, file: escapeLine(issue.file), path: escapeLine(issue.path), message: escapeLine(issue.message) };
}

/** Every problem in a budget file at once; `message` is one formatted line per issue, the first 50. */
export class ConfigError extends Error {
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    const sorted = sortIssues(issues).map(safeIssue);
    const listed = sorted.slice(0, MAX_LISTED_ISSUES).map(formatIssue);
    const more = sorted.length - listed.length;
    if (more > 0) listed.push(`… and ${String(more)} more problem${more === 1 ? '' : 's'}`);
    super(listed.join('\n'));
    this.name = 'ConfigError';
    this.issues = sorted;
  }
}
