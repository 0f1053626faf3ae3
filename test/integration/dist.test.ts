/**
 * dist/ is what GitHub runs: rebuild the bundles from the current sources into a scratch
 * folder and require them to equal the committed ones, so a stale bundle fails CI.
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
  // Inside the project so the compiled files resolve node_modules like lib/ does.
  execFileSync('mkdir', ['-p', scratchRoot]);
  scratch = await mkdtemp(path.join(scratchRoot, 'dist-check-'));
  const lib = path.join(scratch, 'lib');
  const npx = (args: string[]) => execFileSync('npx', args, { stdio: 'pipe' });
  npx(['tsc', '-p', 'tsconfig.build.json', '--outDir', lib]);
  npx(['ncc', 'build', path.join(lib, 'index.js'), '-o', path.join(scratch, 'dist'), '--license', 'licenses.txt', '--target', 'es2022']);
  npx(['ncc', 'build', path.join(lib, 'cli.js'), '-o', path.join(scratch, 'dist/cli'), '--target', 'es2022']);
  for (const file of ['index.js', 'licenses.txt', 'cli/index.js']) {
    // ncc names each module by its path in comments: the scratch lib/ stands where lib/ does.
    const scratchLib = `./${path.relative(process.cwd(), lib)}/`;
    const fresh = (await readFile(path.join(scratch, 'dist', file), 'utf8')).replaceAll(scratchLib, './lib/');
    const committed = await readFile(path.join('dist', file), 'utf8');
    expect(committed === fresh, `dist/${file} is stale: run \`npm run bundle\` and commit dist/`).toBe(true);
  }
}, 180_000);
