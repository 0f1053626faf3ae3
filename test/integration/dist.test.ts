/**
 * dist/ is what GitHub runs: rebuild the bundles from the current sources into a scratch
 * folder and require them to equal the committed ones, so a stale bundle fails CI.
 *
 * The sources are compiled into lib/ itself, exactly as `npm run bundle` does (only the
 * bundles go to the scratch folder): ncc numbers node_modules' modules by a short hash of
 * every module's path, and when two hashes collide the numbering depends on all the paths, so a
 * bundle of the same code compiled elsewhere (a scratch lib/) can differ in its numbers.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';

const scratchRoot = path.resolve('.image-budget');
let scratch = '';

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

test('committed dist/ equals a fresh bundle of src/', async () => {
  execFileSync('mkdir', ['-p', scratchRoot]);
  scratch = await mkdtemp(path.join(scratchRoot, 'dist-check-'));
  const npx = (args: string[]) => execFileSync('npx', args, { stdio: 'pipe' });
  // `npm run build`: src → lib (the same files `npm test` compiled before the tests).
  npx(['tsc', '-p', 'tsconfig.build.json']);
  npx(['ncc', 'build', 'lib/index.js', '-o', path.join(scratch, 'dist'), '--license', 'licenses.txt', '--target', 'es2022']);
  npx(['ncc', 'build', 'lib/cli.js', '-o', path.join(scratch, 'dist/cli'), '--target', 'es2022']);
  for (const file of ['index.js', 'licenses.txt', 'cli/index.js']) {
    const fresh = await readFile(path.join(scratch, 'dist', file), 'utf8');
    const committed = await readFile(path.join('dist', file), 'utf8');
    expect(
      committed === fresh,
      `dist/${file} is stale: run \`npm run bundle\` and commit dist/\n${firstDifference(committed, fresh)}`,
    ).toBe(true);
  }
}, 180_000);

/** Where two bundles part, with some context: enough to tell a stale bundle from a build quirk. */
function firstDifference(committed: string, fresh: string): string {
  let i = 0;
  while (i < committed.length && committed[i] === fresh[i]) i += 1;
  const around = (text: string) => JSON.stringify(text.slice(Math.max(0, i - 200), i + 200));
  return `first difference at character ${i} of ${committed.length} (fresh: ${fresh.length})\ncommitted: ${around(committed)}\nfresh:     ${around(fresh)}`;
}
