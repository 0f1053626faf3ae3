/**
 * How the pipeline talks to a person. The action maps this onto @actions/core (log groups,
 * annotations); the CLI onto a terminal. The pipeline never writes to stdout itself.
 */
export interface Annotation {
  file?: string;
  startLine?: number;
  title?: string;
}

export interface Logger {
  info(message: string): void;
  warning(message: string, annotation?: Annotation): void;
  error(message: string, annotation?: Annotation): void;
  /** A collapsible block of output (a log group on GitHub). */
  group(title: string, body: string): void;
  /** A short progress line while long work runs. */
  progress(message: string): void;
  /** One line of a build's output as it happens (a terminal with --verbose); absent: logs come whole, in `group`. */
  buildLine?(job: string, line: string): void;
}

/** Collects everything: for tests and for callers that render later. */
export function createMemoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info: ${m}`),
    warning: (m) => lines.push(`warning: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
    group: (t, b) => lines.push(`group: ${t}\n${b}`),
    progress: (m) => lines.push(`progress: ${m}`),
  };
}
