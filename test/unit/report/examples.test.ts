/**
 * The example reports rendered as the PR comment and the job summary, kept in docs/examples/
 * for reviewers (screenshots beside them come from test/integration/report/rendering.test.ts).
 * A change to the rendering shows up here as a diff of those files, reviewed on purpose.
 */
import { describe, expect, test } from 'vitest';
import { renderComment } from '../../../src/report/comment.js';
import { renderJobSummary } from '../../../src/report/job-summary.js';
import { reportTextOptions } from '../../../src/report/report-head.js';
import { EXAMPLES } from './example-reports.js';

export const EXAMPLE_OPTIONS = {
  key: 'default',
  summaryUrl: 'https://github.com/acme/shop/actions/runs/123456789',
  overrideLabel: { name: 'image-budget:accept', applied: false },
};

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
