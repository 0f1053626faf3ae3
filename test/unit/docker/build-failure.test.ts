import { expect, test } from 'vitest';
import { summarizeBuildFailure } from '../../../src/docker/build.js';
import { failureHeadline } from '../../../src/report/assemble.js';

// Recorded: `docker buildx build --progress=plain` of test/fixtures/e2e/broken (buildx 0.13).
const FAILED_RUN_LOG = `#0 building with "default" instance using docker driver

#1 [internal] load build definition from Dockerfile
#1 transferring dockerfile: 89B done
#1 DONE 0.0s

#4 [1/2] FROM docker.io/library/busybox:1.35
#4 CACHED

#5 [2/2] RUN echo "about to fail" && exit 3
#5 0.211 about to fail
#5 ERROR: process "/bin/sh -c echo \\"about to fail\\" && exit 3" did not complete successfully: exit code: 3
------
 > [2/2] RUN echo "about to fail" && exit 3:
0.211 about to fail
------
Dockerfile:2
--------------------
   1 |     FROM busybox:1.35
   2 | >>> RUN echo "about to fail" && exit 3
   3 |     
--------------------
ERROR: failed to solve: process "/bin/sh -c echo \\"about to fail\\" && exit 3" did not complete successfully: exit code: 3`;

test("the excerpt runs from before the step that failed to buildx's closing ERROR line", () => {
  const excerpt = summarizeBuildFailure(FAILED_RUN_LOG).split('\n');
  expect(excerpt).toContain('#5 [2/2] RUN echo "about to fail" && exit 3');
  expect(excerpt).toContain('#5 0.211 about to fail');
  expect(excerpt.at(-1)).toMatch(/^ERROR: failed to solve: /);
  expect(excerpt).not.toContain('#0 building with "default" instance using docker driver');
});

test.each([
  [
    1,
    'a failed RUN: the ERROR line, not the first line of the excerpt',
    `build failed: ${summarizeBuildFailure(FAILED_RUN_LOG)}`,
    'ERROR: process "/bin/sh -c echo \\"about to fail\\" && exit 3" did not complete successfully: exit code: 3',
  ],
  [
    2,
    'only the buildx line: without "failed to solve"',
    'build failed: #0 building\nERROR: failed to solve: failed to read dockerfile: open Nope: no such file',
    'ERROR: failed to read dockerfile: open Nope: no such file',
  ],
  [
    3,
    'no ERROR line: the first line',
    'measurement failed: layer blob sha256:ab is missing\nmore',
    'measurement failed: layer blob sha256:ab is missing',
  ],
])('%i. headline: %s', (_n, _name, error, expected) => {
  expect(failureHeadline(error)).toBe(expected);
});
