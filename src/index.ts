/** Composition root of the action: read inputs, build the effects, run once, fail once. */
import * as core from '@actions/core';
import { getInputs } from './action/inputs.js';
import { createActionLogger } from './action/logger.js';
import { coreEffects, runAction } from './action/run-action.js';

async function main(): Promise<void> {
  try {
    await runAction(getInputs(), process.env, createActionLogger(), coreEffects);
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}

void main();
