/** Where GitHub places an annotation: paths relative to the repository root. Pure. */
import path from 'node:path';

export interface AnnotationRoots {
  /** `working-directory`: the pipeline's paths (Dockerfiles in reports) are relative to it. */
  workdir: string;
  /** GITHUB_WORKSPACE: GitHub places an annotation by its path relative to the repository root. */
  workspace: string;
}

/** `app/Dockerfile` under working-directory `services` → `services/app/Dockerfile`. */
export function annotationPath(file: string, roots: AnnotationRoots): string {
  const relative = path.relative(roots.workspace, path.resolve(roots.workdir, file));
  return relative.split(path.sep).join('/');
}
