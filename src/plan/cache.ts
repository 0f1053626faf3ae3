/**
 * Which BuildKit cache flags a build gets. Pure: the environment comes in as facts.
 *
 * `auto` uses the GitHub Actions cache (`type=gha`, scoped per image and target) when it can
 * work — a builder whose driver exports it, a buildx that speaks cache service v2, and the
 * runner's credentials — and otherwise relies on the builder's own cache, which persists
 * between runs of the same daemon (a developer's machine). Its export never fails a build
 * (`ignore-error=true`). Asked-for caches that cannot work are dropped with a warning instead of
 * buildx dropping them silently.
 */
import semver from 'semver';
import type { CacheConfig } from '../config/types.js';

/** GitHub's cache service v2 (the only one since April 2025) needs buildx >= 0.21. */
export const MIN_BUILDX_FOR_GHA_CACHE = '0.21.0';

export interface CacheEnvironment {
  buildxVersion: string;
  driver: string;
  cacheExport: boolean;
  /** ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL (or ACTIONS_CACHE_URL) are set. */
  ghaCredentials: boolean;
}

export interface CacheFlags {
  from: string[];
  to: string[];
  warnings: string[];
}

export function cacheScope(image: string, target: string | undefined): string {
  return `image-budget-${image}-${target ?? 'default'}`;
}

function cacheType(spec: string): string {
  const explicit = /(?:^|,)type=([^,]+)/.exec(spec)?.[1];
  // A bare ref (`user/app:cache`) means type=registry to buildx.
  return explicit ?? 'registry';
}

/** Why a gha cache cannot work here, or null when it can. */
function ghaUnavailableReason(env: CacheEnvironment): string | null {
  if (!env.ghaCredentials) return "the runner's cache credentials (ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL) are not in the environment";
  if (env.driver === 'docker')
    return 'the `docker` driver cannot export to the GitHub cache (add docker/setup-buildx-action for a docker-container builder)';
  if (!env.cacheExport) return `builder driver "${env.driver}" cannot export caches`;
  if (semver.lt(env.buildxVersion, MIN_BUILDX_FOR_GHA_CACHE))
    return `buildx ${env.buildxVersion} only speaks the retired cache service v1 (needs >= ${MIN_BUILDX_FOR_GHA_CACHE})`;
  return null;
}

export interface CacheChoice {
  /**
   * False for the baseline build: it imports the cache but never exports it. Its layers are the
   * base branch's, written into the head's scope at the same time (last writer wins); the base
   * branch's own runs keep that cache.
   */
  export?: boolean;
}

export function chooseCache(
  config: CacheConfig,
  image: string,
  target: string | undefined,
  env: CacheEnvironment,
  choice: CacheChoice = {},
): CacheFlags {
  const flags: CacheFlags = { from: [], to: [], warnings: [] };
  if (config.mode === 'off') return flags;
  const exporting = choice.export !== false;
  const ghaProblem = ghaUnavailableReason(env);

  for (const spec of config.from) {
    if (cacheType(spec) === 'gha' && ghaProblem) {
      flags.warnings.push(`${image}: cache-from "${spec}" skipped: ${ghaProblem}.`);
    } else flags.from.push(spec);
  }
  for (const spec of exporting ? config.to : []) {
    const type = cacheType(spec);
    if (type === 'gha' && ghaProblem) {
      flags.warnings.push(
        `${image}: cache-to "${spec}" skipped: ${ghaProblem}; buildx would drop it silently and nothing would be cached.`,
      );
    } else if (type !== 'inline' && !env.cacheExport) {
      flags.warnings.push(
        `${image}: cache-to "${spec}" skipped: builder driver "${env.driver}" cannot export a ${type} cache (only inline).`,
      );
    } else flags.to.push(spec);
  }

  const userChoseCache = config.from.length > 0 || config.to.length > 0;
  if (!userChoseCache && !ghaProblem) {
    const scope = cacheScope(image, target);
    flags.from.push(`type=gha,scope=${scope}`);
    // A cache service hiccup (429, 5xx, a timeout) must not fail the build, and with it the check:
    // BuildKit then logs that the cache was not saved, and the run warns.
    if (exporting) flags.to.push(`type=gha,scope=${scope},mode=max,ignore-error=true`);
  }
  return flags;
}
