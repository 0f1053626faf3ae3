/** Composition root of the action: read inputs, build the effects, run once, fail once. */
import * as core from '@actions/core';
import { configIssueAnnotations } from './action/config-annotations.js';
import { getInputs } from './action/inputs.js';
import { createActionLogger } from './action/logger.js';
import { coreEffects, runAction } from './action/run-action.js';
import { ConfigError } from './config/config-error.js';

async function main(): Promise<void> {
  let inputs;
  try {
    inputs = getInputs();
    // Annotations name files relative to the repository root, whatever `working-directory` is.
    const logger = createActionLogger({ workdir: inputs.workdir, workspace: process.env.GITHUB_WORKSPACE || process.cwd() });
    await runAction(inputs, process.env, logger, coreEffects);
  } catch (error) {
    if (error instanceof ConfigError) {
      const workdir = inputs?.workdir ?? process.cwd();
      const workspace = process.env.GITHUB_WORKSPACE || workdir;
      for (const { message, properties } of configIssueAnnotations(error.issues, { workspace, workdir })) core.error(message, properties);
    }
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}

void main();
