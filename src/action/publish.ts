/**
 * Everything a finished report goes to: the JSON file, the step outputs, the job summary,
 * the PR comment and an annotation on the Dockerfile line that grew most. A failed GitHub
 * call never loses the result: the job summary and the outputs always have it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Outcome } from '../compare/verdict.js';
import { formatSize } from '../config/size.js';
import type { Logger } from '../logger.js';
import { findExistingComment, resolveCommentAuthor, upsertComment } from '../publish/comment.js';
import { shouldComment } from '../publish/comment-policy.js';
import { createGitHubClient, GitHubApiError, type GitHubClient } from '../publish/github-client.js';
import { renderComment, type RenderCommentOptions } from '../report/comment.js';
import { renderJobSummary } from '../report/job-summary.js';
import { reportTextOptions } from '../report/report-head.js';
import type { RunStamp } from '../report/comment-marker.js';
import type { Report } from '../types.js';
import { repositoryOf, runStampOf, runUrl } from './event.js';
import type { ActionInputs } from './inputs.js';
import { OUTPUT, type ActionEffects } from './effects.js';

export interface PublishRequest {
  report: Report;
  outcome: Outcome;
  inputs: ActionInputs;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  effects: ActionEffects;
  pullRequest: number | null;
  overrideApplied: boolean;
  /** False in `comment` mode: the report already exists and came from elsewhere. */
  writeReport?: boolean;
  /** The existing report's path when `writeReport` is false, for the `report` output. */
  existingReportPath?: string;
  /**
   * The run the report was made for, stamped on the comment. Default: this run
   * (GITHUB_RUN_ID/GITHUB_RUN_ATTEMPT); `mode: comment` gives the `pull_request` run's.
   */
  run?: RunStamp | null;
  /** A client the caller made already for the same token (`mode: comment`); else one is made. */
  client?: GitHubClient;
}

export interface Publication {
  outcome: Outcome;
  reportPath: string;
  commentUrl: string | null;
}

/**
 * Where to put the warning annotation: the Dockerfile line of the layer that grew most; with
 * no baseline, the largest layer of an over-budget image.
 */
export function largestGrowth(report: Report): { file: string; line: number; message: string } | null {
  // Set by `consider`, which control flow analysis does not follow.
  let best = null as { file: string; line: number; message: string; bytes: number } | null;
  const consider = (file: string, line: number, bytes: number, message: string): void => {
    if (bytes > 0 && (!best || bytes > best.bytes)) best = { file, line, bytes, message };
  };
  for (const entry of report.images) {
    const name = `${entry.name}${entry.target ? `:${entry.target}` : ''} (${entry.platform})`;
    for (const c of entry.contributors ?? []) {
      const match = c.location ? /^(.*):(\d+)$/.exec(c.location) : null;
      if (match)
        consider(
          match[1] ?? '',
          Number(match[2]),
          c.deltaBytes,
          `${name} grew ${formatSize(c.deltaBytes)} here: ${c.createdBy ?? c.instruction ?? ''}`,
        );
    }
  }
  if (best) return best;
  for (const entry of report.images.filter((e) => e.status === 'over')) {
    const name = `${entry.name}${entry.target ? `:${entry.target}` : ''} (${entry.platform})`;
    for (const layer of entry.layers) {
      if (layer.dockerfile)
        consider(
          layer.dockerfile.path,
          layer.dockerfile.line,
          layer.compressedBytes,
          `${name} is over budget; its largest layer (${formatSize(layer.compressedBytes)}) comes from here: ${layer.createdBy ?? ''}`,
        );
    }
  }
  return best;
}

async function postComment(request: PublishRequest, body: string, run: RunStamp | null): Promise<string | null> {
  const { inputs, env, logger, report, pullRequest } = request;
  const repository = repositoryOf(env);
  if (pullRequest === null || inputs.comment === 'off' || !repository) return null;
  if (!inputs.githubToken) {
    logger.warning('no `github-token`: the PR comment was not posted; the report is in the job summary.');
    return null;
  }
  const client = request.client ?? createGitHubClient({ token: inputs.githubToken, baseUrl: env.GITHUB_API_URL });
  try {
    // Whose comments are ours: said by `comment-author`, or found out once from the token.
    const author = inputs.commentAuthor ?? (await resolveCommentAuthor(client));
    const target = { ...repository, issueNumber: pullRequest, key: inputs.commentKey, author };
    const existing = inputs.comment === 'always' ? null : await findExistingComment(client, target);
    if (!shouldComment(inputs.comment, report, existing !== null)) {
      logger.info(`comment: ${inputs.comment}, nothing to say on PR #${pullRequest}.`);
      return null;
    }
    const result = await upsertComment(client, { ...target, body, ...(run ? { run } : {}) });
    if (result.action === 'superseded') {
      logger.info(
        `comment on PR #${pullRequest} left as it is: it was made for a newer run (${result.by.id}, attempt ${result.by.attempt}` +
          `${result.by.sha ? `, commit ${result.by.sha.slice(0, 12)}` : ''}): ${result.url}`,
      );
      return null;
    }
    if (result.action === 'skipped') {
      // The reason carries its own advice (the permission, forks, docs/permissions.md).
      logger.warning(`the PR comment was not posted: ${result.reason}. The report is in the job summary and the outputs.`);
      return null;
    }
    logger.info(`comment ${result.action} on PR #${pullRequest}: ${result.url}`);
    return result.url;
  } catch (error) {
    const detail = error instanceof GitHubApiError || error instanceof Error ? error.message : String(error);
    logger.warning(`the PR comment could not be posted (${detail}). The report is in the job summary and the outputs.`);
    return null;
  }
}

export async function publishReport(request: PublishRequest): Promise<Publication> {
  const { report, outcome, inputs, env, logger, effects, overrideApplied } = request;
  // In `comment` mode nothing is written to `report-path`: the output names the file posted.
  const reportPath = request.writeReport === false ? (request.existingReportPath ?? inputs.reportPath) : inputs.reportPath;
  if (request.writeReport !== false) {
    await mkdir(path.dirname(reportPath), { recursive: true });
    await writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`);
  }
  const options: Omit<RenderCommentOptions, 'maxLength'> = {
    key: inputs.commentKey,
    summaryUrl: runUrl(env),
    overrideLabel: { name: inputs.overrideLabel, applied: overrideApplied },
    ...reportTextOptions(report),
  };
  const summary = renderJobSummary(report, options);
  effects.setOutput(OUTPUT.report, reportPath);
  effects.setOutput(OUTPUT.overBudget, String(outcome.overBudget));
  effects.setOutput(OUTPUT.markdown, summary);
  if (inputs.summary) await effects.writeSummary(summary);

  const growth = largestGrowth(report);
  if (growth) logger.warning(growth.message, { file: growth.file, startLine: growth.line, title: 'image-budget: largest growth' });

  // The stamp is rendered into the body, so the length limit counts it.
  const run = request.run === undefined ? runStampOf(env, report.pullRequest?.headSha ?? null) : request.run;
  const commentUrl = await postComment(request, renderComment(report, { ...options, ...(run ? { run } : {}) }), run);
  if (commentUrl) effects.setOutput(OUTPUT.commentUrl, commentUrl);
  return { outcome, reportPath, commentUrl };
}
