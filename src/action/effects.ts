/**
 * What the action does to the runner besides logging: step outputs, the job summary and the
 * step's result. One interface, so tests can watch what a run does to the step.
 */
import * as core from '@actions/core';
import { writeJobSummary } from '../publish/summary.js';

export const OUTPUT = { report: 'report', overBudget: 'over-budget', markdown: 'markdown', commentUrl: 'comment-url' } as const;

export interface ActionEffects {
  setOutput(name: string, value: string): void;
  writeSummary(markdown: string): Promise<void>;
  setFailed(message: string): void;
}

export const coreEffects: ActionEffects = {
  setOutput: (name, value) => {
    core.setOutput(name, value);
  },
  writeSummary: async (markdown) => {
    await writeJobSummary(markdown);
  },
  setFailed: (message) => {
    core.setFailed(message);
  },
};
