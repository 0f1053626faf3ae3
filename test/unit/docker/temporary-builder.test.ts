import { expect, test } from 'vitest';
import {
  temporaryBuilderCreateArgs,
  temporaryBuilderFailure,
  temporaryBuilderName,
  temporaryBuilderNotice,
} from '../../../src/docker/temporary-builder.js';

test('names are fresh and recognisable', () => {
  const a = temporaryBuilderName();
  expect(a).toMatch(/^image-budget-[0-9a-f]{8}$/);
  expect(temporaryBuilderName()).not.toBe(a);
});

test('the notice says why, what happens and how to avoid it', () => {
  const notice = temporaryBuilderNotice({ builder: 'default' }, 'image-budget-0011aabb');
  expect(notice).toContain('builder "default" uses the docker driver on the classic image store, which cannot export the OCI images');
  expect(notice).toContain('temporary docker-container builder "image-budget-0011aabb"');
  expect(notice).toContain('pulls moby/buildkit');
  expect(notice).toContain('docker/setup-buildx-action');
});

test('the failure says which step failed, why, and what to do', () => {
  expect(
    temporaryBuilderFailure(
      { builder: 'default' },
      'image-budget-0011aabb',
      'start',
      'failed to resolve reference "docker.io/moby/buildkit"',
    ),
  ).toBe(
    'builder "default" uses the docker driver on the classic image store, which cannot export the OCI images image-budget measures, ' +
      'and the temporary docker-container builder "image-budget-0011aabb" that would replace it failed to start: ' +
      'failed to resolve reference "docker.io/moby/buildkit"\n' +
      'To avoid this, add docker/setup-buildx-action before this step (on GitHub; locally `docker buildx create --use`) and pass its ' +
      'builder as `builder` (--builder), or turn on the containerd image store in Docker.',
  );
});

test('the builder is a docker-container one in the host network (a registry on localhost works from it)', () => {
  const args = temporaryBuilderCreateArgs('image-budget-0011aabb');
  expect(args.slice(0, 2)).toEqual(['buildx', 'create']);
  expect(args[args.indexOf('--driver') + 1]).toBe('docker-container');
  expect(args[args.indexOf('--driver-opt') + 1]).toBe('network=host');
  expect(args[args.indexOf('--name') + 1]).toBe('image-budget-0011aabb');
});
