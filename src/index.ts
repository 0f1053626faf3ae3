/** Composition root of the action: read inputs, build the effects, run once, fail once. */
import * as core from '@actions/core';
import type { AnnotationRoots } from './action/annotation-path.js';
import { configIssueAnnotations } from './action/config-annotations.js';
import { failureSummary } from './action/failure-summary.js';
import { getInputs } from './action/inputs.js';
import { createActionLogger } from './action/logger.js';
import { coreEffects, OUTPUT, type ActionEffects } from './action/effects.js';
import { runAction } from './action/run-action.js';
import { ConfigError } from './config/config-error.js';

/** GitHub shows only the first annotations of a step; more would only slow the log down. */
const MAX_CONFIG_ANNOTATIONS = 50;

// Outputs the run has set, so a failure fills in only the missing ones.
const outputsSet = new Set<string>();
const effects: ActionEffects = {
  ...coreEffects,
  setOutput: (name, value) => {
    outputsSet.add(name);
    coreEffects.setOutput(name, value);
  },
};

let roots: AnnotationRoots | undefined;
let failed = false;

/** Every failure ends here: `::error::` with the message (never a stack), a summary and the outputs. */
async function fail(error: unknown): Promise<void> {
  if (failed) return;
  failed = true;
  const message = error instanceof Error ? error.message || error.name : String(error);
  try {
    if (error instanceof ConfigError && roots) {
      for (const { message: line, properties } of configIssueAnnotations(error.issues.slice(0, MAX_CONFIG_ANNOTATIONS), roots)) {
        core.error(line, properties);
      }
    }
    const markdown = failureSummary(message);
    if (!outputsSet.has(OUTPUT.markdown)) core.setOutput(OUTPUT.markdown, markdown);
    // Nothing was measured over budget: the step fails for the error, not for a budget.
    if (!outputsSet.has(OUTPUT.overBudget)) core.setOutput(OUTPUT.overBudget, 'false');
    if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(markdown, true).write();
  } catch {
    // The summary is a courtesy: failing the step below is what matters.
  }
  core.setFailed(message);
}

async function main(): Promise<void> {
  try {
    const inputs = getInputs();
    // Annotations name files relative to the repository root, whatever `working-directory` is.
    roots = { workdir: inputs.workdir, workspace: process.env.GITHUB_WORKSPACE || process.cwd() };
    await runAction(inputs, process.env, createActionLogger(roots), effects);
  } catch (error) {
    await fail(error);
  }
}

// An error thrown outside the run's promise (a stream or child process event) fails the step the same way.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (error: unknown) => {
    void fail(error).finally(() => process.exit(1));
  });
}

void main();
