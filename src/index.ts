/** Composition root of the action: read inputs, build the effects, run once, fail once. */
import * as core from '@actions/core';
import { getInputs } from './action/inputs.js';
import { createActionLogger } from './action/logger.js';
import { coreEffects, runAction } from './action/run-action.js';

async function main(): Promise<void> {
  try {
    const inputs = getInputs();
    // Annotations name files relative to the repository root, whatever `working-directory` is.
    const logger = createActionLogger({ workdir: inputs.workdir, workspace: process.env.GITHUB_WORKSPACE || process.cwd() });
    await runAction(inputs, process.env, logger, coreEffects);
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}

void main();
