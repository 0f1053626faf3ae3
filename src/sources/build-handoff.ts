/**
 * Orders the base build after the head's build of the same job. Both export into one blob
 * store (PlanOptions.blobStore) and buildx skips blobs already there, so a base build that
 * starts once the head's layers are written exports only the layers the PR changed; started at
 * the same time, both sides would write every shared layer in full.
 */
import pLimit from 'p-limit';

interface Gate {
  promise: Promise<void>;
  open: () => void;
}

/** Promise.withResolvers, which Node 20 lacks. */
function createGate(): Gate {
  let open = () => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

export class BuildHandoff {
  private readonly gates = new Map<string, Gate>();
  private headDone = false;

  /** The head's build of `jobId` has finished (built or failed): its blobs are in the store. */
  built(jobId: string): void {
    this.gate(jobId).open();
  }

  /** Every head build has finished: a base job the head does not have waits no longer. */
  finished(): void {
    this.headDone = true;
    for (const gate of this.gates.values()) gate.open();
  }

  /** Resolves when the base may build `jobId`. */
  turnOf(jobId: string): Promise<void> {
    return this.gate(jobId).promise;
  }

  private gate(jobId: string): Gate {
    let gate = this.gates.get(jobId);
    if (!gate) {
      gate = createGate();
      if (this.headDone) gate.open();
      this.gates.set(jobId, gate);
    }
    return gate;
  }
}

/**
 * Runs `run(i)` for every job, at most `parallel` at a time. With a handoff, a job takes a slot
 * only once its turn has come: a base job waiting for the head (a job the head does not have
 * waits for every head build) must not keep a base job whose turn has come from building.
 */
export function runJobsInTurn<T>(
  ids: readonly string[],
  parallel: number,
  handoff: BuildHandoff | null,
  run: (index: number) => Promise<T>,
): Promise<T[]> {
  const limit = pLimit(Math.max(1, parallel));
  return Promise.all(
    ids.map(async (id, index) => {
      if (handoff) await handoff.turnOf(id);
      return limit(() => run(index));
    }),
  );
}
