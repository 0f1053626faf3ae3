/**
 * The npm package as a user meets it: `npm pack` of this repository, installed into an empty
 * project with no network (`npm install --offline`: nothing to fetch, every run-time dependency is
 * in the CLI bundle), then `npx image-budget --help`, under each supported Node.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SUPPORTED_NODES, supportedNodeBinaries } from '../../support/node-binaries.js';

const run = promisify(execFile);

interface PackResult {
  filename: string;
  files: { path: string }[];
  name: string;
  version: string;
}

describe('npm pack, installed into an empty project', () => {
  let dir: string;
  let packed: PackResult;
  let project: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ib-npm-pack-'));
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { maxBuffer: 16 << 20 });
    packed = (JSON.parse(stdout) as PackResult[])[0]!;
    project = path.join(dir, 'project');
    await run('mkdir', [project]);
    await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'empty-project', version: '1.0.0', private: true }));
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', path.join(dir, packed.filename)], { cwd: project });
  }, 120_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the tarball holds the CLI bundle, the schema and the docs a user reads; not lib/, nor the action bundle', () => {
    const files = packed.files.map((f) => f.path).sort();
    expect(files).toEqual(
      expect.arrayContaining([
        'bin/image-budget.js',
        'dist/cli/index.js',
        'schema/image-budget.schema.json',
        'README.md',
        'LICENSE',
        'CHANGELOG.md',
        'package.json',
      ]),
    );
    expect(files.filter((f) => f.startsWith('lib/') || f === 'dist/index.js' || f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);
  });

  test('installed offline, with no dependency to install', async () => {
    const installed = JSON.parse(await readFile(path.join(project, 'node_modules', 'image-budget', 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(installed.dependencies).toBeUndefined();
    expect(installed.engines).toEqual({ node: '>=22.15' });
    const lock = JSON.parse(await readFile(path.join(project, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
    // The project and image-budget: nothing else came along.
    expect(Object.keys(lock.packages).sort()).toEqual(['', 'node_modules/image-budget']);
  });

  test.each(SUPPORTED_NODES.map((n, i) => [n.name, supportedNodeBinaries()[i]!] as const))(
    'npx image-budget --help under %s',
    async (_name, node) => {
      // npx starts the bin's `#!/usr/bin/env node`: the Node first on PATH.
      const env = { ...process.env, PATH: `${path.dirname(node)}:${process.env.PATH}` };
      const help = await run('npx', ['--offline', '--no-install', 'image-budget', '--help'], { cwd: project, env });
      expect(help.stdout).toMatch(/image-budget check/);
      expect(help.stdout).toMatch(/Usage:/);
      const version = await run('node', ['-e', 'console.log(process.version)'], { cwd: project, env });
      expect(version.stdout.trim()).toBe((await run(node, ['--version'])).stdout.trim());
    },
  );

  test.each(SUPPORTED_NODES.map((n, i) => [n.name, supportedNodeBinaries()[i]!] as const))(
    'the installed CLI checks an image under %s',
    async (name, node) => {
      const workdir = path.join(dir, `check-${name}`);
      await run('cp', ['-r', path.resolve('test/fixtures/e2e'), workdir]);
      const bin = path.join(project, 'node_modules', 'image-budget', 'bin', 'image-budget.js');
      const check = await run(node, [bin, 'check', '--config', 'pass.yml', '--json', 'report.json'], { cwd: workdir });
      expect(check.stderr).toMatch(/measured app:runtime/);
      const report = JSON.parse(await readFile(path.join(workdir, 'report.json'), 'utf8')) as { images: { status: string }[] };
      expect(report.images.map((e) => e.status)).toEqual(['ok', 'ok']);
    },
  );
});
