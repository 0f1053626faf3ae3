import { expect, test } from 'vitest';
import { ArgumentListTooLongError, checkArgumentLimits, MAX_ARG_STRLEN, runCommand, systemArgMax } from '../../../src/docker/exec.js';

test('ARG_MAX comes from getconf', () => {
  expect(systemArgMax()).toBeGreaterThanOrEqual(128 * 1024);
});

test.each([
  ['one argument at the limit', ['--label', `a=${'x'.repeat(MAX_ARG_STRLEN - 3)}`], {}, null],
  [
    'one argument past the limit',
    ['--label', `a=${'x'.repeat(MAX_ARG_STRLEN - 2)}`],
    {},
    /argument "a=x{38}"… is 131072 bytes, over the system's 131072-byte limit for one argument/,
  ],
  ['one environment variable past the limit', [], { BIG: 'y'.repeat(MAX_ARG_STRLEN) }, /environment variable "BIG" is 131076 bytes/],
  [
    'many arguments together past ARG_MAX',
    Array(40).fill('z'.repeat(100_000)),
    {},
    /takes \d+ bytes, over the system's limit of \d+ \(ARG_MAX\)/,
  ],
])('%s', (_name, args, env, message) => {
  const check = () => {
    checkArgumentLimits('docker', args, env);
  };
  if (message === null) expect(check).not.toThrow();
  else expect(check).toThrow(message);
});

test('runCommand refuses before spawning, with an error instead of a spawn E2BIG crash', async () => {
  const error = await runCommand('true', [`a=${'x'.repeat(MAX_ARG_STRLEN)}`]).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ArgumentListTooLongError);
});
