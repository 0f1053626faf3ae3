/**
 * What a build entry reads from the machine must be there before anything is built: its context,
 * Dockerfile, secret files and environment variables, ssh agent or keys, and local build contexts.
 * The paths the budget file gives must also stay inside the repository, symlinks followed: the file
 * comes with the pull request, and a context or secret outside the checkout would hand the runner's
 * files to a build the PR author writes. The workflow can allow outside paths explicitly.
 */
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { localContextPath } from './build-options.js';
import type { BuildOptions, ImageConfig } from './types.js';

export interface PathCheckOptions {
  /** The repository (working directory) every path must stay in. */
  workdir: string;
  /** The directory secret files and ssh keys must stay in. */
  secretsWorkdir: string;
  /** The `allow-outside-paths` input / `--allow-outside-paths` flag. */
  allowOutsidePaths: boolean;
  /** The environment buildx will get: env-sourced secrets and SSH_AUTH_SOCK are looked up here. */
  env: NodeJS.ProcessEnv;
}

/** A problem with one field of an image entry (`context`, `secrets`, …). */
export interface PathProblem {
  field: string;
  message: string;
}

type Kind = 'file' | 'directory' | 'socket' | 'missing' | 'other';

async function kindOf(target: string): Promise<Kind> {
  try {
    const info = await stat(target);
    if (info.isFile()) return 'file';
    if (info.isDirectory()) return 'directory';
    return info.isSocket() ? 'socket' : 'other';
  } catch {
    return 'missing';
  }
}

async function isInside(target: string, root: string): Promise<{ inside: boolean; real: string }> {
  const [real, realRoot] = await Promise.all([realpath(target), realpath(root).catch(() => root)]);
  const relative = path.relative(realRoot, real);
  return { inside: relative === '' || (!relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative)), real };
}

export class BuildPathChecker {
  constructor(private readonly opts: PathCheckOptions) {}

  private shown(target: string, root = this.opts.workdir): string {
    return path.relative(root, target) || '.';
  }

  /** Null when `target` is of a wanted kind and (unless allowed) inside `root`. */
  private async problem(what: string, target: string, want: readonly Kind[], root = this.opts.workdir): Promise<string | null> {
    const kind = await kindOf(target);
    if (kind === 'missing') return `${what} ${this.shown(target, root)} does not exist`;
    if (!want.includes(kind)) return `${what} ${this.shown(target, root)} is not a ${want.join(' or ')}`;
    if (this.opts.allowOutsidePaths) return null;
    const { inside, real } = await isInside(target, root);
    if (inside) return null;
    return `${what} ${this.shown(target, root)} is outside the repository (it resolves to ${real}); paths in the budget file must stay inside it unless the workflow sets \`allow-outside-paths: true\` (--allow-outside-paths)`;
  }

  /** Every problem of one build entry; `contextOk` false when context or Dockerfile is unusable. */
  async check(image: ImageConfig): Promise<{ problems: PathProblem[]; contextOk: boolean }> {
    const problems: PathProblem[] = [];
    const add = (field: string, message: string | null): void => {
      if (message) problems.push({ field, message });
    };
    const context = await this.problem('context', image.context, ['directory']);
    add('context', context);
    const dockerfile = context ? null : await this.checkDockerfile(image);
    if (dockerfile) problems.push(dockerfile);
    problems.push(...(await this.checkOptions(image.options)));
    return { problems, contextOk: context === null && dockerfile === null };
  }

  /** The secrets, ssh and build contexts of `options`; fields: secrets, secret-files, secret-envs, ssh, build-contexts. */
  async checkOptions(options: BuildOptions, { byInput = false } = {}): Promise<PathProblem[]> {
    const problems: PathProblem[] = [];
    const add = (field: string, message: string | null): void => {
      if (message) problems.push({ field, message });
    };
    for (const secret of options.secrets) {
      if ('src' in secret)
        add(
          byInput ? 'secret-files' : 'secrets',
          await this.problem(`secret \`${secret.id}\`: file`, secret.src, ['file'], this.opts.secretsWorkdir),
        );
      else if (this.opts.env[secret.env] === undefined)
        add(byInput ? 'secret-envs' : 'secrets', `secret \`${secret.id}\`: environment variable ${secret.env} is not set`);
    }
    for (const ssh of options.ssh) add('ssh', await this.checkSsh(ssh.id, ssh.paths));
    for (const [name, value] of Object.entries(options.buildContexts)) {
      const local = localContextPath(value);
      const oci = value.startsWith('oci-layout://');
      if (local !== undefined)
        add('build-contexts', await this.problem(`build context \`${name}\`:`, local, oci ? ['directory', 'file'] : ['directory']));
    }
    return problems;
  }

  private async checkDockerfile(image: ImageConfig): Promise<PathProblem | null> {
    const kind = await kindOf(image.dockerfile);
    const written = path.relative(image.context, image.dockerfile);
    if (kind === 'missing') {
      const rule = image.context === this.opts.workdir ? '' : ` (\`dockerfile\` is relative to the context ${this.shown(image.context)})`;
      // A path written relative to the repository, as build-push-action's `file` is.
      const fromRoot = path.resolve(this.opts.workdir, written);
      const guess =
        fromRoot !== image.dockerfile && (await kindOf(fromRoot)) === 'file'
          ? `; did you mean \`dockerfile: ${path.relative(image.context, fromRoot)}\`?`
          : '';
      return { field: 'dockerfile', message: `dockerfile ${this.shown(image.dockerfile)} does not exist${rule}${guess}` };
    }
    const message = await this.problem('dockerfile', image.dockerfile, ['file']);
    return message ? { field: 'dockerfile', message } : null;
  }

  private async checkSsh(id: string, paths: string[]): Promise<string | null> {
    if (paths.length === 0) {
      const socket = this.opts.env.SSH_AUTH_SOCK;
      if (!socket)
        return `ssh \`${id}\`: no ssh agent: SSH_AUTH_SOCK is not set (start one with \`eval "$(ssh-agent)"\` and \`ssh-add\`, or give key paths: ${id}=PATH)`;
      const kind = await kindOf(socket);
      if (kind !== 'socket')
        return `ssh \`${id}\`: no ssh agent at SSH_AUTH_SOCK=${socket} (${kind === 'missing' ? 'no such socket' : 'not a socket'}; is the agent running?)`;
      return null;
    }
    for (const p of paths) {
      const kind = await kindOf(p);
      if (kind !== 'file' && kind !== 'socket')
        return `ssh \`${id}\`: ${this.shown(p, this.opts.secretsWorkdir)} ${kind === 'missing' ? 'does not exist' : 'is not a key file or agent socket'}`;
    }
    return null;
  }
}
