/**
 * The action's three modes:
 * - `check`: build, measure, compare, then publish (report file, outputs, job summary, PR
 *   comment) and decide the step's result once;
 * - `comment`: post the comment for a report saved by a `pull_request` run (the
 *   `workflow_run` half of the fork pattern), treating that report as untrusted;
 * - `aggregate`: merge the reports of several matrix jobs into one verdict and one comment.
 * Config/usage errors throw; the entry point fails the step with their message.
 */
import * as core from '@actions/core';
import { decideOutcome } from '../compare/verdict.js';
import type { Logger } from '../logger.js';
import { findPullRequestForHead, listPullRequestLabels } from '../publish/find-pull-request.js';
import { createGitHubClient } from '../publish/github-client.js';
import { runCheck } from '../run.js';
import { prepareRunSettings } from '../config/prepare-run-settings.js';
import { RunSettingError } from '../config/run-build-settings.js';
import { baselineOptions } from '../sources/base-source.js';
import { findReportFiles, keepNewestCommit, loadReports, mergeReports } from './aggregate.js';
import {
  eventField,
  eventText,
  pullRequestOf,
  privilegedBuildRefusal,
  readEvent,
  repositoryOf,
  workflowRunStamp,
  type WorkflowEvent,
} from './event.js';
import { InputError, type ActionInputs } from './inputs.js';
import type { ActionEffects } from './effects.js';
import { publishReport, type Publication } from './publish.js';
import { loadReport } from '../report/parse-report.js';

export async function runAction(inputs: ActionInputs, env: NodeJS.ProcessEnv, logger: Logger, effects: ActionEffects): Promise<void> {
  const event = await readEvent(env);
  switch (inputs.mode) {
    case 'check':
      return runCheckMode(inputs, env, event, logger, effects);
    case 'aggregate':
      return runAggregateMode(inputs, env, event, logger, effects);
    case 'comment':
      return runCommentMode(inputs, env, event, logger, effects);
  }
}

/** The step's result, as the outcome decided it (compare/verdict.ts). */
function finish(publication: Publication, logger: Logger, effects: ActionEffects): void {
  const { outcome, reportPath } = publication;
  if (outcome.buildFailed) {
    effects.setFailed(`image-budget: a build failed${outcome.overBudget ? ' and an image is over budget' : ''} (report: ${reportPath}).`);
  } else if (outcome.exitCode !== 0) {
    effects.setFailed(`image-budget: an image is over budget (report: ${reportPath}).`);
  } else if (outcome.acceptedByLabel) {
    logger.warning(`image-budget: an image is over budget, accepted by the override label (report: ${reportPath}).`);
  } else {
    logger.info(`image-budget: every image within budget (report: ${reportPath}).`);
  }
}

async function runCheckMode(
  inputs: ActionInputs,
  env: NodeJS.ProcessEnv,
  event: WorkflowEvent,
  logger: Logger,
  effects: ActionEffects,
): Promise<void> {
  const refusal = privilegedBuildRefusal(event, inputs.allowPrivilegedBuild);
  if (refusal) throw new Error(refusal);
  const pr = pullRequestOf(event);
  const overrideApplied = pr?.labels.includes(inputs.overrideLabel) ?? false;

  // The runner masks these in every log line from here on.
  for (const { value } of inputs.buildSettings.secretValues) core.setSecret(value);
  const buildSettings = await prepareRunSettings(inputs.buildSettings, {
    workdir: inputs.workdir,
    env,
    tempDir: env.RUNNER_TEMP || undefined,
  }).catch((error: unknown) => {
    throw error instanceof RunSettingError ? new InputError(error.setting, error.message) : error;
  });
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
      baseline: baselineOptions(inputs.baseline, {
        event,
        headSha: env.GITHUB_SHA,
        reportPath: inputs.baselineReport,
        imageTemplate: inputs.baselineImage,
      }),
      acceptHeadBudgets: overrideApplied,
      analyze: inputs.analyze,
      cacheDir: inputs.cacheDir,
      buildSettings,
      allowOutsidePaths: inputs.allowOutsidePaths,
      givenImage: inputs.givenImage,
      registryToken: inputs.registryToken ?? null,
      pullRequest: pr?.number ?? null,
    },
    logger,
  ).finally(() => buildSettings.remove());
  if (pr) report.pullRequest = { number: pr.number, headSha: pr.headSha };
  const publication = await publishReport({
    report,
    outcome,
    inputs,
    env,
    logger,
    effects,
    pullRequest: pr?.number ?? null,
    overrideApplied,
  });
  finish(publication, logger, effects);
}

