/** The pipeline's Logger on GitHub Actions: log groups, annotations on Dockerfile lines. */
import * as core from '@actions/core';
import type { Annotation, Logger } from '../logger.js';

function properties(annotation?: Annotation): core.AnnotationProperties | undefined {
  return annotation ? { file: annotation.file, startLine: annotation.startLine, title: annotation.title } : undefined;
}

export function createActionLogger(): Logger {
  return {
    info: (message) => core.info(message),
    warning: (message, annotation) => core.warning(message, properties(annotation)),
    error: (message, annotation) => core.error(message, properties(annotation)),
    group: (title, body) => {
      core.startGroup(title);
      core.info(body);
      core.endGroup();
    },
    progress: (message) => core.info(message),
  };
}
