/** Reads the budget file and checks that what it points at exists. The I/O half of config. */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, type ConfigIssue } from './config-error.js';
import { listStages } from './list-stages.js';
import { formatPath } from './locate-node.js';
import { parseBudgetDocument, type ParsedBudgetFile } from './parse-budget-file.js';
import { suggestName } from './suggest-name.js';
import type { BudgetFile, ImageConfig } from './types.js';

async function kindOf(target: string): Promise<'file' | 'directory' | 'missing' | 'other'> {
  try {
    const info = await stat(target);
    return info.isFile() ? 'file' : info.isDirectory() ? 'directory' : 'other';
  } catch {
    return 'missing';
  }
}

export async function loadBudgetFile(file: string, opts: { workdir: string }): Promise<BudgetFile> {
  const absolute = path.resolve(opts.workdir, file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'budget file not found' : `cannot read the budget file (${code ?? String(error)})`;
    throw new ConfigError([
      {
        file,
        line: 0,
        column: 0,
        path: '',
        message: `${why} at ${absolute}; create it (\`image-budget init\` writes one) or point the \`config\` input (--config) at it`,
      },
    ]);
  }

  const parsed = parseBudgetDocument(text, {
    path: file,
    workdir: opts.workdir,
  });
  const issues: ConfigIssue[] = [];
  for (const image of parsed.budgetFile.images) {
    const contextKind = await kindOf(image.context);
    const checks: {
      field: 'context' | 'dockerfile';
      target: string;
      want: 'directory' | 'file';
    }[] = [{ field: 'context', target: image.context, want: 'directory' }];
    // Without its context the Dockerfile error would only repeat the same problem.
    if (contextKind === 'directory')
      checks.push({
        field: 'dockerfile',
        target: image.dockerfile,
        want: 'file',
      });
    for (const check of checks) {
      const kind = check.field === 'context' ? contextKind : await kindOf(check.target);
      if (kind === check.want) continue;
      const at = ['images', image.name, check.field];
      const where = parsed.locate(at);
      const problem = kind === 'missing' ? 'does not exist' : `is not a ${check.want}`;
      const defaulted = where.found ? '' : ` (the default; set \`${check.field}\` to change it)`;
      issues.push({
        file,
        line: where.line,
        column: where.column,
        path: formatPath(at),
        message: `${check.field} ${path.relative(opts.workdir, check.target) || '.'} ${problem}${defaulted}`,
      });
    }
  }
  for (const image of parsed.budgetFile.images) {
    if (image.stages === 'all' && issues.length === 0) issues.push(...(await checkStageOverrides(image, file, parsed)));
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return parsed.budgetFile;
}

/** With `stages: all`, `budget.targets` may name any stage of the Dockerfile, and only those. */
async function checkStageOverrides(image: ImageConfig, file: string, parsed: ParsedBudgetFile): Promise<ConfigIssue[]> {
  const keys = Object.keys(image.targetBudgets);
  if (keys.length === 0) return [];
  const names = listStages(await readFile(image.dockerfile, 'utf8'))
    .map((s) => s.name)
    .filter((n): n is string => n !== null);
  const known = [...new Set([...names, ...image.targets.filter((t): t is string => t !== undefined)])];
  return keys
    .filter((key) => !known.includes(key.toLowerCase()))
    .map((key) => {
      const at = ['images', image.name, 'budget', 'targets', key];
      const where = parsed.locate(at);
      const guess = suggestName(key, known);
      return {
        file,
        line: where.line,
        column: where.column,
        path: formatPath(at),
        message: `override for stage \`${key}\`, which is not a named stage of ${path.basename(image.dockerfile)} (stages: ${known.join(', ') || 'none named'})${guess ? `; did you mean \`${guess}\`?` : ''}`,
      };
    });
}
