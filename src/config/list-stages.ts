/** The build stages of a Dockerfile, in order, for `image-budget init`. */
import { DockerfileParser } from 'dockerfile-ast';

export interface Stage {
  /** `FROM … AS name`, or null for an unnamed stage. */
  name: string | null;
  /** 1-based line of the FROM instruction. */
  line: number;
}

export function listStages(dockerfileText: string): Stage[] {
  const dockerfile = DockerfileParser.parse(dockerfileText);
  return dockerfile.getFROMs().map((from) => ({
    // Stage names are case-insensitive; BuildKit matches `--target` against the lowercase name.
    name: from.getBuildStage()?.toLowerCase() ?? null,
    line: from.getRange().start.line + 1,
  }));
}
