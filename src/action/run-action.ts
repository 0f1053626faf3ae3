/**
 * The action: run the check, write the JSON report, the job summary and the outputs, and
 * decide the exit code once. Config/usage errors fail the step with a clear message.
 */
import * as core from '@actions/core';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logger.js';
import { renderSummaryMarkdown } from '../report/summary-markdown.js';
import { runCheck } from '../run.js';
import type { ActionInputs } from './inputs.js';

export const OUTPUT = { report: 'report', overBudget: 'over-budget', markdown: 'markdown' } as const;

export interface ActionEffects {
  setOutput(name: string, value: string): void;
  writeSummary(markdown: string): Promise<void>;
  setFailed(message: string): void;
}

export const coreEffects: ActionEffects = {
  setOutput: (name, value) => core.setOutput(name, value),
  writeSummary: async (markdown) => {
    await core.summary.addRaw(markdown, true).write();
  },
  setFailed: (message) => core.setFailed(message),
};

export async function runAction(inputs: ActionInputs, env: NodeJS.ProcessEnv, logger: Logger, effects: ActionEffects): Promise<void> {
  const { report, outcome } = await runCheck(
    {
      configPath: inputs.config,
      workdir: inputs.workdir,
      builder: inputs.builder,
      parallel: inputs.parallel,
      cacheFrom: inputs.cacheFrom,
      cacheTo: inputs.cacheTo,
      env,
      commit: env.GITHUB_SHA ?? null,
    },
    logger,
  );

  await mkdir(path.dirname(inputs.reportPath), { recursive: true });
  await writeFile(inputs.reportPath, `${JSON.stringify(report, null, 2)}\n`);
  const markdown = renderSummaryMarkdown(report);
  effects.setOutput(OUTPUT.report, inputs.reportPath);
  effects.setOutput(OUTPUT.overBudget, String(outcome.overBudget));
  effects.setOutput(OUTPUT.markdown, markdown);
  if (inputs.summary) await effects.writeSummary(markdown);

  if (outcome.exitCode !== 0) {
    const reasons = [outcome.overBudget ? 'an image is over budget' : '', outcome.buildFailed ? 'a build failed' : ''].filter(Boolean);
    effects.setFailed(`image-budget: ${reasons.join(' and ')} (report: ${inputs.reportPath}).`);
  } else {
    logger.info(`image-budget: all ${report.images.length} image(s) within budget (report: ${inputs.reportPath}).`);
  }
}
