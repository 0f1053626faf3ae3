/**
 * The pipeline's Logger in a terminal: progress and warnings on stderr; with --verbose the
 * build output streamed line by line as BuildKit prints it. Colour only on a terminal, and
 * never with NO_COLOR; FORCE_COLOR forces it.
 */
import type { Logger } from '../logger.js';
import { paint, sanitizeForTerminal } from '../report/terminal.js';

/** https://no-color.org and the FORCE_COLOR convention, then whether the stream is a TTY. */
export function useColor(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return force !== '0' && force !== 'false';
  return (stream as NodeJS.WritableStream & { isTTY?: boolean }).isTTY === true;
}

export function createTerminalLogger(options: { verbose: boolean; stream?: NodeJS.WritableStream; color?: boolean }): Logger {
  const out = options.stream ?? process.stderr;
  const color = options.color ?? false;
  const started = Date.now();
  const stamp = (): string => paint(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s]`, 'dim', color);
  const write = (line: string): void => {
    out.write(`${line}\n`);
  };
  // Build output already streamed is not printed again when its log group closes.
  let streamed = false;
  return {
    info: (message) => {
      write(`${stamp()} ${message}`);
    },
    warning: (message) => {
      write(`${stamp()} ${paint('warning:', 'yellow', color)} ${message}`);
    },
    error: (message) => {
      write(`${stamp()} ${paint('error:', 'red', color)} ${message}`);
    },
    group: (title, body) => {
      if (!options.verbose) return;
      write(`${stamp()} ── ${title}`);
      if (!streamed) write(body.split('\n').map(sanitizeForTerminal).join('\n'));
    },
    progress: (message) => {
      write(`${stamp()} ${message}`);
    },
    ...(options.verbose
      ? {
          buildLine: (job: string, line: string) => {
            streamed = true;
            write(`${paint(`${job} │`, 'dim', color)} ${sanitizeForTerminal(line)}`);
          },
        }
      : {}),
  };
}
