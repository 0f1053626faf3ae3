import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { findDockerfiles, listStages, renderBudgetFile } from '../../../src/config/init.js';
import { parseBudgetFile } from '../../../src/config/parse-budget-file.js';

test('findDockerfiles: the three naming styles, skipping dot dirs and node_modules', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'ib-config-find-'));
  try {
    const files = [
      'Dockerfile',
      'services/api/Dockerfile',
      'services/api/Dockerfile.dev',
      'tools/ci.Dockerfile',
      'node_modules/pkg/Dockerfile',
      '.git/Dockerfile',
      '.devcontainer/Dockerfile',
      'services/api/Dockerfile.dockerignore',
      'docs/Dockerfile-notes.md',
    ];
    for (const file of files) {
      await mkdir(path.dirname(path.join(root, file)), { recursive: true });
      await writeFile(path.join(root, file), 'FROM scratch\n');
    }
    expect(await findDockerfiles(root)).toEqual(
      ['Dockerfile', 'services/api/Dockerfile', 'services/api/Dockerfile.dev', 'tools/ci.Dockerfile'].map((f) => path.join(root, f)),
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('listStages: names and 1-based lines, unnamed stages as null', () => {
  const dockerfile = `# syntax=docker/dockerfile:1
ARG BASE=busybox:1.35
FROM golang:1.22 AS builder
RUN go build ./...

FROM --platform=$BUILDPLATFORM busybox:1.35 as Tools
FROM scratch
COPY --from=builder /app /app
`;
  expect(listStages(dockerfile)).toEqual([
    { name: 'builder', line: 3 },
    { name: 'tools', line: 6 },
    { name: null, line: 7 },
  ]);
  expect(listStages('')).toEqual([]);
});

describe('renderBudgetFile', () => {
  const images = [
    {
      name: 'api',
      context: 'services/api',
      dockerfile: 'Dockerfile',
      targets: [null],
      sizes: new Map([[null, { compressedBytes: 6_300_000, uncompressedBytes: 18_200_000 }]]),
    },
    {
      name: 'worker',
      context: '.',
      dockerfile: 'worker.Dockerfile',
      targets: ['runtime'],
      sizes: new Map([['runtime', { compressedBytes: 812_000, uncompressedBytes: 2_048_000 }]]),
    },
    {
      name: 'app',
      context: 'app dir',
      dockerfile: 'Dockerfile',
      targets: ['builder', 'runtime', null],
      sizes: new Map<string | null, { compressedBytes: number; uncompressedBytes: number }>([
        ['builder', { compressedBytes: 1_234_567_890, uncompressedBytes: 3_500_000_000 }],
        ['runtime', { compressedBytes: 123_400_000, uncompressedBytes: 300_000_000 }],
        [null, { compressedBytes: 5_000, uncompressedBytes: 10_000 }],
      ]),
    },
  ];
  const text = renderBudgetFile(images, 10, new Date('2025-03-04T10:00:00Z'));

  test('writes a commented file with max = size + headroom and warn = size, rounded up', () => {
    expect(text).toBe(`# yaml-language-server: $schema=https://unpkg.com/image-budget@0/schema/image-budget.schema.json
#
# Image size budgets, written by \`image-budget init\` from sizes measured on 2025-03-04.
# max = measured compressed size + 10% headroom; warn = measured compressed size;
# both rounded up to two significant digits. A bare size is the compressed size (the bytes a
# pull transfers); write { uncompressed: 80MB } to budget bytes on disk instead.
# Refresh the numbers with \`image-budget init --update\`. Every field: docs/budget-file.md
version: 1
images:
  api:
    context: services/api
    dockerfile: Dockerfile
    budget:
      # measured: 6.3 MB compressed, 18.2 MB uncompressed
      max: 7MB
      warn: 6.3MB
  worker:
    context: .
    dockerfile: worker.Dockerfile
    target: runtime
    budget:
      # measured: 812 kB compressed, 2.05 MB uncompressed
      max: 900kB
      warn: 820kB
  app:
    context: "app dir"
    dockerfile: Dockerfile
    # The last stage has no name (FROM … AS <name>): name it and add it to the targets to budget it.
    # last stage measured: 5 kB compressed, 10 kB uncompressed
    targets: [builder, runtime]
    budget:
      targets:
        builder:
          # measured: 1.23 GB compressed, 3.5 GB uncompressed
          max: 1.4GB
          warn: 1.3GB
        runtime:
          # measured: 123 MB compressed, 300 MB uncompressed
          max: 140MB
          warn: 130MB
`);
  });

  test('the result is a valid budget file with those budgets', () => {
    const file = parseBudgetFile(text, { path: 'image-budget.yml', workdir: '/repo' });
    expect(file.images.map((i) => [i.name, i.targets])).toEqual([
      ['api', [undefined]],
      ['worker', ['runtime']],
      ['app', ['builder', 'runtime']],
    ]);
    expect(file.images[0]?.budget).toEqual({
      max: { compressed: 7_000_000 },
      warn: { compressed: 6_300_000 },
    });
    expect(file.images[1]?.budget.max?.compressed).toBeGreaterThanOrEqual(812_000 * 1.1);
    expect(file.images[2]?.context).toBe('/repo/app dir');
    expect(file.images[2]?.targetBudgets.builder).toEqual({
      max: { compressed: 1_400_000_000 },
      warn: { compressed: 1_300_000_000 },
    });
  });

  test('rejects names the budget file would reject, and an empty list', () => {
    expect(() => renderBudgetFile([{ ...images[0]!, name: 'My App' }], 10)).toThrow('invalid image name "My App"');
    expect(() => renderBudgetFile([], 10)).toThrow('no image was measured');
  });
});

test.each([
  [1, 'services/api', 'services/api'],
  [2, '.', '.'],
  [3, 'app dir', '"app dir"'],
  [4, '1.20', '"1.20"'],
  [5, '0x1F', '"0x1F"'],
  [6, '1e5', '"1e5"'],
  [7, 'true', '"true"'],
  [8, 'null', '"null"'],
  [9, '-leading-dash', '"-leading-dash"'],
  [10, 'a: b', '"a: b"'],
])('yamlString %i: %s → %s', async (_n, value, text) => {
  const { yamlString } = await import('../../../src/config/yaml-text.js');
  expect(yamlString(value)).toBe(text);
});
