import { describe, expect, it } from 'vitest';
import { devPackagesOf, hiddenLockfileProject, packageKeysOf } from '../../../src/analysis/package-lock.js';

describe('npm hidden lockfile', () => {
  it.each([
    ['app/node_modules/.package-lock.json', 'app'],
    ['node_modules/.package-lock.json', ''],
    ['srv/www/app/node_modules/.package-lock.json', 'srv/www/app'],
    ['app/node_modules/a/node_modules/.package-lock.json', null],
    ['app/package-lock.json', null],
  ])('%s → project %j', (path, project) => {
    expect(hiddenLockfileProject(path)).toBe(project);
  });

  it('dev keys of the packages map, sorted; null for what is not a lockfile', () => {
    const text = JSON.stringify({
      lockfileVersion: 3,
      packages: {
        '': { name: 'app', devDependencies: { jest: '*' } },
        'node_modules/jest': { dev: true },
        'node_modules/@types/node': { dev: true },
        'node_modules/express': {},
        'node_modules/fsevents': { devOptional: true },
      },
    });
    expect(devPackagesOf(text)).toEqual(['node_modules/@types/node', 'node_modules/jest']);
    expect(devPackagesOf('{"lockfileVersion": 3')).toBeNull();
    expect(devPackagesOf('{"dependencies": {}}')).toBeNull();
    expect(devPackagesOf('[1]')).toBeNull();
  });

  it.each([
    ['node_modules/jest/bin/jest.js', ['node_modules/jest']],
    ['node_modules/@types/node/index.d.ts', ['node_modules/@types/node']],
    ['node_modules/a/node_modules/@s/b/x.js', ['node_modules/a', 'node_modules/a/node_modules/@s/b']],
    ['node_modules/.bin/jest', []],
    ['node_modules/.cache/babel/x', []],
    ['node_modules/@types', []],
  ])('%s belongs to %j', (path, keys) => {
    expect(packageKeysOf(path)).toEqual(keys);
  });
});
