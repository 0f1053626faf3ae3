import { describe, expect, test } from 'vitest';
import { BuildHandoff } from '../../../src/build-handoff.js';

/** Whether `promise` has settled once pending callbacks have run. */
async function settled(promise: Promise<void>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('BuildHandoff: the base builds a job once the head has built it', () => {
  test('a base job waits for the head build of the same job, not for others', async () => {
    const handoff = new BuildHandoff();
    const runtime = handoff.turnOf('api:runtime');
    const builder = handoff.turnOf('api:builder');
    handoff.built('api:builder');
    expect(await settled(builder)).toBe(true);
    expect(await settled(runtime)).toBe(false);
    handoff.built('api:runtime');
    expect(await settled(runtime)).toBe(true);
  });

  test('the head may finish a job before the base asks for it', async () => {
    const handoff = new BuildHandoff();
    handoff.built('api');
    expect(await settled(handoff.turnOf('api'))).toBe(true);
  });

  test('a job only the base has waits for every head build, then goes', async () => {
    const handoff = new BuildHandoff();
    const removedInPr = handoff.turnOf('old-image');
    handoff.built('api');
    expect(await settled(removedInPr)).toBe(false);
    handoff.finished();
    expect(await settled(removedInPr)).toBe(true);
    // Asked for after the head finished: no wait at all.
    expect(await settled(handoff.turnOf('another'))).toBe(true);
  });
});
