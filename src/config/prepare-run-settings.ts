/**
 * Run-wide build settings made ready for planBuild: secrets given by value written to private
 * files, and every file, variable and agent they name checked before anything is built. The
 * workflow (or the person at the terminal) gives these, so outside paths are fine here.
 */
import { writeSecretFiles } from '../secrets/secret-files.js';
import { BuildPathChecker } from './check-build-paths.js';
import { RunSettingError, type ParsedRunBuildSettings } from './run-build-settings.js';
import type { BuildOptions } from './types.js';

export interface PreparedRunSettings {
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  options: BuildOptions;
  /** Removes the secret files; call when the run ends. */
  remove: () => Promise<void>;
}

export async function prepareRunSettings(
  parsed: ParsedRunBuildSettings,
  opts: { workdir: string; env: NodeJS.ProcessEnv; tempDir?: string },
): Promise<PreparedRunSettings> {
  const checker = new BuildPathChecker({ workdir: opts.workdir, secretsWorkdir: opts.workdir, allowOutsidePaths: true, env: opts.env });
  const [problem] = await checker.checkOptions(parsed.options, { byInput: true });
  if (problem) throw new RunSettingError(problem.field, problem.message);
  const files = await writeSecretFiles(parsed.secretValues, opts.tempDir);
  return {
    buildArgs: parsed.buildArgs,
    labels: parsed.labels,
    options: { ...parsed.options, secrets: [...parsed.options.secrets, ...files.secrets] },
    remove: files.remove,
  };
}
