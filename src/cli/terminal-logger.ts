/** The pipeline's Logger in a terminal: progress and warnings on stderr, build logs only with --verbose. */
import type { Logger } from '../logger.js';
import { sanitizeForTerminal } from '../report/terminal.js';

export function createTerminalLogger(options: { verbose: boolean; stream?: NodeJS.WritableStream }): Logger {
  const out = options.stream ?? process.stderr;
  const started = Date.now();
  const stamp = (): string => `[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s]`;
  const write = (line: string): void => {
    out.write(`${line}\n`);
  };
  return {
    info: (message) => write(`${stamp()} ${message}`),
    warning: (message) => write(`${stamp()} warning: ${message}`),
    error: (message) => write(`${stamp()} error: ${message}`),
    group: (title, body) => {
      if (!options.verbose) return;
      write(`${stamp()} ── ${title}`);
      write(body.split('\n').map(sanitizeForTerminal).join('\n'));
    },
    progress: (message) => write(`${stamp()} ${message}`),
  };
}
