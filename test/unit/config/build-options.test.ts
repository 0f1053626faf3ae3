import { expect, test } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { parseBudgetFile } from '../../../src/config/parse-budget-file.js';

function errorsOf(text: string): string[] {
  try {
    parseBudgetFile(text, { path: 'image-budget.yml', workdir: '/repo' });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message.split('\n');
  }
  throw new Error('expected a ConfigError');
}

test.each([
  [
    1,
    'secret without a source',
    '    secrets: ["id=npmrc"]\n',
    ['image-budget.yml:4:15 images.api.secrets.0: secret `npmrc`: give its source, src=FILE or env=VAR'],
  ],
  [2, 'secret without an id', '    secrets: ["src=.npmrc"]\n', ['image-budget.yml:4:15 images.api.secrets.0: a secret needs `id=ID`']],
  [
    3,
    'secret with both sources',
    '    secrets: ["id=a,src=f,env=A"]\n',
    ['image-budget.yml:4:15 images.api.secrets.0: secret `a`: give either src=FILE or env=VAR, not both'],
  ],
  [
    4,
    'secret with an unknown field',
    '    secrets: ["id=a,value=hunter2"]\n',
    ['image-budget.yml:4:15 images.api.secrets.0: unknown secret field `value`; expected id, src, env (or type, source)'],
  ],
  [
    5,
    'secret not in spec syntax',
    '    secrets: [hunter2]\n',
    [
      'image-budget.yml:4:15 images.api.secrets.0: expected a secret like "id=npmrc,src=.npmrc" or "id=token,env=GITHUB_TOKEN", got "hunter2"',
    ],
  ],
  [
    6,
    'ssh with an empty path',
    '    ssh: ["github="]\n',
    ['image-budget.yml:4:11 images.api.ssh.0: expected an ssh spec like "default" or "github=/path/to/key", got "github="'],
  ],
  [
    7,
    'network not a mode',
    '    network: bridge\n',
    ['image-budget.yml:4:14 images.api.network: expected "default", "none" or "host", got "bridge"'],
  ],
  [
    8,
    'shm-size not a size',
    '    shm-size: lots\n',
    ['image-budget.yml:4:15 images.api.shm-size: expected a size like "120MB" or "1.5GiB", got "lots"'],
  ],
  [
    9,
    'no-cache not a boolean',
    '    no-cache: sometimes\n',
    ['image-budget.yml:4:15 images.api.no-cache: expected true or false, got "sometimes"'],
  ],
  [
    10,
    'ulimit spelled wrong',
    '    ulimit: ["nofile 1024"]\n',
    ['image-budget.yml:4:14 images.api.ulimit.0: expected a ulimit like "nofile=1024:1024", got "nofile 1024"'],
  ],
  [
    11,
    'a bad default is reported once',
    '    context: .\n  web: {}\n',
    ['image-budget.yml:3:13 defaults.secrets.0: a secret needs `id=ID`'],
    '  secrets: ["src=x"]\n',
  ],
])('%i. %s', (_n, _what, entry, expected, defaults = '') => {
  const text = `version: 1\n${defaults ? `defaults:\n${defaults}` : ''}images:\n  api:\n${entry}`;
  expect(errorsOf(text)).toEqual(expected);
});
