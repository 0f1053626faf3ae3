/**
 * How many layers to decompress at once, from the work itself. A big layer keeps a core busy
 * inflating (zlib on a libuv thread) and feeds the main thread its count or its tar: two of them
 * on two cores of their own finish sooner than one after the other, but on cores that this run's
 * builds still use (BuildKit compressing layers) they only take turns. The load of other
 * processes is not counted: on a shared machine more streams get more of the cores' time, and
 * `npm run bench -- big` measured two at once faster there too. Small layers cost next to
 * nothing each; what they wait on is I/O (a file, a registry round trip), which overlaps well.
 */
import { availableParallelism } from 'node:os';

/** Overrides the choice (a whole number, 1 or more): for benchmarks and odd machines. */
export const LAYER_CONCURRENCY_ENV = 'IMAGE_BUDGET_LAYER_CONCURRENCY';

/** A layer that takes this many bytes of decompressing or more keeps a core busy for a while. */
export const HEAVY_LAYER_BYTES = 32 * 1024 * 1024;

/** Never more at once: each stream holds its own buffers (a few MB). */
export const MAX_LAYER_CONCURRENCY = 4;

export interface LayerWork {
  /**
   * Per layer to be read, the bytes it goes through: compressed sizes before measuring,
   * uncompressed sizes once they are known. Layers taken from a memo are left out.
   */
  layerBytes: readonly number[];
  /** os.availableParallelism(). */
  cores: number;
  /** Other heavy work of this run right now: builds still running, other images being measured. */
  busy: number;
  /** From LAYER_CONCURRENCY_ENV, when set: it wins. */
  override?: number | null;
}

/** Layers at once: one big layer per free core, and one when no core is free. Pure. */
export function chooseLayerConcurrency({ layerBytes, cores, busy, override }: LayerWork): number {
  if (override !== undefined && override !== null) return override;
  const heavy = layerBytes.some((bytes) => bytes >= HEAVY_LAYER_BYTES);
  const freeCores = cores - busy;
  const wanted = heavy ? freeCores : Math.max(2, cores);
  return Math.max(1, Math.min(wanted, layerBytes.length, MAX_LAYER_CONCURRENCY));
}

/** The override from the environment; null when unset, an error naming the variable when it is not a whole number >= 1. */
export function parseLayerConcurrency(value: string | undefined): number | null {
  if (value === undefined || value.trim() === '') return null;
  const text = value.trim();
  const number = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(number) || number < 1) {
    throw new Error(`${LAYER_CONCURRENCY_ENV} must be a whole number of layers at once (1 or more), got "${value}"`);
  }
  return number;
}

/** chooseLayerConcurrency on this machine, with the environment's override. */
export function layerConcurrencyFor(layerBytes: readonly number[], busy = 0, env: NodeJS.ProcessEnv = process.env): number {
  return chooseLayerConcurrency({
    layerBytes,
    cores: availableParallelism(),
    busy,
    override: parseLayerConcurrency(env[LAYER_CONCURRENCY_ENV]),
  });
}
