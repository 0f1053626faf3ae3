import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { keywordOfCreatedBy, mapHistoryToDockerfile, MAX_SOURCE_CHARS, sourceText } from '../../../src/measure/dockerfile-lines.js';
import type { HistoryEntry } from '../../../src/measure/oci-manifests.js';

// Histories recorded from real buildx 0.13 builds of the two Dockerfiles beside them.
interface RecordedCase {
  dockerfile: string;
  target: string;
  history: HistoryEntry[];
  layerCount: number;
}
const fixtures = new URL('../../fixtures/measure/', import.meta.url);
const recorded = JSON.parse(readFileSync(new URL('buildkit-histories.json', fixtures), 'utf8')) as { cases: RecordedCase[] };
const source = (name: string) => ({ path: `docker/${name}`, text: readFileSync(new URL(name, fixtures), 'utf8') });
/** 1-based line of the first line of the Dockerfile starting with `prefix`. */
const lineOf = (name: string, prefix: string) => {
  const index = source(name)
    .text.split('\n')
    .findIndex((line) => line.startsWith(prefix));
  if (index < 0) throw new Error(`${name} has no line starting with ${prefix}`);
  return index + 1;
};
const caseFor = (target: string) => recorded.cases.find((c) => c.target === target)!;
const refFor = (c: RecordedCase, createdByPrefix: string) => {
  const refs = mapHistoryToDockerfile(c.history, source(c.dockerfile), c.target);
  const at = c.history.findIndex((entry) => entry.created_by?.startsWith(createdByPrefix));
  if (at < 0) throw new Error(`no history entry starting with ${createdByPrefix}`);
  return refs[at];
};

