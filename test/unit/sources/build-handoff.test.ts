import { describe, expect, test } from 'vitest';
import { BuildHandoff, runJobsInTurn } from '../../../src/sources/build-handoff.js';

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

describe('runJobsInTurn', () => {
  test('a base job waiting for its turn holds no slot: one whose turn came builds meanwhile', async () => {
    const handoff = new BuildHandoff();
    const order: string[] = [];
    // One slot. `old` (the head does not have it) waits for every head build; `api` only for the head's api.
    const done = runJobsInTurn(['old', 'api'], 1, handoff, async (i) => {
      order.push(['old', 'api'][i]!);
      return i;
    });
    handoff.built('api');
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['api']);
    handoff.finished();
    expect(await done).toEqual([0, 1]);
    expect(order).toEqual(['api', 'old']);
  });

  test('at most `parallel` run at once; without a handoff, in order', async () => {
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const results = await runJobsInTurn(['a', 'b', 'c', 'd', 'e'], 2, null, async (i) => {
      running += 1;
      most = Math.max(most, running);
      order.push(i);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running -= 1;
      return i * 10;
    });
    expect(results).toEqual([0, 10, 20, 30, 40]);
    expect(most).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });
});
