import { expect, test } from 'vitest';
import { cacheExportErrors } from '../../../src/docker/build.js';

// The tail of a real buildx 0.29 build (progress=plain) whose gha cache service answered 500,
// with ignore-error=true: the build succeeded.
const GHA_FAILED = `#6 [2/2] RUN head -c 50000 /dev/urandom > /r
#6 DONE 0.3s

#7 exporting to GitHub Actions Cache
#7 preparing build cache for export 0.1s done
#7 sending cache export done
#7 writing layer sha256:ad96ae563969036e5bdc94fe5e00b624dfa21c3c448ddc8ab73d4910bab71655 done
#7 ERROR: error writing layer blob: internal
------
 > exporting to GitHub Actions Cache:
------`;

test.each([
  ['a gha export that failed', GHA_FAILED, ['exporting to GitHub Actions Cache: error writing layer blob: internal']],
  ['a gha export that worked', GHA_FAILED.replace('#7 ERROR: error writing layer blob: internal', '#7 DONE 0.3s'), []],
  [
    'a registry cache export that failed',
    '#9 exporting cache to registry\n#9 preparing build cache for export\n#9 ERROR: failed to push localhost:5000/c:x: 500 Internal Server Error',
    ['exporting cache to registry: failed to push localhost:5000/c:x: 500 Internal Server Error'],
  ],
  [
    'an error of a build step is not a cache export',
    '#5 [2/2] RUN false\n#5 ERROR: process "/bin/sh -c false" did not complete successfully',
    [],
  ],
  ['no log', '', []],
])('%s', (_name, log, expected) => {
  expect(cacheExportErrors(log)).toEqual(expected);
});
