import { expect, test } from 'vitest';
import { configIssueAnnotations } from '../../../src/action/config-annotations.js';

test('one annotation per located issue, with its path relative to the repository root', () => {
  const issues = [
    {
      file: 'image-budget.yml',
      line: 6,
      column: 12,
      path: 'images.app.budget.max',
      message: 'expected a size like "120MB", got "12 parsecs"',
    },
    { file: 'image-budget.yml', line: 2, column: 1, path: '', message: 'invalid YAML: bad indentation' },
    { file: 'image-budget.yml', line: 0, column: 0, path: '', message: 'budget file not found' },
  ];
  expect(configIssueAnnotations(issues, { workspace: '/repo', workdir: '/repo/services' })).toEqual([
    {
      message: 'images.app.budget.max: expected a size like "120MB", got "12 parsecs"',
      properties: { title: 'image-budget: images.app.budget.max', file: 'services/image-budget.yml', startLine: 6, startColumn: 12 },
    },
    {
      message: 'invalid YAML: bad indentation',
      properties: { title: 'image-budget: budget file', file: 'services/image-budget.yml', startLine: 2, startColumn: 1 },
    },
  ]);
});

test('an absolute budget file path under the workspace', () => {
  const [annotation] = configIssueAnnotations(
    [{ file: '/repo/.github/image-budget.yml', line: 3, column: 5, path: 'images.x', message: 'm' }],
    {
      workspace: '/repo',
      workdir: '/repo',
    },
  );
  expect(annotation?.properties.file).toBe('.github/image-budget.yml');
});
