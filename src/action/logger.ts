/** The pipeline's Logger on GitHub Actions: log groups, annotations on Dockerfile lines. */
import * as core from '@actions/core';
import type { Annotation, Logger } from '../logger.js';
import { annotationPath, type AnnotationRoots } from './annotation-path.js';

function properties(annotation: Annotation | undefined, roots: AnnotationRoots): core.AnnotationProperties | undefined {
  if (!annotation) return undefined;
  const file = annotation.file !== undefined ? annotationPath(annotation.file, roots) : annotation.file;
  return { file, startLine: annotation.startLine, title: annotation.title };
}

export function createActionLogger(roots: AnnotationRoots): Logger {
  return {
    info: (message) => {
      core.info(message);
    },
    warning: (message, annotation) => {
      core.warning(message, properties(annotation, roots));
    },
    error: (message, annotation) => {
      core.error(message, properties(annotation, roots));
    },
    group: (title, body) => {
      core.startGroup(title);
      core.info(body);
      core.endGroup();
    },
    progress: (message) => {
      core.info(message);
    },
  };
}
