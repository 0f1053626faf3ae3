import { expect, test } from 'vitest';
import { imageReadPaths, moveImagePaths } from '../../../src/config/image-paths.js';
import { parseBudgetFile } from '../../../src/config/parse-budget-file.js';

const [image] = parseBudgetFile(
  `version: 1
images:
  api:
    context: services/api
    secrets: ["id=npmrc,src=.npmrc"]
    ssh: ["git=keys/id"]
    build-contexts: { shared: libs/shared, base: "oci-layout://out/base@sha256:${'a'.repeat(64)}", alpine: "docker-image://alpine:3" }
`,
  { path: 'b.yml', workdir: '/repo' },
).images;

test('a build reads its context, Dockerfile, .dockerignore and local build contexts from the checkout', () => {
  expect(imageReadPaths(image!)).toEqual([
    '/repo/services/api',
    '/repo/services/api/Dockerfile',
    '/repo/services/api/Dockerfile.dockerignore',
    '/repo/libs/shared',
    '/repo/out/base',
  ]);
});

test('moved into another checkout: checkout paths move, secrets and ssh keys stay the runner’s', () => {
  const moved = moveImagePaths(image!, (p) => p.replace('/repo', '/base'));
  expect(moved.context).toBe('/base/services/api');
  expect(moved.dockerfile).toBe('/base/services/api/Dockerfile');
  expect(moved.options.buildContexts).toEqual({
    shared: '/base/libs/shared',
    base: `oci-layout:///base/out/base@sha256:${'a'.repeat(64)}`,
    alpine: 'docker-image://alpine:3',
  });
  expect(moved.options.secrets).toEqual([{ id: 'npmrc', src: '/repo/.npmrc' }]);
  expect(moved.options.ssh).toEqual([{ id: 'git', paths: ['/repo/keys/id'] }]);
});

test('a base budget file parsed with the head as secrets root resolves secrets there', () => {
  const [base] = parseBudgetFile('version: 1\nimages:\n  api:\n    secrets: ["id=npmrc,src=.npmrc"]\n', {
    path: 'b.yml',
    workdir: '/tmp/base/worktree',
    secretsWorkdir: '/repo',
  }).images;
  expect(base?.context).toBe('/tmp/base/worktree');
  expect(base?.options.secrets).toEqual([{ id: 'npmrc', src: '/repo/.npmrc' }]);
});
