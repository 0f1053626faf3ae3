import { expect, test } from 'vitest';
import { failureSummary } from '../../../src/action/failure-summary.js';

test.each([
  ['a plain message', 'boom', '```text\nboom\n```'],
  ['backticks cannot close the fence', 'a ``` b ```` c', '`````text\na ``` b ```` c\n`````'],
  ['bidi and invisible characters are shown as escapes', 'a\u202eb\u200bc', '```text\na\\u{202E}b\\u{200B}c\n```'],
])('%s', (_name, message, block) => {
  const summary = failureSummary(message);
  expect(summary).toMatch(/^## image-budget: error\n/);
  expect(summary).toContain(`\n${block}\n`);
});
