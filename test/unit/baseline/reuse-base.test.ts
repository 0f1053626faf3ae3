import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { JobMeasurement } from '../../../src/sources/build-and-measure.js';
import { recallBase } from '../../../src/sources/remembered-base.js';
import { keepMeasurements } from '../../../src/sources/reuse-base.js';
import { createMemoryLogger } from '../../../src/logger.js';
import type { SizedEntry } from '../../../src/types.js';

const COMMIT = '1234567890abcdef1234567890abcdef12345678';
const DIGEST = `sha256:${'1'.repeat(64)}`;
const FROM_LOG = `#2 [internal] load metadata for docker.io/library/busybox:1.35\n#4 [stage-0 1/2] FROM docker.io/library/busybox:1.35@${DIGEST}\n`;

/** A base job as build-and-measure returns it; only what keepMeasurements reads is real. */
function measured(image: string, log: string, error: string | null = null): JobMeasurement {
  return {
    job: { id: image, image: { name: image } },
    build: { ok: error === null, log, error, durationMs: 1, cachedSteps: 0 },
    error,
  } as unknown as JobMeasurement;
}

const entry = (name: string): SizedEntry => ({
  name,
  target: null,
  platform: 'linux/amd64',
  compressedBytes: 10,
  uncompressedBytes: 20,
  layers: [],
});

describe('keepMeasurements: what is kept for later runs', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  test('a pinned build is kept with the images it resolved; one that fetched a URL, or failed, is not', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ib-keep-'));
    dirs.push(dir);
    const logger = createMemoryLogger();
    const keys = new Map([
      ['pinned', 'k-pinned'],
      ['fetches', 'k-fetches'],
      ['broken', 'k-broken'],
    ]);
    await keepMeasurements(
      [
        measured('pinned', FROM_LOG),
        measured('fetches', `${FROM_LOG}#5 [stage-0 2/2] ADD https://example.com/tool.tgz /opt/\n`),
        measured('broken', FROM_LOG, 'build failed: exit code 3'),
      ],
      [entry('pinned'), entry('fetches')],
      keys,
      { dir, commit: COMMIT, logger },
    );
    expect(await readdir(dir)).toEqual(['k-pinned.json']);
    const kept = await recallBase(dir, 'k-pinned');
    expect(kept.base).toEqual({ commit: COMMIT, entries: [entry('pinned')], resolved: [`docker.io/library/busybox:1.35@${DIGEST}`] });
    expect(logger.lines).toEqual([
      'info: baseline: fetches not kept for later runs: in the base build of fetches, `[stage-0 2/2] ADD https://example.com/tool.tgz /opt/` fetches a source no digest pins',
    ]);
  });

  test('a cache directory that cannot be written: a warning for the base, only a line for the head', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ib-keep-'));
    dirs.push(dir);
    const notADir = path.join(dir, 'file');
    await writeFile(notADir, 'in the way\n');
    const logger = createMemoryLogger();
    const keys = new Map([['pinned', 'k']]);
    const args = [[measured('pinned', FROM_LOG)], [entry('pinned')], keys] as const;
    await keepMeasurements(...args, { dir: notADir, commit: COMMIT, logger });
    await keepMeasurements(...args, { dir: notADir, commit: COMMIT, logger, side: 'head' });
    expect(logger.lines.map((line) => line.replace(/: ENOTDIR.*$|: EEXIST.*$/, ''))).toEqual([
      `warning: baseline: could not keep the base measurement of pinned in ${notADir}`,
      `info: baseline: could not keep the head measurement of pinned in ${notADir}`,
    ]);
  });
});
