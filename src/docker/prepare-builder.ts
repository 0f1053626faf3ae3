/**
 * The builder a run uses: the one asked for when it can export OCI layouts; otherwise, for the
 * `docker` driver on the classic image store, a temporary docker-container builder, with a
 * notice. Callers build with `builder` and call `dispose` when the run is over.
 */
import type { Logger } from '../logger.js';
import { buildxLauncher, type BuildxLauncher } from './buildx-launcher.js';
import { BuildxError, detectBuildx, needsTemporaryBuilder, type BuildxInfo } from './buildx-info.js';
import { createTemporaryBuilder, temporaryBuilderName, temporaryBuilderNotice } from './temporary-builder.js';

export interface PreparedBuilder {
  buildx: BuildxInfo;
  /** `--builder` for every build of the run (undefined: buildx's current builder). */
  builder: string | undefined;
  /** How builds start buildx (see buildxLauncher). */
  launcher: BuildxLauncher;
  dispose: () => Promise<void>;
}

export async function prepareBuilder(requested: string | undefined, logger: Logger): Promise<PreparedBuilder> {
  const buildx = await detectBuildx(requested);
  if (!needsTemporaryBuilder(buildx)) {
    if (!buildx.features.ociExporter) {
      throw new BuildxError(
        `builder "${buildx.builder}" (driver ${buildx.driver}) has no OCI exporter, which measuring needs: choose another builder (input \`builder\`, --builder).`,
      );
    }
    return { buildx, builder: requested, launcher: buildxLauncher(buildx.pluginPath), dispose: async () => {} };
  }
  const name = temporaryBuilderName();
  logger.warning(temporaryBuilderNotice(buildx, name));
  const temporary = await createTemporaryBuilder(buildx, name);
  try {
    const detected = await detectBuildx(temporary.name);
    return { buildx: detected, builder: temporary.name, launcher: buildxLauncher(detected.pluginPath), dispose: temporary.remove };
  } catch (error) {
    await temporary.remove();
    throw error;
  }
}
