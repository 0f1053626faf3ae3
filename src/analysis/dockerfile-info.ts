/**
 * What the hints need from a Dockerfile: its stages, their bases, USER lines and which
 * instructions copy from the build context. Pure (text in), parsed with dockerfile-ast.
 * Line numbers are 1-based, as editors and `DockerfileRef` count them.
 */
import { DockerfileParser, type Instruction } from 'dockerfile-ast';

export interface StageInfo {
  index: number;
  /** `AS name`, lower-cased as BuildKit compares stage names. */
  name: string | null;
  /** The FROM argument as written (`golang:1.22`, `build`, `scratch`). */
  image: string;
  /** The image without tag or digest (`localhost:5000/app`). */
  imageName: string;
  tag: string | null;
  digest: string | null;
  /** Index of the earlier stage this one builds FROM, if any. */
  baseStage: number | null;
  fromLine: number;
  /** The last USER of this stage, if any. */
  user: { value: string; line: number } | null;
  /** Stages read with `COPY --from` / `RUN --mount=from=` are not tracked: only COPY/ADD --from. */
  copiesFrom: number[];
}

export interface InstructionInfo {
  line: number;
  keyword: string;
  /** True for COPY/ADD without `--from`: the bytes come from the build context. */
  fromContext: boolean;
  stage: number;
}

export interface DockerfileInfo {
  path: string;
  stages: StageInfo[];
  /** Index of the stage built: `target`, or the last one. */
  finalStage: number;
  /** The final stage and every stage it depends on (FROM chain and COPY --from), final first. */
  chain: number[];
  instructions: InstructionInfo[];
}

function flagValue(instr: Instruction, name: string): string | null {
  const flags = (instr as { getFlags?: () => { getName(): string; getValue(): string | null }[] }).getFlags?.() ?? [];
  const flag = flags.find((f) => f.getName().toLowerCase() === name);
  return flag ? (flag.getValue() ?? '') : null;
}

/** Parses the Dockerfile; throws naming the file when `target` is not one of its stages. */
export function readDockerfile(input: { path: string; text: string; target?: string }): DockerfileInfo {
  const ast = DockerfileParser.parse(input.text);
  const stages: StageInfo[] = [];
  const instructions: InstructionInfo[] = [];
  const byName = new Map<string, number>();
  const stageRef = (ref: string): number | null => {
    const lower = ref.toLowerCase();
    const named = byName.get(lower);
    if (named !== undefined) return named;
    return /^\d+$/.test(ref) && Number(ref) < stages.length ? Number(ref) : null;
  };

  for (const instr of ast.getInstructions()) {
    const keyword = instr.getKeyword().toUpperCase();
    const line = instr.getRange().start.line + 1;
    if (keyword === 'FROM') {
      const from = instr as unknown as {
        getImage(): string | null;
        getImageName(): string | null;
        getImageTag(): string | null;
        getImageDigest(): string | null;
        getBuildStage(): string | null;
      };
      const image = from.getImage() ?? '';
      const name = from.getBuildStage()?.toLowerCase() ?? null;
      stages.push({
        index: stages.length,
        name,
        image,
        imageName: from.getImageName() ?? image,
        tag: from.getImageTag(),
        digest: from.getImageDigest(),
        baseStage: stageRef(image),
        fromLine: line,
        user: null,
        copiesFrom: [],
      });
      if (name) byName.set(name, stages.length - 1);
      instructions.push({ line, keyword, fromContext: false, stage: stages.length - 1 });
      continue;
    }
    const stage = stages[stages.length - 1];
    if (!stage) continue; // ARG before the first FROM
    let fromContext = false;
    if (keyword === 'COPY' || keyword === 'ADD') {
      const from = flagValue(instr, 'from');
      if (from === null) fromContext = true;
      else {
        const ref = stageRef(from);
        if (ref !== null) stage.copiesFrom.push(ref);
      }
    }
    if (keyword === 'USER') stage.user = { value: (instr.getArgumentsContent() ?? '').trim(), line };
    instructions.push({ line, keyword, fromContext, stage: stage.index });
  }

  if (stages.length === 0) throw new Error(`${input.path}: no FROM instruction`);
  let finalStage = stages.length - 1;
  if (input.target) {
    const found = byName.get(input.target.toLowerCase());
    if (found === undefined) {
      const names = stages.map((s) => s.name).filter(Boolean);
      throw new Error(`${input.path}: target "${input.target}" is not a stage (stages: ${names.join(', ') || 'none named'})`);
    }
    finalStage = found;
  }
  const chain: number[] = [];
  const walk = (i: number) => {
    if (chain.includes(i)) return;
    chain.push(i);
    const s = stages[i];
    if (s === undefined) throw new Error(`${input.path}: stage ${i} of ${stages.length} does not exist`);
    if (s.baseStage !== null) walk(s.baseStage);
    for (const c of s.copiesFrom) walk(c);
  };
  walk(finalStage);
  return { path: input.path, stages, finalStage, chain, instructions };
}

/** The USER in force at the end of a stage, following FROM <stage> when it sets none. */
export function effectiveUser(info: DockerfileInfo, stage: number): StageInfo['user'] {
  for (let s: StageInfo | undefined = info.stages[stage]; s; s = s.baseStage === null ? undefined : info.stages[s.baseStage]) {
    if (s.user) return s.user;
  }
  return null;
}

/** Stage `index` of the Dockerfile: an index the parse produced, so a missing one is a bug. */
export function stageAt(info: DockerfileInfo, index: number): StageInfo {
  const stage = info.stages[index];
  if (stage === undefined) throw new Error(`${info.path}: stage ${index} of ${info.stages.length} does not exist`);
  return stage;
}

export function instructionAt(info: DockerfileInfo, line: number): InstructionInfo | undefined {
  return info.instructions.find((i) => i.line === line);
}
