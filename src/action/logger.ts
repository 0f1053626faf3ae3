/** The pipeline's Logger on GitHub Actions: log groups, annotations on Dockerfile lines. */
import * as core from '@actions/core';
import path from 'node:path';
import type { Annotation, Logger } from '../logger.js';

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

function properties(annotation: Annotation | undefined, roots: AnnotationRoots | undefined): core.AnnotationProperties | undefined {
  if (!annotation) return undefined;
  const file = annotation.file !== undefined && roots ? annotationPath(annotation.file, roots) : annotation.file;
  return { file, startLine: annotation.startLine, title: annotation.title };
}

export function createActionLogger(roots?: AnnotationRoots): Logger {
  return {
    info: (message) => core.info(message),
    warning: (message, annotation) => core.warning(message, properties(annotation, roots)),
    error: (message, annotation) => core.error(message, properties(annotation, roots)),
    group: (title, body) => {
      core.startGroup(title);
      core.info(body);
      core.endGroup();
    },
    progress: (message) => core.info(message),
  };
}
