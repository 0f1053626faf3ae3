/**
 * Build options end to end through runCheck with real buildx: secrets from a file, an environment
 * variable and a value (the action's `secrets` input), an ssh mount against a real ssh-agent, a
 * named build context, and provenance. The ssh image proves the round trip: the build asks the
 * forwarded agent for its identities and writes them into a layer, which must hold the test key.
 * Each image is measured, and no secret value appears in anything image-budget writes: log lines
 * (the logged `docker buildx build` command line included), the JSON report, the markdown
 * summary, the terminal report.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { prepareRunSettings, type PreparedRunSettings } from '../../../src/config/prepare-run-settings.js';
import { parseRunBuildSettings } from '../../../src/config/run-build-settings.js';
import { createMemoryLogger } from '../../../src/logger.js';
import { renderJobSummary } from '../../../src/report/job-summary.js';
import { reportTextOptions } from '../../../src/report/report-head.js';
import { renderTerminalReport } from '../../../src/report/terminal.js';
import type { Report } from '../../../src/types.js';
import { runCheck } from '../../../src/run.js';

const run = promisify(execFile);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const FILE_SECRET = `file-secret-${randomBytes(12).toString('hex')}`;
const ENV_SECRET = `env-secret-${randomBytes(12).toString('hex')}`;
const VALUE_SECRET = `value-secret-${randomBytes(12).toString('hex')}`;
const SECRETS = [FILE_SECRET, ENV_SECRET, VALUE_SECRET];
const KEY_COMMENT = `image-budget-key-${randomBytes(8).toString('hex')}`;

// The RUN line names only hashes: it is in BuildKit's log and the layer's history.
const SECRET_DOCKERFILE = `FROM busybox:1.35
RUN --mount=type=secret,id=filetoken,required=true \\
    --mount=type=secret,id=envtoken,required=true \\
    --mount=type=secret,id=valuetoken,required=true \\
    test "$(sha256sum < /run/secrets/filetoken | cut -c1-64)" = "${sha256(FILE_SECRET)}" && \\
    test "$(sha256sum < /run/secrets/envtoken | cut -c1-64)" = "${sha256(ENV_SECRET)}" && \\
    test "$(sha256sum < /run/secrets/valuetoken | cut -c1-64)" = "${sha256(VALUE_SECRET)}" && \\
    head -c 20000 /dev/urandom > /secrets-checked
`;
// Asks the forwarded agent for its identities (SSH2_AGENTC_REQUEST_IDENTITIES = 11, answered by
// SSH2_AGENT_IDENTITIES_ANSWER = 12 with each key's blob and comment) and writes them into the
// image: the build fails when the agent is absent or holds no key. perl-base has Socket only.
// The first line differs per run: the agent is not part of BuildKit's cache key, so an earlier
// run's layer (another key) would be reused otherwise.
const AGENT_SCRIPT = `# run ${KEY_COMMENT}
use Socket;
socket(my $s, PF_UNIX, SOCK_STREAM, 0) or die "socket: $!";
connect($s, pack_sockaddr_un($ENV{SSH_AUTH_SOCK})) or die "connect: $!";
syswrite($s, pack("NC", 1, 11)) == 5 or die "write: $!";
sub take { my ($n) = @_; my $b = ""; while (length($b) < $n) { sysread($s, my $c, $n - length($b)) or die "short read"; $b .= $c } $b }
my ($type, $count, $rest) = unpack("C N a*", take(unpack("N", take(4))));
$type == 12 && $count > 0 or die "the agent holds no identities";
open(my $out, ">", "/ssh-identities") or die "open: $!";
for (1 .. $count) { (my ($blob, $comment), $rest) = unpack("N/a N/a a*", $rest); print $out unpack("H*", $blob), " ", $comment, "\\n" }
close($out) or die "close: $!";
`;
const SSH_DOCKERFILE = `FROM debian:bookworm-slim
RUN --mount=type=bind,source=agent.pl,target=/agent.pl --mount=type=ssh,required=true perl /agent.pl
`;
const CONTEXT_DOCKERFILE = `FROM busybox:1.35
COPY --from=shared /lib.bin /lib.bin
`;
const PLAIN_DOCKERFILE = `FROM busybox:1.35
RUN head -c 40000 /dev/urandom > /data
`;

const BUDGET = `version: 1
images:
  secrets:
    context: secrets
    secrets: ["id=filetoken,src=.secrets/token", "id=envtoken,env=IB_TEST_ENV_SECRET"]
    budget: { max: 50MB }
  ssh:
    context: ssh
    ssh: [default]
  named-context:
    context: named
    build-contexts: { shared: libs/shared }
  attested:
    context: plain
    provenance: mode=max
  plain:
    context: plain
`;

let dir: string;
let outputDir: string;
let agentPid: number | undefined;
let settings: PreparedRunSettings;
let report: Report;
const logger = createMemoryLogger();
let everything = '';

/** One file's text from a gzip layer of an OCI layout. */
async function fileInLayer(layout: string, digest: string, name: string): Promise<string> {
  const blob = await readFile(path.join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length)));
  const extract = tar.extract();
  const found = new Promise<string>((resolve, reject) => {
    let text: string | undefined;
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: unknown) => {
        if (Buffer.isBuffer(chunk)) chunks.push(chunk);
      });
      stream.on('end', () => {
        if (header.name.replace(/^\.?\//, '') === name) text = Buffer.concat(chunks).toString('utf8');
        next();
      });
    });
    extract.on('finish', () => {
      if (text === undefined) reject(new Error(`${name} is not in ${digest}`));
      else resolve(text);
    });
    extract.on('error', reject);
  });
  extract.end(gunzipSync(blob));
  return found;
}

