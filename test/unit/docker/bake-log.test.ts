import { expect, test } from 'vitest';
import { BakeLogSplitter } from '../../../src/docker/bake-log.js';

// A bake of targets `a` and `b` (buildx 0.29, --progress=plain), as it interleaves them.
const LOG: [string, string | null, string, boolean][] = [
  [
    '#0 building with "image-budget-dc" instance using docker-container driver',
    null,
    '#0 building with "image-budget-dc" instance using docker-container driver',
    false,
  ],
  ['#1 [internal] load local bake definitions', null, '#1 [internal] load local bake definitions', false],
  ['#1 DONE 0.0s', null, '#1 DONE 0.0s', false],
  ['#2 [a internal] load build definition from Dockerfile', 'a', '#2 [internal] load build definition from Dockerfile', false],
  ['#2 DONE 0.0s', 'a', '#2 DONE 0.0s', false],
  ['#3 [b builder 2/3] RUN make', 'b', '#3 [builder 2/3] RUN make', false],
  ['#4 resolve docker.io/library/busybox:1.35 0.0s done', null, '#4 resolve docker.io/library/busybox:1.35 0.0s done', false],
  ['#4 CACHED', null, '#4 CACHED', false],
  ['#3 CACHED', 'b', '#3 CACHED', false],
  ['#5 [a] exporting to oci image format', 'a', '#5 exporting to oci image format', false],
  ['#5 exporting layers 0.1s done', 'a', '#5 exporting layers 0.1s done', false],
  ['#6 [b] exporting cache to client directory', 'b', '#6 exporting cache to client directory', false],
  ['#5 DONE 0.2s', 'a', '#5 DONE 0.2s', true],
  ['#6 DONE 0.1s', 'b', '#6 DONE 0.1s', false],
  ['#7 [c 1/2] FROM x', null, '#7 [c 1/2] FROM x', false],
  ['ERROR: target b: failed to solve: exit code: 3', null, 'ERROR: target b: failed to solve: exit code: 3', false],
  ['', null, '', false],
];

test('bake output is split into each target’s own build log', () => {
  const splitter = new BakeLogSplitter(new Set(['a', 'b']));
  expect(LOG.map(([line]) => splitter.read(line))).toEqual(LOG.map(([, target, line, exported]) => ({ target, line, exported })));
});