describe('mapHistoryToDockerfile on recorded BuildKit histories', () => {
  test.each(recorded.cases.map((c) => [c.target, c] as const))(
    'target %s: every BuildKit entry maps to a line of the same keyword, base entries to null',
    (_target, c) => {
      const refs = mapHistoryToDockerfile(c.history, source(c.dockerfile), c.target);
      const lines = source(c.dockerfile).text.split('\n');
      expect(refs).toHaveLength(c.history.length);
      c.history.forEach((entry, i) => {
        if (entry.comment !== 'buildkit.dockerfile.v0') {
          expect(refs[i]).toBeNull();
          return;
        }
        expect(refs[i]?.path).toBe(`docker/${c.dockerfile}`);
        const keyword = lines[refs[i]!.line - 1]!.trim().split(/\s+/)[0]!.toUpperCase();
        expect(keyword).toBe(keywordOfCreatedBy(entry.created_by));
      });
    },
  );

  test.each([
    // [target, created_by prefix, Dockerfile line prefix]
    ['runtime', 'COPY /work/blob.bin', 'COPY --from=builder'],
    ['runtime', 'WORKDIR /app', 'WORKDIR /app'],
    ['runtime', 'ENV APP_HOME', 'ENV APP_HOME'], // multi-line instruction: its first line
    ['runtime', 'LABEL', 'LABEL'],
    ['runtime', 'EXPOSE', 'EXPOSE'],
    ['runtime', 'HEALTHCHECK', 'HEALTHCHECK'],
    ['runtime', 'RUN /bin/sh -ec', 'RUN echo "x"'],
    ['runtime', 'CMD', 'CMD'],
    ['derived', 'RUN |1 SIZE_MB=3 /bin/sh -c rm', 'RUN rm /work/marker'], // inherited from builder
    ['derived', 'ARG SIZE_MB', 'ARG SIZE_MB'],
    ['derived', 'RUN /bin/sh -c echo more', 'RUN echo more'],
    ['a', 'RUN |3 NOVAL= A=1 B=2 /bin/sh -c echo heredoc', 'RUN <<EOT'],
    ['a', 'WORKDIR /rel', 'WORKDIR rel'],
    ['a', 'MAINTAINER', 'MAINTAINER'],
    ['s', 'COPY /h1 /h1', 'COPY --from=a'],
  ])('%s: "%s…" → line of "%s"', (target, createdBy, dockerfileLine) => {
    const c = caseFor(target);
    expect(refFor(c, createdBy)).toMatchObject({ path: `docker/${c.dockerfile}`, line: lineOf(c.dockerfile, dockerfileLine) });
  });

  test('the last RUN true of stage a maps to the last line, not the earlier RUN --mount', () => {
    const c = caseFor('a');
    const refs = mapHistoryToDockerfile(c.history, source(c.dockerfile), 'a');
    expect(refs.at(-1)).toEqual({ path: 'docker/Dockerfile.x', line: lineOf('Dockerfile.x', 'RUN true'), source: 'RUN true' });
    expect(refs[c.history.findIndex((e) => e.created_by?.includes('-c true'))]).toMatchObject({
      path: 'docker/Dockerfile.x',
      line: lineOf('Dockerfile.x', 'RUN --mount'),
    });
  });

  test('each ref carries the instruction as written: every line of a continued or heredoc instruction', () => {
    const env = refFor(caseFor('runtime'), 'ENV APP_HOME');
    const text = source('Dockerfile.ms').text.split('\n');
    const start = env!.line - 1;
    let end = start;
    while (text[end]!.trimEnd().endsWith('\\')) end++;
    expect(end).toBeGreaterThan(start);
    expect(env?.source).toBe(text.slice(start, end + 1).join('\n'));
    expect(refFor(caseFor('a'), 'RUN |3 NOVAL= A=1 B=2 /bin/sh -c echo heredoc')?.source).toBe('RUN <<EOT\necho heredoc > /hd\nEOT');
  });

  test.each([
    ['short', ['RUN a \\', '  && b'], 'RUN a \\\n  && b'],
    ['trailing blank lines dropped', ['RUN a', ''], 'RUN a'],
  ])('sourceText: %s', (_name, lines, expected) => {
    expect(sourceText(lines, 0, lines.length - 1)).toBe(expected);
  });

  test('sourceText of a huge instruction keeps its first and last lines, the middle elided', () => {
    const lines = [
      'RUN set -e \\',
      ...Array.from({ length: 2000 }, (_, i) => `  && step-${i} \\`),
      '  && head -c 5000000 /dev/zero > /out/assets.bin',
    ];
    const text = sourceText(lines, 0, lines.length - 1);
    expect(text.length).toBeLessThanOrEqual(MAX_SOURCE_CHARS);
    expect(text.startsWith('RUN set -e \\\n')).toBe(true);
    expect(text.endsWith('> /out/assets.bin')).toBe(true);
    expect(text).toContain('\n…\n');
  });

  test('an entry no instruction made (ONBUILD trigger of a base) maps to null, the rest still align', () => {
    const c = caseFor('derived');
    const history = [...c.history];
    const rmAt = history.findIndex((e) => e.created_by?.includes('rm /work/marker'));
    history.splice(rmAt + 1, 0, { created_by: 'HEALTHCHECK &{...}', comment: 'buildkit.dockerfile.v0', empty_layer: true });
    const refs = mapHistoryToDockerfile(history, source('Dockerfile.ms'), 'derived');
    expect(refs[rmAt + 1]).toBeNull();
    expect(refs[rmAt]?.line).toBe(lineOf('Dockerfile.ms', 'RUN rm'));
    expect(refs.at(-1)?.line).toBe(lineOf('Dockerfile.ms', 'RUN echo more'));
  });

  test('no target means the last stage; an unknown target is an error naming it and the file', () => {
    const c = caseFor('derived');
    expect(mapHistoryToDockerfile(c.history, source('Dockerfile.ms'))).toEqual(
      mapHistoryToDockerfile(c.history, source('Dockerfile.ms'), 'DERIVED'),
    );
    expect(() => mapHistoryToDockerfile(c.history, source('Dockerfile.ms'), 'nope')).toThrow(
      'docker/Dockerfile.ms: build target "nope" is not a stage name (stages: builder, runtime, derived)',
    );
  });
});

describe('keywordOfCreatedBy', () => {
  test.each([
    ['RUN |1 A=1 /bin/sh -c true # buildkit', 'RUN'],
    ['COPY --chmod=644 a /b # buildkit', 'COPY'],
    ['EXPOSE map[8080/tcp:{}]', 'EXPOSE'],
    ['/bin/sh -c #(nop)  CMD ["sh"]', 'CMD'],
    ['/bin/sh -c apt-get update', 'RUN'],
    ['', null],
    [undefined, null],
  ])('%s → %s', (createdBy, keyword) => {
    expect(keywordOfCreatedBy(createdBy)).toBe(keyword);
  });
});
