/**
 * The repository paths an image's build reads, and the same image in another checkout (the base
 * commit's worktree). Secret files and ssh keys are not moved: they are the runner's, not the
 * commit's, and a base checkout does not have the files a workflow step wrote.
 */
import { localContextPath } from './build-options.js';
import type { ImageConfig } from './types.js';

/** What a build of `image` reads from the checkout: context, Dockerfile, its `.dockerignore`, local build contexts, the bake/compose files. */
export function imageReadPaths(image: Pick<ImageConfig, 'context' | 'dockerfile' | 'options' | 'source'>): string[] {
  const contexts = Object.values(image.options.buildContexts)
    .map(localContextPath)
    .filter((p): p is string => p !== undefined);
  const definition = image.source.kind === 'build' ? image.source.definedBy : undefined;
  return [image.context, image.dockerfile, `${image.dockerfile}.dockerignore`, ...contexts, ...(definition?.files ?? [])];
}

/** `image` with its checkout paths moved by `move` (from one checkout's root to another's). */
export function moveImagePaths(image: ImageConfig, move: (p: string) => string): ImageConfig {
  const buildContexts = Object.fromEntries(
    Object.entries(image.options.buildContexts).map(([name, value]) => {
      const local = localContextPath(value);
      return [name, local === undefined ? value : value.replace(local, move(local))];
    }),
  );
  const definition = image.source.kind === 'build' ? image.source.definedBy : undefined;
  const source = definition ? { ...image.source, definedBy: { ...definition, files: definition.files.map(move) } } : image.source;
  return {
    ...image,
    source,
    context: move(image.context),
    dockerfile: move(image.dockerfile),
    options: { ...image.options, buildContexts },
  };
}
