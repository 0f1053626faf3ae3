/**
 * Image sources: where one side of the check gets its images. The PR's images (the head) and
 * the base they are compared with each come from one source: built with buildx (the head's
 * build-source.ts, the base's base-build-source.ts), given as images built elsewhere
 * (given-source.ts), read from a saved report (report-source.ts) or from a registry
 * (registry-source.ts). Every source answers the same
 * way: the entries it measured, per image what it could not measure and why, or, when it
 * cannot be had at all, why not. A source never throws for one image or for being
 * unavailable: the run goes on and says so.
 */
import type { PlatformAnalysis } from '../analysis/analyze-layout.js';
import { toSizedEntry } from '../compare/delta.js';
import type { ImageConfig } from '../config/types.js';
import type { PlatformMeasure } from '../measure/types.js';
import type { MissingBaseline, SizedEntry } from '../types.js';

/** `image`: images built elsewhere, given by reference (sources/given-image/). */
export type SourceKind = 'build' | 'image' | 'report' | 'registry' | 'none';

/**
 * One image × target as a source measured it, with everything the report is assembled from:
 * each platform's sizes and layers, the layer analysis, or the error that stopped it.
 */
export interface MeasuredImage {
  /** The image's definition in the budget file (name, analysis and stage settings). */
  image: ImageConfig;
  target: string | undefined;
  /** `stage`: measured for the stage report (`stages: all`), not one of the image's targets. */
  kind?: 'target' | 'stage';
  /** The platforms asked for; a failed image is reported under these (`default` when none). */
  requestedPlatforms: readonly string[];
  platforms: PlatformMeasure[];
  /** Layer analysis per platform, aligned with `platforms`; absent when the analysis is off. */
  analyses?: PlatformAnalysis[];
  /** Why the image could not be measured; null when it was. */
  error: string | null;
  /** The digest of the image as made or given: an index for a multi-platform image. */
  imageDigest?: string | null;
}

/** What a source gives for the images it stands for. */
export interface SourceResult {
  kind: SourceKind;
  /** The commit the images were made from, when the source knows it. */
  commit: string | null;
  /** Every image × target × platform measured: what the comparison reads. */
  entries: SizedEntry[];
  /** Images (targets, platforms) the source could not measure, with why. */
  missing: MissingBaseline[];
  /** Why the source could not be had at all; null when it could. */
  unavailable: string | null;
  /** One line for the report: where the images came from. */
  note: string;
  durationMs: number;
  /** Sources that measure images themselves (builds): the full measurements, failures included. */
  measured?: MeasuredImage[];
  /** BuildKit steps the builds answered from cache. */
  cachedSteps?: number;
  /**
   * Base builds: images not built because the PR changes nothing they are built from (same
   * definition, same Dockerfile and context files): the head's measurement is their baseline.
   */
  sameAsHead?: string[];
}

export interface ImageSource {
  readonly kind: SourceKind;
  /**
   * Measured once the head is: the source reads the head's result (a registry base is read
   * for the platforms the head measured). Otherwise it runs alongside the head.
   */
  readonly afterHead?: boolean;
  measure(head?: SourceResult): Promise<SourceResult>;
}

/** The sizes of measured images, as every comparison reads them. */
export function sizedEntries(measured: readonly MeasuredImage[]): SizedEntry[] {
  return measured.flatMap((m) => m.platforms.map((p) => toSizedEntry(m.image.name, m.target ?? null, p)));
}

/** A source that could not be had: nothing measured, and why. */
export function unavailableSource(kind: SourceKind, reason: string, started: number, commit: string | null = null): SourceResult {
  return {
    kind,
    commit,
    entries: [],
    missing: [],
    unavailable: reason,
    note: `baseline unavailable: ${reason}`,
    durationMs: Date.now() - started,
  };
}

/** What a source that measures images itself gives: its measurements, and the failed ones as missing. */
export function measuredResult(kind: SourceKind, measured: MeasuredImage[], started: number, note: string): SourceResult {
  return {
    kind,
    commit: null,
    entries: sizedEntries(measured),
    missing: measured
      .filter((m) => m.error !== null)
      .map((m) => ({ name: m.image.name, target: m.target ?? null, platform: null, reason: m.error ?? 'no image was produced' })),
    unavailable: null,
    note,
    measured,
    durationMs: Date.now() - started,
  };
}

/** Several sources standing for one side (built images and given ones), measured at once, in order. */
export function allOf(kind: SourceKind, sources: readonly ImageSource[]): ImageSource {
  return {
    kind,
    measure: async (head) => {
      const started = Date.now();
      const results = await Promise.all(sources.map((source) => source.measure(head)));
      const measured = results.flatMap((r) => r.measured ?? []);
      return {
        ...measuredResult(kind, measured, started, results.map((r) => r.note).join('; ')),
        cachedSteps: results.reduce((n, r) => n + (r.cachedSteps ?? 0), 0),
      };
    },
  };
}