async function startSshAgent(): Promise<string> {
  const sock = path.join(dir, 'agent.sock');
  const { stdout } = await run('ssh-agent', ['-s', '-a', sock]);
  agentPid = Number(/SSH_AGENT_PID=(\d+)/.exec(stdout)?.[1]);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', KEY_COMMENT, '-f', path.join(dir, 'id_test')]);
  await run('ssh-add', [path.join(dir, 'id_test')], { env: { ...process.env, SSH_AUTH_SOCK: sock } });
  return sock;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ib-build-options-'));
  outputDir = path.join(dir, 'out');
  for (const [sub, text] of [
    ['secrets', SECRET_DOCKERFILE],
    ['ssh', SSH_DOCKERFILE],
    ['named', CONTEXT_DOCKERFILE],
    ['plain', PLAIN_DOCKERFILE],
  ] as const) {
    await mkdir(path.join(dir, sub));
    await writeFile(path.join(dir, sub, 'Dockerfile'), text);
  }
  await writeFile(path.join(dir, 'ssh', 'agent.pl'), AGENT_SCRIPT);
  await mkdir(path.join(dir, '.secrets'));
  await writeFile(path.join(dir, '.secrets/token'), FILE_SECRET, { mode: 0o600 });
  await mkdir(path.join(dir, 'libs/shared'), { recursive: true });
  await writeFile(path.join(dir, 'libs/shared/lib.bin'), randomBytes(25000));
  await writeFile(path.join(dir, 'budget.yml'), BUDGET);

  const sock = await startSshAgent();
  // buildx gets this process's environment: the env secret and the agent must be in it.
  process.env.IB_TEST_ENV_SECRET = ENV_SECRET;
  process.env.SSH_AUTH_SOCK = sock;
  settings = await prepareRunSettings(parseRunBuildSettings({ secrets: [`valuetoken=${VALUE_SECRET}`] }, dir), {
    workdir: dir,
    env: process.env,
    tempDir: dir,
  });
  const result = await runCheck(
    { configPath: 'budget.yml', workdir: dir, parallel: 2, env: process.env, outputDir, buildSettings: settings },
    logger,
  ).finally(() => settings.remove());
  report = result.report;
  everything = [
    logger.lines.join('\n'),
    JSON.stringify(report),
    renderJobSummary(report, reportTextOptions(report)),
    renderTerminalReport(report),
  ].join('\n');
}, 600_000);

