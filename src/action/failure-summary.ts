/** The job summary of a run that stopped on an error: the message, inert, in a code block. */
import { escapeLine } from '../config/config-error.js';

export function failureSummary(message: string): string {
  const lines = message
    .split('\n')
    .slice(0, 60)
    .map((line) => escapeLine(line).slice(0, 500));
  const text = lines.join('\n');
  // A fence longer than any backtick run inside, so the message cannot close it.
  const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `## image-budget: error\n\nThe run stopped on this error:\n\n${fence}text\n${text}\n${fence}\n`;
}
