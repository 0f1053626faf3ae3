/**
 * How a `docker buildx …` command line is started. The docker CLI runs a plugin in two steps
 * (`docker-buildx docker-cli-plugin-metadata`, then the command itself), so every build paid
 * for two extra process starts before BuildKit saw it: about 0.07 s and 0.06 s of CPU per call
 * on a 2-core runner. buildx also runs standalone (its releases ship that way): started as
 * `docker-buildx build …` it reads the same DOCKER_HOST, DOCKER_CONTEXT, DOCKER_CONFIG and
 * builder store as through the CLI. So once `docker info` has said where the plugin is, builds
 * start it directly; without that answer they go through `docker buildx` as before.
 */
export interface BuildxLauncher {
  command: string;
  /** `argv` as for `docker` (it starts with `buildx`) → the arguments for `command`. */
  args(argv: readonly string[]): string[];
}

export const DOCKER_BUILDX: BuildxLauncher = { command: 'docker', args: (argv) => [...argv] };

export function buildxLauncher(pluginPath: string | null): BuildxLauncher {
  if (!pluginPath) return DOCKER_BUILDX;
  return { command: pluginPath, args: (argv) => (argv[0] === 'buildx' ? argv.slice(1) : [...argv]) };
}

/**
 * The buildx plugin's path from `docker info --format '{{json .ClientInfo.Plugins}}'`; null when
 * docker does not list a usable one (an `Err` means the CLI itself would refuse it).
 */
export function buildxPluginPath(pluginsJson: unknown): string | null {
  if (!Array.isArray(pluginsJson)) return null;
  for (const plugin of pluginsJson) {
    if (typeof plugin !== 'object' || plugin === null) continue;
    const { Name, Path, Err } = plugin as Record<string, unknown>;
    if (Name === 'buildx' && typeof Path === 'string' && Path.startsWith('/') && !Err) return Path;
  }
  return null;
}
