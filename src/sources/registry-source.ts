/**
 * The base as images in a registry (`baseline: registry`, `--baseline-image`): one reference
 * per image and target from a template, read from manifests and layer blobs, never built.
 * Measured after the head: it reuses the head's layer sizes and reads, for an image without
 * `platforms`, only the platforms the head measured.
 */
import type { BaseBudgets } from '../baseline/base-budgets.js';
import { measureRegistryImage } from '../baseline/registry.js';
import { toSizedEntry } from '../compare/delta.js';
import type { BudgetFile } from '../config/types.js';
import type { Logger } from '../logger.js';
import type { CountedSizes } from '../measure/counted-sizes.js';
import type { UncompressedSize } from '../measure/types.js';
import type { MissingBaseline, SizedEntry } from '../types.js';
import { unavailableSource, type ImageSource, type SourceResult } from './source.js';

export interface RegistrySourceRequest {
  /** `ghcr.io/acme/{image}:main`; `{target}` is replaced too (empty for the last stage). */
  imageTemplate: string | undefined;
  head: BudgetFile;
  baseBudgets?: BaseBudgets;
  /** Layer sizes this run knows already (the head's), and those counted by earlier runs. */
  sizeMemo?: Map<string, Promise<UncompressedSize>>;
  countedSizes?: CountedSizes;
  /** Tried after the docker config's credentials. */
  registryToken?: string | null;
  logger: Logger;
}

export function imageRefFor(template: string, image: string, target: string | null): string {
  return template.replaceAll('{image}', image).replaceAll('{target}', target ?? '');
}

export function registrySource(request: RegistrySourceRequest): ImageSource {
  return { kind: 'registry', afterHead: true, measure: (head) => measureFromRegistry(request, head?.entries ?? []) };
}

async function measureFromRegistry(request: RegistrySourceRequest, headEntries: readonly SizedEntry[]): Promise<SourceResult> {
  const started = Date.now();
  const template = request.imageTemplate;
  if (!template)
    return unavailableSource('registry', 'input `baseline-image` is empty: name the base image, e.g. ghcr.io/acme/{image}:main', started);
  const entries: SizedEntry[] = [];
  const missing: MissingBaseline[] = [];
  // An image the base branch's budget file does not name is new in this PR: there is no base
  // image to read, and a failed lookup would wrongly call its baseline unavailable.
  const baseFile = request.baseBudgets?.state === 'read' ? request.baseBudgets.budgetFile : null;
  const onBase = (name: string) => baseFile === null || baseFile.images.some((image) => image.name === name);
  for (const image of request.head.images.filter((i) => onBase(i.name))) {
    for (const target of image.targets) {
      const ref = imageRefFor(template, image.name, target ?? null);
      try {
        // No `platforms`: the head built the builder's default one; the base index may hold more,
        // which would otherwise all show as removed.
        const measured = headEntries.filter((e) => e.name === image.name && e.target === (target ?? null)).map((e) => e.platform);
        const wanted = image.platforms.length > 0 ? image.platforms : measured;
        const platforms = await measureRegistryImage(ref, {
          platforms: wanted.length > 0 ? wanted : undefined,
          knownSizes: request.sizeMemo,
          countedSizes: request.countedSizes,
          registryToken: request.registryToken ?? null,
        });
        entries.push(...platforms.map((p) => toSizedEntry(image.name, target ?? null, p)));
      } catch (error) {
        const reason = `base image ${ref} could not be read (${error instanceof Error ? error.message : String(error)})`;
        request.logger.warning(`baseline: ${reason}`);
        missing.push({ name: image.name, target: target ?? null, platform: null, reason });
      }
    }
  }
  return {
    kind: 'registry',
    commit: null,
    entries,
    missing,
    unavailable: entries.length === 0 && missing.length > 0 ? `no base image could be read from the registry` : null,
    note: `baseline: registry images ${template}`,
    durationMs: Date.now() - started,
  };
}
