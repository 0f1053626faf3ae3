import { expect, test } from 'vitest';
import { InputError, parseInputs } from '../../../src/action/inputs.js';

const DIGEST = `sha256:${'ef'.repeat(32)}`;
const reader = (values: Record<string, string>) => (name: string) => values[name] ?? '';
const env = { GITHUB_WORKSPACE: '/ws', RUNNER_TEMP: '/tmp/runner' };

test.each([
  [1, { image: 'ghcr.io/acme/api:pr-1' }, 'ghcr.io/acme/api:pr-1'],
  [2, { image: 'ghcr.io/acme/api', digest: DIGEST }, `ghcr.io/acme/api@${DIGEST}`],
  [
    3,
    { metadata: JSON.stringify({ 'containerimage.digest': DIGEST, 'image.name': 'ghcr.io/acme/api:pr-1' }) },
    `ghcr.io/acme/api@${DIGEST}`,
  ],
  [4, {}, null],
])('%i: image/digest/metadata inputs give %j', (_n, values, expected) => {
  expect(parseInputs(reader(values), env).givenImage).toBe(expected);
});

test.each([
  [1, { digest: 'sha256:zz', image: 'a' }, 'input `digest`: "sha256:zz" is not a sha256 digest (sha256: and 64 hex digits)'],
  [2, { metadata: 'nope' }, /^input `metadata`: not JSON/],
  [3, { digest: DIGEST }, 'input `digest`: needs the image input (or metadata with image.name) to say which repository it is in'],
])('%i: a bad image input is an InputError naming the input', (_n, values, message) => {
  let error: unknown;
  try {
    parseInputs(reader(values), env);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(InputError);
  expect((error as Error).message).toMatch(message);
});

test('registry-token is read as given', () => {
  expect(parseInputs(reader({ 'registry-token': 'tok' }), env).registryToken).toBe('tok');
  expect(parseInputs(reader({}), env).registryToken).toBeUndefined();
});