async function runAggregateMode(
  inputs: ActionInputs,
  env: NodeJS.ProcessEnv,
  event: WorkflowEvent,
  logger: Logger,
  effects: ActionEffects,
): Promise<void> {
  const loaded = await loadReports(inputs.reports, inputs.workdir, logger);
  if (loaded.length === 0) throw new Error(`input \`reports\`: no report found in ${inputs.reports.join(', ') || '(empty)'}`);
  const { kept, skipped, commit } = keepNewestCommit(loaded, env.GITHUB_SHA);
  for (const { file, report } of skipped) {
    logger.warning(
      `aggregate: leaving out ${file}: it was made for commit ${report.commit?.slice(0, 12) ?? '(unknown)'}, not ${commit?.slice(0, 12) ?? '(unknown)'} like the newest report; reports for different commits are not merged`,
    );
  }
  const reports = kept.map((l) => l.report);
  logger.info(`aggregate: ${kept.length} report(s), ${reports.reduce((n, r) => n + r.images.length, 0)} entries`);
  const report = mergeReports(reports);
  const pr = pullRequestOf(event);
  const overrideApplied = pr?.labels.includes(inputs.overrideLabel) ?? false;
  const outcome = decideOutcome(report.images, { overrideLabel: overrideApplied });
  const publication = await publishReport({
    report,
    outcome,
    inputs,
    env,
    logger,
    effects,
    pullRequest: pr?.number ?? null,
    overrideApplied,
  });
  finish(publication, logger, effects);
}

/**
 * The privileged half of the fork pattern: runs on `workflow_run` with a write token and
 * posts the comment for a report a fork's run uploaded. Nothing in the report is trusted:
 * it is validated, and the PR is found from the workflow run (never from the report) and
 * must have the head SHA the run was made for.
 */
async function runCommentMode(
  inputs: ActionInputs,
  env: NodeJS.ProcessEnv,
  event: WorkflowEvent,
  logger: Logger,
  effects: ActionEffects,
): Promise<void> {
  const [file, ...extra] = await findReportFiles(inputs.reports, inputs.workdir);
  if (!file) throw new Error(`input \`reports\`: no saved report found in ${inputs.reports.join(', ') || '(empty)'}`);
  if (extra.length > 0) logger.warning(`mode comment posts one report; ignoring ${extra.length} more (use mode: aggregate to merge them)`);
  const report = await loadReport(file);

  const run = eventField(event.payload, 'workflow_run');
  const repository = repositoryOf(env);
  if (event.name !== 'workflow_run' || !run || !repository)
    throw new Error('mode `comment` runs on the `workflow_run` event (see docs/permissions.md)');
  const headSha = eventText(eventField(run, 'head_sha'));
  // A report must say which PR and commit it is for: one that does not could be posted anywhere.
  if (!report.pullRequest?.headSha) {
    throw new Error(
      'the saved report names no pull request and head commit (`pullRequest.headSha`): it was not made by a pull_request run; refusing to post it',
    );
  }
  if (report.pullRequest.headSha !== headSha) {
    throw new Error(
      `the saved report was made for ${report.pullRequest.headSha.slice(0, 12)}, not for this run's head ${headSha.slice(0, 12)}: refusing to post it`,
    );
  }
  // One client for the PR lookup and the comment.
  const client = createGitHubClient({ token: inputs.githubToken, baseUrl: env.GITHUB_API_URL });
  let number: number;
  let labels: string[];
  const pulls = eventField(run, 'pull_requests');
  const listed = Array.isArray(pulls)
    ? eventField(
        pulls.find((p: unknown) => eventField(p, 'head', 'sha') === headSha),
        'number',
      )
    : undefined;
  if (typeof listed === 'number') {
    number = listed;
    // workflow_run.pull_requests carries no labels: ask for them.
    labels = await listPullRequestLabels(client, { ...repository, number }).catch((error: unknown) => {
      logger.warning(
        `cannot read the labels of PR #${number} (${error instanceof Error ? error.message : String(error)}): the override label counts as absent`,
      );
      return [];
    });
  } else {
    // workflow_run.pull_requests is empty for forks: find the PR by its head and check the SHA.
    const found = await findPullRequestForHead(client, {
      ...repository,
      headOwner: eventText(eventField(run, 'head_repository', 'owner', 'login')),
      headBranch: eventText(eventField(run, 'head_branch')),
      headSha,
    });
    if (found.number === null) {
      logger.warning(`no open pull request has head ${headSha.slice(0, 12)}: ${found.reason}; nothing to comment on`);
      return;
    }
    number = found.number;
    labels = found.labels;
  }
  if (report.pullRequest.number !== number) {
    throw new Error(
      `the saved report was made for PR #${String(report.pullRequest.number)}, not for #${String(number)} whose head this run built: refusing to post it`,
    );
  }
  // As in check mode: the label turns over budget into a pass, with a note in the comment. The
  // outcome is decided again from the entries, never taken from the report's own flag.
  const overrideApplied = labels.includes(inputs.overrideLabel);
  const outcome = decideOutcome(report.images, { overrideLabel: overrideApplied });
  if (outcome.overBudget) {
    logger.info(
      outcome.acceptedByLabel
        ? `PR #${number}: an image is over budget, accepted by the override label \`${inputs.overrideLabel}\`.`
        : `PR #${number}: an image is over budget; the pull_request run's check fails.`,
    );
  }
  await publishReport({
    report,
    outcome,
    inputs,
    env,
    logger,
    effects,
    pullRequest: number,
    overrideApplied,
    // Stamped with the pull_request run it posts for, so runs of both halves order the same way.
    run: workflowRunStamp(run),
    writeReport: false,
    existingReportPath: file,
    client,
  });
}
