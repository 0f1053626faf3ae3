/** Composition root of the action: read inputs, build the effects, run once, fail once. */
import * as core from '@actions/core';
import type { AnnotationRoots } from './action/annotation-path.js';
import { configIssueAnnotations } from './action/config-annotations.js';
import { getInputs } from './action/inputs.js';
import { createActionLogger } from './action/logger.js';
import { coreEffects, runAction } from './action/run-action.js';
import { ConfigError } from './config/config-error.js';

async function main(): Promise<void> {
  // Annotations name files relative to the repository root, whatever `working-directory` is.
  let roots: AnnotationRoots | undefined;
  try {
    const inputs = getInputs();
    roots = { workdir: inputs.workdir, workspace: process.env.GITHUB_WORKSPACE || process.cwd() };
    await runAction(inputs, process.env, createActionLogger(roots), coreEffects);
  } catch (error) {
    if (error instanceof ConfigError && roots) {
      for (const { message, properties } of configIssueAnnotations(error.issues, roots)) core.error(message, properties);
    }
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}

void main();
