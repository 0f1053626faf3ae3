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
    name: from.getBuildStage(),
    line: from.getRange().start.line + 1,
  }));
}
