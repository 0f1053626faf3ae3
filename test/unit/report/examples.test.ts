/**
 * The example reports rendered as the PR comment and the job summary, kept in docs/examples/
 * for reviewers (screenshots beside them come from test/integration/report/rendering.test.ts).
 * A change to the rendering shows up here as a diff of those files, reviewed on purpose.
 */
import { describe, expect, test } from 'vitest';
import { renderComment } from '../../../src/report/comment.js';
import { renderJobSummary } from '../../../src/report/job-summary.js';
import { reportTextOptions } from '../../../src/report/report-head.js';
import { EXAMPLE_OPTIONS, EXAMPLES } from './example-reports.js';

describe.each(Object.entries(EXAMPLES))('example %s', (name, make) => {
  const report = make();
  const options = { ...reportTextOptions(report), ...EXAMPLE_OPTIONS };

  test('comment', async () => {
    await expect(renderComment(report, options)).toMatchFileSnapshot(`../../../docs/examples/${name}.comment.md`);
  });

  test('job summary', async () => {
    await expect(renderJobSummary(report, options)).toMatchFileSnapshot(`../../../docs/examples/${name}.summary.md`);
  });
});
