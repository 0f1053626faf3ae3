/**
 * `docker buildx bake --progress=plain` output split by target. bake names each step after its
 * target (`#8 [api 2/3] RUN …`, `#12 [api] exporting to oci image format`) and numbers it; the
 * later lines of a step carry only the number. Each line is given back as the target's own
 * `docker buildx build` would print it, so one build's log reads (and is parsed) the same
 * whichever way it was built. Steps several targets share, and bake's own lines, belong to none.
 */
export interface BakeLine {
  /** The bake target the line belongs to; null for bake's own lines and shared steps. */
  target: string | null;
  line: string;
  /** The line ends the target's export: its OCI layout is written. */
  exported: boolean;
}

const NAMED_STEP = /^#(\d+) \[([a-zA-Z0-9_-]+)(?: ([^\]]*))?\] (.*)$/;
const STEP = /^#(\d+) (.*)$/;
const EXPORT_STEP = 'exporting to oci image format';

export class BakeLogSplitter {
  private readonly steps = new Map<string, string>();
  private readonly exports = new Set<string>();

  constructor(private readonly targets: ReadonlySet<string>) {}

  read(line: string): BakeLine {
    const named = NAMED_STEP.exec(line);
    if (named) {
      const [, step = '', target = '', inner, text = ''] = named;
      if (this.targets.has(target)) {
        this.steps.set(step, target);
        if (inner === undefined && text === EXPORT_STEP) this.exports.add(step);
        return { target, line: inner === undefined ? `#${step} ${text}` : `#${step} [${inner}] ${text}`, exported: false };
      }
    }
    const plain = STEP.exec(line);
    const step = plain?.[1];
    const target = step === undefined ? undefined : this.steps.get(step);
    if (step === undefined || target === undefined) return { target: null, line, exported: false };
    return { target, line, exported: this.exports.has(step) && /^DONE\b/.test(plain?.[2] ?? '') };
  }
}
