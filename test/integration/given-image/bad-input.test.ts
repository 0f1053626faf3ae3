/**
 * Given images that cannot be measured: each is its image's `error` with a clear message, and
 * the good image beside them is measured all the same. Malformed references and a `from-input`
 * without inputs are config errors before anything is fetched.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { createMemoryLogger } from '../../../src/logger.js';
import type { Report } from '../../../src/types.js';
import { runCheck } from '../../../src/run.js';
import { pushImage, REPO, uniqueTag, writeContext, type Pushed } from './fixture.js';

const TAG = uniqueTag();
const REF = `localhost:5000/${REPO}:${TAG}`;
let dir: string;
let pushed: Pushed;
let report: Report;
let lines: string[];
const servers: http.Server[] = [];

/** A registry front that answers every request with 503: a registry that is down. */
async function startDownRegistry(): Promise<{ host: string; requests: () => number }> {
  let requests = 0;
  const server = http.createServer((_req, res) => {
    requests++;
    res.writeHead(503, { 'content-type': 'text/plain' }).end('down for maintenance');
  });
  return { host: await listen(server), requests: () => requests };
}

/** A registry front that serves the tag's manifest whatever digest is asked for. */
async function startTamperingRegistry(): Promise<string> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').replace(/\/manifests\/sha256:[0-9a-f]{64}$/, `/manifests/${TAG}`);
    const upstream = http.request(
      { host: '127.0.0.1', port: 5000, path: url, method: req.method, headers: { accept: req.headers.accept ?? '*/*' } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    upstream.end();
  });
  return listen(server);
}

async function listen(server: http.Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let down: Awaited<ReturnType<typeof startDownRegistry>>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ib-given-bad-'));
  await writeContext(dir, TAG);
  pushed = await pushImage(dir, REF);
  await mkdir(path.join(dir, 'not-a-layout'));
  await writeFile(path.join(dir, 'not-a-layout', 'README'), 'nothing here\n');
  await writeFile(path.join(dir, 'not-a-tar.tar'), 'this is not a tar archive, only text\n'.repeat(40));
  down = await startDownRegistry();
  // A port nothing listens on any more: connection refused.
  const closing = http.createServer();
  const closedPort = await listen(closing);
  await new Promise((resolve) => closing.close(resolve));
  const tampering = await startTamperingRegistry();
  const childDigest = `sha256:${'0'.repeat(64)}`;
  await writeFile(
    path.join(dir, 'budget.yml'),
    `version: 1
images:
  good:
    image: ${REF}
  missing-tag:
    image: localhost:5000/${REPO}:no-such-tag-${TAG}
  missing-repo:
    image: localhost:5000/ib-given-nothing-here:${TAG}
  no-registry:
    image: ${closedPort}/${REPO}:${TAG}
  registry-down:
    image: ${down.host}/${REPO}:${TAG}
  tampered:
    image: ${tampering}/${REPO}@${childDigest}
  not-a-layout:
    image: oci-layout://not-a-layout
  not-a-tar:
    image: oci-layout://not-a-tar.tar
  no-such-path:
    image: oci-layout://nowhere
  not-in-store:
    image: docker-daemon://ib-given-not-in-the-store:${TAG}
`,
  );
  const logger = createMemoryLogger();
  const result = await runCheck(
    { configPath: 'budget.yml', workdir: dir, parallel: 2, env: { PATH: process.env.PATH, HOME: process.env.HOME } },
    logger,
  );
  report = result.report;
  lines = logger.lines;
});

