/**
 * Maps each image-config history entry to the Dockerfile instruction that produced it.
 * Pure: takes the Dockerfile text and the history, returns one DockerfileRef | null per entry.
 *
 * What BuildKit records (checked with buildx 0.13 / dockerd 26): one history entry per
 * instruction of the target's stage chain, in order, for every instruction except FROM and
 * ONBUILD, and except ARGs before the first FROM. In-stage ARG, LABEL, EXPOSE, ENV, USER,
 * VOLUME, SHELL, HEALTHCHECK, STOPSIGNAL, ENTRYPOINT, CMD, MAINTAINER get `empty_layer: true`
 * entries; RUN/COPY/ADD/WORKDIR get layer entries (a WORKDIR that changes nothing is marked
 * empty). `created_by` looks like `RUN |1 A=1 /bin/sh -c cmd # buildkit`,
 * `COPY /src /dst # buildkit` (COPY --from and --link are dropped, --chmod kept),
 * `WORKDIR /app`, `ENV K=V`, `EXPOSE map[8080/tcp:{}]`. A stage built `FROM other-stage`
 * carries the other stage's entries first; the base image's entries come before all of them.
 */
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import type { DockerfileRef } from '../types.js';
import type { HistoryEntry } from './oci-manifests.js';

/** Instructions BuildKit never records in history. */
const SILENT_KEYWORDS = new Set(['FROM', 'ONBUILD']);

interface Stage {
  name: string | null;
  from: string | null;
  instructions: Instruction[];
}

export interface DockerfileSource {
  path: string;
  text: string;
}

/** The instruction keyword behind a `created_by`, or null when it names none (base images, imports). */
export function keywordOfCreatedBy(createdBy: string | undefined): string | null {
  if (!createdBy) return null;
  let text = createdBy.trim();
  // Legacy builder: "/bin/sh -c #(nop)  CMD [...]" is metadata, "/bin/sh -c cmd" is a RUN.
  const nop = /^\/bin\/sh -c #\(nop\)\s+/.exec(text);
  if (nop) text = text.slice(nop[0].length);
  else if (text.startsWith('/bin/sh -c ')) return 'RUN';
  const word = /^([A-Za-z]+)\b/.exec(text);
  return word ? word[0].toUpperCase() : null;
}

/** Longest instruction text kept (a heredoc can be a whole script): its middle is elided beyond. */
export const MAX_SOURCE_CHARS = 4000;

/**
 * The instruction as written, all its lines (continuations, heredocs); lines of its middle
 * replaced by `…` when longer than MAX_SOURCE_CHARS, so its end — often what made the bytes — stays.
 */
export function sourceText(lines: readonly string[], startLine: number, endLine: number): string {
  const own = lines.slice(startLine, endLine + 1);
  const text = own.join('\n').trimEnd();
  if (text.length <= MAX_SOURCE_CHARS) return text;
  // Lines from both ends, alternately, while they fit; one very long line is cut in its middle.
  const head: string[] = [];
  const tail: string[] = [];
  let used = 2;
  let first = 0;
  let last = own.length - 1;
  while (first <= last) {
    const fromHead = head.length <= tail.length;
    const line = own[fromHead ? first : last];
    if (line === undefined || used + line.length + 1 > MAX_SOURCE_CHARS) break;
    used += line.length + 1;
    if (fromHead) {
      head.push(line);
      first++;
    } else {
      tail.unshift(line);
      last--;
    }
  }
  if (head.length + tail.length === 0) return `${text.slice(0, MAX_SOURCE_CHARS / 2 - 1)}…${text.slice(-MAX_SOURCE_CHARS / 2)}`;
  return [...head, '…', ...tail].join('\n');
}

/** Splits a Dockerfile into stages; instructions before the first FROM are dropped. */
export function parseStages(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    const keyword = instruction.getKeyword().toUpperCase();
    if (keyword === 'FROM') {
      const from = instruction as unknown as { getImage(): string | null; getBuildStage(): string | null };
      stages.push({ name: from.getBuildStage(), from: from.getImage(), instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

/**
 * The instructions whose history entries end the image built for `target` (default: last
 * stage), oldest first: the stages it is built `FROM`, then its own.
 */
export function stageChainInstructions(stages: Stage[], target: string | undefined, path: string): Instruction[] {
  if (stages.length === 0) throw new Error(`${path}: no FROM instruction`);
  let index = stages.length - 1;
  if (target !== undefined) {
    index = stages.findIndex((stage) => stage.name?.toLowerCase() === target.toLowerCase());
    if (index < 0) {
      const names =
        stages
          .map((stage) => stage.name)
          .filter(Boolean)
          .join(', ') || 'none';
      throw new Error(`${path}: build target "${target}" is not a stage name (stages: ${names})`);
    }
  }
  const chain: Instruction[][] = [];
  for (let guard = 0; guard <= stages.length; guard++) {
    const stage = stages[index];
    if (stage === undefined) throw new Error(`${path}: stage ${index} of ${stages.length} does not exist`);
    chain.unshift(stage.instructions.filter((i) => !SILENT_KEYWORDS.has(i.getKeyword().toUpperCase())));
    const from = stage.from?.toLowerCase();
    const parent = from ? stages.findIndex((s, i) => i < index && s.name?.toLowerCase() === from) : -1;
    if (parent < 0) break;
    index = parent;
  }
  return chain.flat();
}

/**
 * One DockerfileRef (or null for base-image entries) per history entry.
 * Aligns from the end: the last history entry belongs to the last instruction of the chain.
 * Where keywords disagree (an ONBUILD trigger of the base image, a BuildKit that records
 * differently) it skips whichever side cannot match, so a doubtful entry maps to null rather
 * than to the wrong line.
 */
export function mapHistoryToDockerfile(history: HistoryEntry[], dockerfile: DockerfileSource, target?: string): (DockerfileRef | null)[] {
  const instructions = stageChainInstructions(parseStages(dockerfile.text), target, dockerfile.path);
  const lines = dockerfile.text.split(/\r?\n/);
  const refs: (DockerfileRef | null)[] = new Array<DockerfileRef | null>(history.length).fill(null);
  let next = instructions.length - 1;
  for (let h = history.length - 1; h >= 0 && next >= 0; h--) {
    const keyword = keywordOfCreatedBy(history[h]?.created_by);
    if (keyword === null) continue;
    let match = next;
    while (match >= 0 && instructions[match]?.getKeyword().toUpperCase() !== keyword) match--;
    const instruction = instructions[match];
    if (instruction === undefined) continue; // nothing left in the chain made this entry
    const range = instruction.getRange();
    refs[h] = { path: dockerfile.path, line: range.start.line + 1, source: sourceText(lines, range.start.line, range.end.line) };
    next = match - 1;
  }
  return refs;
}