afterAll(async () => {
  delete process.env.IB_TEST_ENV_SECRET;
  if (agentPid) process.kill(agentPid);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('build options reach real builds', () => {
  test('every image built and measured (the secret checks and the ssh mount ran: each RUN fails without them)', () => {
    expect(report.images.map((e) => [e.name, e.status, e.error ?? null])).toEqual([
      ['secrets', 'ok', null],
      ['ssh', 'ok', null],
      ['named-context', 'ok', null],
      ['attested', 'ok', null],
      ['plain', 'ok', null],
    ]);
    // busybox plus the one layer each Dockerfile adds.
    for (const entry of report.images) expect(entry.layerCount).toBe(2);
    const named = report.images.find((e) => e.name === 'named-context')!;
    expect(named.layers[1]!.uncompressedBytes).toBeGreaterThan(25000);
  });

  test('the logged command lines name where the secrets come from, never what they are', () => {
    const command = logger.lines.find((line) => line.includes('--secret id=filetoken'))!;
    expect(command).toContain(`--secret id=filetoken,src=${path.join(dir, '.secrets/token')}`);
    expect(command).toContain('--secret id=envtoken,env=IB_TEST_ENV_SECRET');
    expect(command).toMatch(/--secret id=valuetoken,src=\S+image-budget-secrets-\S+/);
    expect(logger.lines.some((line) => line.includes(`--ssh default`))).toBe(true);
    expect(logger.lines.some((line) => line.includes(`--build-context shared=${path.join(dir, 'libs/shared')}`))).toBe(true);
  });

  test.each(SECRETS.map((secret, i) => [i + 1, secret]))(
    '%i. the secret value is in no output: log, JSON report, markdown, terminal',
    (_n, secret) => {
      expect(everything.length).toBeGreaterThan(1000);
      expect(everything).not.toContain(secret);
    },
  );

  test('the agent was forwarded with the test key: the image holds its public blob and comment', async () => {
    const ssh = report.images.find((e) => e.name === 'ssh')!;
    const layer = ssh.layers.at(-1)!;
    const identities = await fileInLayer(path.join(outputDir, 'ssh', 'oci'), layer.digest, 'ssh-identities');
    const publicBlob = Buffer.from((await readFile(path.join(dir, 'id_test.pub'), 'utf8')).split(' ')[1]!, 'base64');
    expect(identities.trim().split('\n')).toEqual([`${publicBlob.toString('hex')} ${KEY_COMMENT}`]);
  });

  test('no private key material is in any output', async () => {
    const privateKey = await readFile(path.join(dir, 'id_test'), 'utf8');
    const body = privateKey.split('\n').filter((line) => line.length > 0 && !line.startsWith('-----'));
    expect(body.length).toBeGreaterThan(2);
    for (const line of body) expect(everything).not.toContain(line);
  });

  test('the value-secret file is removed after the run', async () => {
    const command = logger.lines.find((line) => line.includes('id=valuetoken'))!;
    const src = /id=valuetoken,src=(\S+)/.exec(command)![1]!;
    await expect(readFile(src)).rejects.toThrow(/ENOENT/);
  });

  test('provenance is built into the layout but never measured: the attested image equals the plain one', async () => {
    const attested = report.images.find((e) => e.name === 'attested')!;
    const plain = report.images.find((e) => e.name === 'plain')!;
    expect([attested.compressedBytes, attested.uncompressedBytes, attested.layerCount]).toEqual([
      plain.compressedBytes,
      plain.uncompressedBytes,
      plain.layerCount,
    ]);
    const index = JSON.parse(await readFile(path.join(outputDir, 'attested', 'oci', 'index.json'), 'utf8')) as {
      manifests: { digest: string }[];
    };
    const blob = (digest: string) => path.join(outputDir, 'attested', 'oci', 'blobs', 'sha256', digest.slice('sha256:'.length));
    const nested = JSON.parse(await readFile(blob(index.manifests[0]!.digest), 'utf8')) as {
      manifests?: { annotations?: Record<string, string> }[];
    };
    const attestations = (nested.manifests ?? []).filter((m) => m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest');
    expect(attestations).toHaveLength(1);
  });
});
