import { describe, expect, test } from 'vitest';
import { diffLayers, findTopContributors, instructionKeyword } from '../../../src/compare/layer-diff.js';
import type { DiffLayer } from '../../../src/types.js';

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

function layer(
  n: number,
  compressed: number,
  createdBy: string | null,
  line: number | null = null,
  uncompressed = compressed * 2,
): DiffLayer {
  return {
    digest: digest(n),
    compressedBytes: compressed,
    uncompressedBytes: uncompressed,
    createdBy,
    dockerfile: line === null ? null : { path: 'Dockerfile', line },
  };
}

describe('instructionKeyword', () => {
  test.each([
    [1, 'RUN /bin/sh -c dd if=/dev/urandom of=/blob bs=1M count=5 # buildkit', 'RUN'],
    [2, 'COPY app /app # buildkit', 'COPY'],
    [3, '/bin/sh -c #(nop) ADD file:abc in / ', 'ADD'],
    [4, '/bin/sh -c #(nop)  CMD ["sh"]', 'CMD'],
    [5, '/bin/sh -c apt-get update', 'RUN'],
    [6, 'RUN |2 A=1 B=2 /bin/sh -c make # buildkit', 'RUN'],
    [7, 'WORKDIR /app', 'WORKDIR'],
    [8, 'something else entirely', null],
    [9, null, null],
  ])('%i: %s → %s', (_n, createdBy, expected) => {
    expect(instructionKeyword(createdBy)).toBe(expected);
  });
});

