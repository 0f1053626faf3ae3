/**
 * Budget-file problems as GitHub annotations: one per issue, on its line and column, so the
 * PR's "Files changed" view shows each where it is. Pure: the entry point emits them.
 */
import type { ConfigIssue } from '../config/config-error.js';
import { annotationPath, type AnnotationRoots } from './annotation-path.js';

export interface IssueAnnotation {
  message: string;
  properties: { title: string; file: string; startLine: number; startColumn: number };
}

/**
 * `workdir` is where the budget file path is relative to; GitHub wants paths relative to the
 * repository root (`GITHUB_WORKSPACE`). Issues about the whole file (line 0, e.g. it does not
 * exist) have no line to sit on: the step's failure message carries them.
 */
export function configIssueAnnotations(issues: readonly ConfigIssue[], dirs: AnnotationRoots): IssueAnnotation[] {
  return issues
    .filter((issue) => issue.line > 0)
    .map((issue) => ({
      message: issue.path ? `${issue.path}: ${issue.message}` : issue.message,
      properties: {
        title: `image-budget: ${issue.path || 'budget file'}`,
        file: annotationPath(issue.file, dirs),
        startLine: issue.line,
        startColumn: issue.column,
      },
    }));
}
