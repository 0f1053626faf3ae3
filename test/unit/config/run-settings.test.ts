import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { prepareRunSettings } from '../../../src/config/prepare-run-settings.js';
import { parseRunBuildSettings, RunSettingError } from '../../../src/config/run-build-settings.js';
import { REDACTED, secretRedactor } from '../../../src/secrets/redact.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ib-run-settings-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('run-wide settings made ready', () => {
  test('a secret given by value becomes a 0600 file in a 0700 directory, removed afterwards; only its path is kept', async () => {
    const parsed = parseRunBuildSettings({ secrets: ['token=s3cr3t-value'] }, dir);
    const prepared = await prepareRunSettings(parsed, { workdir: dir, env: {}, tempDir: dir });
    const [secret] = prepared.options.secrets;
    expect(secret && 'src' in secret).toBe(true);
    const src = (secret as { src: string }).src;
    expect(JSON.stringify(prepared.options)).not.toContain('s3cr3t-value');
    expect(await readFile(src, 'utf8')).toBe('s3cr3t-value');
    expect((await stat(src)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(src))).mode & 0o777).toBe(0o700);
    await prepared.remove();
    await expect(stat(path.dirname(src))).rejects.toThrow(/ENOENT/);
  });

  test.each([
    [1, { 'secret-files': ['npmrc=missing/.npmrc'] }, {}, 'secret-files', 'secret `npmrc`: file missing/.npmrc does not exist'],
    [2, { 'secret-envs': ['gh=GH_TOKEN'] }, {}, 'secret-envs', 'secret `gh`: environment variable GH_TOKEN is not set'],
    [3, { 'secret-specs': ['id=gh,env=GH_TOKEN'] }, {}, 'secret-envs', 'secret `gh`: environment variable GH_TOKEN is not set'],
    [
      4,
      { ssh: ['default'] },
      { SSH_AUTH_SOCK: '/nonexistent/agent.sock' },
      'ssh',
      'ssh `default`: no ssh agent at SSH_AUTH_SOCK=/nonexistent/agent.sock (no such socket; is the agent running?)',
    ],
  ])('%i. a missing secret or agent stops the run before it builds', async (_n, raw, env, setting, message) => {
    const error = await prepareRunSettings(parseRunBuildSettings(raw, dir), { workdir: dir, env, tempDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunSettingError);
    expect((error as RunSettingError).setting).toBe(setting);
    expect((error as RunSettingError).message).toBe(message);
  });

  test('a secret file outside the repository is fine when the workflow names it', async () => {
    const outside = await mkdtemp(path.join(os.tmpdir(), 'ib-outside-'));
    try {
      await writeFile(path.join(outside, 'npmrc'), 'x');
      const parsed = parseRunBuildSettings({ 'secret-files': [`npmrc=${path.join(outside, 'npmrc')}`] }, dir);
      const prepared = await prepareRunSettings(parsed, { workdir: dir, env: {} });
      expect(prepared.options.secrets).toEqual([{ id: 'npmrc', src: path.join(outside, 'npmrc') }]);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});

describe('secret values are redacted from build output', () => {
  test('from files (with or without the trailing newline) and from the environment', async () => {
    await writeFile(path.join(dir, 'npmrc'), '//registry/:_authToken=file-secret-123\n');
    const redact = await secretRedactor(
      [
        { id: 'a', src: path.join(dir, 'npmrc') },
        { id: 'b', env: 'TOKEN' },
        { id: 'c', env: 'UNSET' },
      ],
      { TOKEN: 'env-secret-456' },
    );
    expect(redact('#5 0.1 //registry/:_authToken=file-secret-123 and env-secret-456')).toBe(`#5 0.1 ${REDACTED} and ${REDACTED}`);
    expect(redact('nothing here')).toBe('nothing here');
  });
});