afterAll(async () => {
  for (const server of servers) server.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const errorOf = (name: string) => report.images.find((e) => e.name === name)?.error ?? null;

test('the good image is measured beside the bad ones', () => {
  const good = report.images.filter((e) => e.name === 'good');
  expect(good.map((e) => [e.platform, e.status, e.error])).toEqual([
    ['linux/amd64', 'ok', null],
    ['linux/arm64', 'ok', null],
  ]);
  expect(good.every((e) => (e.compressedBytes ?? 0) > 1_500_000)).toBe(true);
  expect(pushed.digest).toMatch(/^sha256:/);
});

test.each([
  [
    'missing-tag',
    /^measurement failed: localhost:5000\/ib-given:no-such-tag-t\w+: no such image in the registry \(HTTP 404, MANIFEST_UNKNOWN: manifest unknown\)$/,
  ],
  [
    'missing-repo',
    /^measurement failed: localhost:5000\/ib-given-nothing-here:t\w+: no such image in the registry \(HTTP 404, MANIFEST_UNKNOWN: manifest unknown\)$/,
  ],
  [
    'no-registry',
    /GET http:\/\/127\.0\.0\.1:\d+\/v2\/ib-given\/manifests\/t\w+: fetch failed \(connect ECONNREFUSED 127\.0\.0\.1:\d+\) \(3 attempts\)/,
  ],
  ['registry-down', /HTTP 503 Service Unavailable after 3 attempts/],
  ['tampered', /digest mismatch: asked for sha256:0{64}, the registry's manifest has digest sha256:[0-9a-f]{64}/],
  [
    'not-a-layout',
    /not-a-layout is not an OCI image layout: no readable oci-layout file \(expected what `docker buildx build --output type=oci` writes\)/,
  ],
  ['not-a-tar', /not-a-tar\.tar is not an OCI image layout: cannot read it as a tar/],
  ['no-such-path', /nowhere: no such file or directory \(an OCI layout directory or tar was expected\)/],
  ['not-in-store', /docker save ib-given-not-in-the-store:.* failed/],
])('%s: its own error, with a clear message', (name, message) => {
  const entries = report.images.filter((e) => e.name === name);
  expect(entries.length).toBeGreaterThan(0);
  expect(entries.every((e) => e.status === 'error')).toBe(true);
  expect(errorOf(name)).toMatch(message);
  expect(lines.some((line) => line.startsWith(`error: measuring ${name} (`))).toBe(true);
});

test('a 5xx is retried a bounded number of times', () => {
  // Three attempts for the manifest, nothing after it failed.
  expect(down.requests()).toBe(3);
});

test('the report fails the run and names every bad image', () => {
  expect(report.images.filter((e) => e.status === 'error').map((e) => e.name)).toEqual([
    'missing-tag',
    'missing-repo',
    'no-registry',
    'registry-down',
    'tampered',
    'not-a-layout',
    'not-a-tar',
    'no-such-path',
    'not-in-store',
  ]);
});

test.each([
  [
    'a malformed reference',
    'version: 1\nimages:\n  api:\n    image: localhost:5000/Bad/Name:1\n',
    /^bad\.yml:4:12 images\.api\.image: not an image reference: .*bad repository name/,
  ],
  [
    'an unknown placeholder',
    'version: 1\nimages:\n  api:\n    image: localhost:5000/a:{branch}\n',
    /^bad\.yml:4:12 images\.api\.image: .*unknown placeholder \{branch\}/,
  ],
  [
    'from-input without inputs',
    'version: 1\nimages:\n  api:\n    image: from-input\n',
    /^bad\.yml:3:3 images\.api\.image: from-input, but no image was given \(the action's image, digest or metadata input; the CLI's --image\)$/,
  ],
])('%s is a config error before anything is fetched', async (_what, text, message) => {
  await writeFile(path.join(dir, 'bad.yml'), text);
  const failure = await runCheck({ configPath: 'bad.yml', workdir: dir, parallel: 1, env: {} }, createMemoryLogger()).catch(
    (error: unknown) => error,
  );
  expect(failure).toBeInstanceOf(ConfigError);
  expect((failure as Error).message).toMatch(message);
});

test('{pr} on a run that is not for a pull request is that image’s error', async () => {
  await writeFile(
    path.join(dir, 'pr.yml'),
    `version: 1\nimages:\n  pr:\n    image: localhost:5000/${REPO}:pr-{pr}\n  good:\n    image: ${REF}\n    platforms: [linux/amd64]\n`,
  );
  const result = await runCheck({ configPath: 'pr.yml', workdir: dir, parallel: 1, env: {} }, createMemoryLogger());
  expect(result.report.images.map((e) => [e.name, e.status])).toEqual([
    ['pr', 'error'],
    ['good', 'ok'],
  ]);
  expect(result.report.images[0]?.error).toBe(
    'measurement failed: localhost:5000/ib-given:pr-{pr}: {pr} needs a pull request, and this run is not for one',
  );
});
