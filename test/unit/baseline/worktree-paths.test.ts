import { NO_BUILD_OPTIONS } from '../../../src/config/build-options.js';
import { describe, expect, test } from 'vitest';
import { baseCheckoutPaths } from '../../../src/sources/base-build-source.js';
import { sparsePatterns } from '../../../src/baseline/worktree.js';
import type { BudgetFile, ImageConfig } from '../../../src/config/types.js';

describe('sparsePatterns', () => {
  test('anchored at the root, one per path, trailing slashes and ./ dropped', () => {
    expect(sparsePatterns(['services/api', 'services/api/', './services/api/Dockerfile', '.github/image-budget.yml'])).toEqual([
      '/services/api',
      '/services/api/Dockerfile',
      '/.github/image-budget.yml',
    ]);
  });

  test('the repository root (a `context: .` image) means everything: no sparse checkout', () => {
    expect(sparsePatterns(['services/api', '.'])).toBeNull();
    expect(sparsePatterns([''])).toBeNull();
    expect(sparsePatterns(['services/..'])).toBeNull();
  });

  test('paths are literal: wildcards, brackets, backslashes, and trailing blanks are escaped; a leading # or ! is safe behind the anchor', () => {
    expect(sparsePatterns(['a*b/c?d', 'x[1]', 'back\\slash', '#notes', '!keep', 'trailing  '])).toEqual([
      '/a\\*b/c\\?d',
      '/x\\[1\\]',
      '/back\\\\slash',
      '/#notes',
      '/!keep',
      '/trailing\\ \\ ',
    ]);
  });

  test('paths outside the repository are left out', () => {
    expect(sparsePatterns(['../elsewhere', '/abs/path', 'svc'])).toEqual(['/svc']);
    expect(sparsePatterns(['../elsewhere'])).toEqual([]);
  });
});

describe('baseCheckoutPaths', () => {
  const image = (name: string, context: string, dockerfile: string) =>
    ({ name, source: { kind: 'build' }, context, dockerfile, options: NO_BUILD_OPTIONS }) as ImageConfig;
  const file = (...images: ImageConfig[]) => ({ version: 1, path: '/repo/.github/image-budget.yml', images }) as BudgetFile;

  test('the budget file, then each image’s context, Dockerfile and <Dockerfile>.dockerignore, relative to the repo', () => {
    const head = file(image('api', '/repo/services/api', '/repo/services/api/Dockerfile'));
    const base = file(image('web', '/repo/web', '/repo/docker/web.Dockerfile'));
    expect(baseCheckoutPaths('/repo', '/repo/.github/image-budget.yml', [head, base])).toEqual([
      '.github/image-budget.yml',
      'services/api',
      'services/api/Dockerfile',
      'services/api/Dockerfile.dockerignore',
      'web',
      'docker/web.Dockerfile',
      'docker/web.Dockerfile.dockerignore',
    ]);
  });
});
