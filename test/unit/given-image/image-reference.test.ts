import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { fillPlaceholders, givenImageProblem, parseGivenImage, withoutTag } from '../../../src/config/image-reference.js';
import { parseBudgetFile } from '../../../src/config/parse-budget-file.js';
import { imageFromInputs } from '../../../src/sources/given-image/action-inputs.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const OTHER = `sha256:${'cd'.repeat(32)}`;
const SHA = '0123456789abcdef0123456789abcdef01234567';

describe('parseGivenImage', () => {
  test.each([
    [1, 'ghcr.io/acme/api:1.2', { kind: 'registry', ref: 'ghcr.io/acme/api:1.2' }],
    [2, `ghcr.io/acme/api@${DIGEST}`, { kind: 'registry', ref: `ghcr.io/acme/api@${DIGEST}` }],
    [3, 'localhost:5000/api:pr-{pr}', { kind: 'registry', ref: 'localhost:5000/api:pr-{pr}' }],
    [4, 'ghcr.io/acme/api:sha-{short-sha}', { kind: 'registry', ref: 'ghcr.io/acme/api:sha-{short-sha}' }],
    [5, 'busybox', { kind: 'registry', ref: 'busybox' }],
    [6, 'docker-daemon://api:dev', { kind: 'docker-daemon', ref: 'api:dev' }],
    [7, 'oci-layout://out/api', { kind: 'oci-layout', path: 'out/api' }],
    [8, 'oci-layout:///tmp/api.tar', { kind: 'oci-layout', path: '/tmp/api.tar' }],
    [9, 'from-input', { kind: 'from-input' }],
  ])('%i: %s', (_n, value, expected) => {
    expect(parseGivenImage(value)).toEqual(expected);
  });

  test.each([
    [1, 'Ghcr.io/Acme/API:1', /bad repository name/],
    [2, 'ghcr.io/acme/api:{tag}', /unknown placeholder \{tag\}/],
    [3, 'ghcr.io/acme/api@sha256:123', /not an image reference/],
    [4, 'oci-layout://', /needs a path/],
    [5, 'docker-daemon://', /not an image reference/],
    [6, 'ghcr.io/acme/api:bad:tag', /not an image reference/],
  ])('%i: refuses %s', (_n, value, message) => {
    expect(givenImageProblem(value)).toMatch(message);
  });
});

describe('fillPlaceholders', () => {
  test.each([
    [1, 'ghcr.io/a/b:pr-{pr}', { pr: 42 }, 'ghcr.io/a/b:pr-42'],
    [2, 'ghcr.io/a/b:{sha}', { sha: SHA }, `ghcr.io/a/b:${SHA}`],
    [3, 'ghcr.io/a/b:sha-{short-sha}', { sha: SHA }, 'ghcr.io/a/b:sha-0123456'],
    [4, 'ghcr.io/a/b:{sha}-{pr}', { sha: SHA, pr: 7 }, `ghcr.io/a/b:${SHA}-7`],
    [5, 'ghcr.io/a/b:main', {}, 'ghcr.io/a/b:main'],
  ])('%i: %s', (_n, value, values, expected) => {
    expect(fillPlaceholders(value, values)).toBe(expected);
  });

  test.each([
    [1, 'a:pr-{pr}', { sha: SHA }, /\{pr\} needs a pull request/],
    [2, 'a:{sha}', { pr: 1 }, /\{sha\} needs the commit/],
    [3, 'a:{nope}', {}, /unknown placeholder/],
  ])('%i: %s fails', (_n, value, values, message) => {
    expect(() => fillPlaceholders(value, values)).toThrow(message);
  });
});

test.each([
  [1, 'ghcr.io/acme/api:1.2', 'ghcr.io/acme/api'],
  [2, 'localhost:5000/api', 'localhost:5000/api'],
  [3, 'localhost:5000/api:pr-1', 'localhost:5000/api'],
  [4, 'api', 'api'],
])('%i: withoutTag(%s)', (_n, name, expected) => {
  expect(withoutTag(name)).toBe(expected);
});

describe('imageFromInputs (build-push-action outputs)', () => {
  const metadata = (fields: Record<string, unknown>) => JSON.stringify({ 'buildx.build.ref': 'x/y/z', ...fields });
  test.each([
    [1, {}, null],
    [2, { image: 'ghcr.io/acme/api:1' }, 'ghcr.io/acme/api:1'],
    [3, { image: 'ghcr.io/acme/api', digest: DIGEST }, `ghcr.io/acme/api@${DIGEST}`],
    [4, { image: 'ghcr.io/acme/api:pr-3', digest: DIGEST }, `ghcr.io/acme/api@${DIGEST}`],
    [5, { image: `ghcr.io/acme/api@${DIGEST}` }, `ghcr.io/acme/api@${DIGEST}`],
    [6, { image: `ghcr.io/acme/api@${DIGEST}`, digest: DIGEST }, `ghcr.io/acme/api@${DIGEST}`],
    [
      7,
      { metadata: metadata({ 'containerimage.digest': DIGEST, 'image.name': 'localhost:5000/api:pr-1,localhost:5000/api:latest' }) },
      `localhost:5000/api@${DIGEST}`,
    ],
    [8, { image: 'ghcr.io/acme/api', metadata: metadata({ 'containerimage.digest': DIGEST }) }, `ghcr.io/acme/api@${DIGEST}`],
    [9, { image: 'ghcr.io/acme/api', digest: OTHER, metadata: metadata({ 'containerimage.digest': DIGEST }) }, `ghcr.io/acme/api@${OTHER}`],
    [10, { image: 'oci-layout://out/api.tar' }, 'oci-layout://out/api.tar'],
  ])('%i: %j', (_n, inputs, expected) => {
    expect(imageFromInputs(inputs)).toBe(expected);
  });

  test.each([
    [1, { digest: DIGEST }, /input `digest`: needs the image input/],
    [2, { image: 'a', digest: 'sha256:12' }, /input `digest`: "sha256:12" is not a sha256 digest/],
    [3, { metadata: '{not json' }, /input `metadata`: not JSON/],
    [4, { metadata: metadata({ 'image.name': 'a/b:c' }) }, /no containerimage.digest/],
    [5, { image: `ghcr.io/acme/api@${OTHER}`, digest: DIGEST }, /names another digest/],
    [6, { image: 'oci-layout://x', digest: DIGEST }, /a digest pins a registry image/],
    [7, { metadata: '[1]' }, /expected a JSON object/],
  ])('%i: %j fails', (_n, inputs, message) => {
    expect(() => imageFromInputs(inputs)).toThrow(message);
  });
});

test('a malformed image reference is a config error naming file:line:col and the field', () => {
  const text = 'version: 1\nimages:\n  api:\n    image: ghcr.io/Acme/api:{tag}\n';
  let error: unknown;
  try {
    parseBudgetFile(text, { path: 'image-budget.yml', workdir: '/repo' });
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).message).toBe(
    'image-budget.yml:4:12 images.api.image: ghcr.io/Acme/api:{tag}: unknown placeholder {tag} (known: {sha}, {short-sha}, {pr})',
  );
});