describe('diffLayers', () => {
  const busybox = layer(1, 2_000_000, '/bin/sh -c #(nop) ADD file:abc in / ');
  test('rows carry only what a diff reads: a measured layer reads the same as one from a saved report', () => {
    const measured = { ...busybox, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', uncompressedSource: 'gzip-trailer' };
    const [row] = diffLayers([measured], [measured]);
    expect(row?.base).toEqual(busybox);
    expect(row?.head).toEqual(busybox);
    expect(Object.keys(row?.base ?? {}).sort()).toEqual(['compressedBytes', 'createdBy', 'digest', 'dockerfile', 'uncompressedBytes']);
  });

  test.each([
    {
      n: 1,
      title: 'identical images: all unchanged by digest',
      base: [busybox, layer(2, 100, 'COPY a /a # buildkit', 2)],
      head: [busybox, layer(2, 100, 'COPY a /a # buildkit', 2)],
      expected: [
        ['unchanged', 'digest', 0],
        ['unchanged', 'digest', 0],
      ],
    },
    {
      n: 2,
      title: 'a step with new content, same line: changed by Dockerfile line',
      base: [busybox, layer(2, 1_000, 'RUN /bin/sh -c build v1 # buildkit', 3)],
      head: [busybox, layer(3, 4_000, 'RUN /bin/sh -c build v2 # buildkit', 3)],
      expected: [
        ['unchanged', 'digest', 0],
        ['changed', 'dockerfile', 3_000],
      ],
    },
    {
      n: 3,
      title: 'no line info (registry baseline): changed by created_by text',
      base: [busybox, layer(2, 1_000, 'COPY app /app # buildkit')],
      head: [busybox, layer(3, 1_500, 'COPY app /app # buildkit', 4)],
      expected: [
        ['unchanged', 'digest', 0],
        ['changed', 'created-by', 500],
      ],
    },
    {
      n: 4,
      title: 'a new step: added counts fully; a dropped step: removed counts negatively',
      base: [busybox, layer(2, 700, 'RUN /bin/sh -c old # buildkit', 2)],
      head: [busybox, layer(3, 5_000_000, 'RUN /bin/sh -c dd # buildkit', 4)],
      expected: [
        ['unchanged', 'digest', 0],
        ['added', null, 5_000_000],
        ['removed', null, -700],
      ],
    },
    {
      n: 5,
      title: 'same line, different instruction (the line was rewritten): not paired',
      base: [layer(2, 10, 'COPY a /a # buildkit', 2)],
      head: [layer(3, 20, 'RUN /bin/sh -c x # buildkit', 2)],
      expected: [
        ['added', null, 20],
        ['removed', null, -10],
      ],
    },
    {
      n: 6,
      title: 'repeated digests pair in order (empty layers)',
      base: [layer(9, 32, 'WORKDIR /a'), layer(9, 32, 'WORKDIR /b')],
      head: [layer(9, 32, 'WORKDIR /a'), layer(9, 32, 'WORKDIR /b'), layer(9, 32, 'WORKDIR /c')],
      expected: [
        ['unchanged', 'digest', 0],
        ['unchanged', 'digest', 0],
        ['added', null, 32],
      ],
    },
    {
      n: 7,
      title: 'empty base (new image): everything added',
      base: [],
      head: [busybox],
      expected: [['added', null, 2_000_000]],
    },
  ])('$n: $title', ({ base, head, expected }) => {
    const rows = diffLayers(base, head);
    expect(rows.map((row) => [row.state, row.match, row.delta.compressedBytes])).toEqual(expected);
  });

  test('a changed row carries both sizes, line and instruction', () => {
    const [row] = diffLayers(
      [layer(2, 1_000, 'RUN /bin/sh -c a # buildkit', 3, 5_000)],
      [layer(3, 4_000, 'RUN /bin/sh -c b # buildkit', 3, 9_000)],
    );
    expect(row).toMatchObject({
      state: 'changed',
      base: { compressedBytes: 1_000, uncompressedBytes: 5_000 },
      head: { compressedBytes: 4_000, uncompressedBytes: 9_000 },
      delta: { compressedBytes: 3_000, uncompressedBytes: 4_000 },
      instruction: 'RUN',
      dockerfile: { path: 'Dockerfile', line: 3 },
    });
  });
});

describe('findTopContributors', () => {
  const base = [
    layer(1, 100, 'COPY a /a # buildkit', 2),
    layer(2, 1_000, 'RUN /bin/sh -c x # buildkit', 3),
    layer(3, 900, 'COPY c /c # buildkit', 4),
  ];
  const head = [
    layer(1, 100, 'COPY a /a # buildkit', 2),
    layer(12, 3_000, 'RUN /bin/sh -c x2 # buildkit', 3, 100),
    layer(13, 500, 'COPY c /c # buildkit', 4, 99_000),
    layer(14, 5_000_000, 'RUN /bin/sh -c dd # buildkit', 5, 5_000_000),
  ];
  const rows = diffLayers(base, head);

  test('positive deltas only, largest first, with file:line and instruction', () => {
    expect(findTopContributors(rows)).toEqual([
      {
        location: 'Dockerfile:5',
        instruction: 'RUN',
        createdBy: 'RUN /bin/sh -c dd # buildkit',
        state: 'added',
        deltaBytes: 5_000_000,
        baseBytes: null,
        headBytes: 5_000_000,
      },
      {
        location: 'Dockerfile:3',
        instruction: 'RUN',
        createdBy: 'RUN /bin/sh -c x2 # buildkit',
        state: 'changed',
        deltaBytes: 2_000,
        baseBytes: 1_000,
        headBytes: 3_000,
      },
    ]);
  });

  test.each([
    [1, { limit: 1 }, ['Dockerfile:5']],
    [2, { limit: 0 }, []],
    [3, { metric: 'uncompressed' as const }, ['Dockerfile:5', 'Dockerfile:4']],
  ])('%i: options %j', (_n, options, locations) => {
    expect(findTopContributors(rows, options).map((c) => c.location)).toEqual(locations);
  });

  test('a grown base-image layer has no location', () => {
    const grown = diffLayers([layer(1, 10, '/bin/sh -c #(nop) ADD file:a in / ')], [layer(2, 20, '/bin/sh -c #(nop) ADD file:a in / ')]);
    expect(findTopContributors(grown)).toMatchObject([{ location: null, instruction: 'ADD', deltaBytes: 10 }]);
  });
});
