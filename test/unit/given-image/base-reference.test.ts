import { expect, test } from 'vitest';
import { baseReference } from '../../../src/sources/given-image/base-reference.js';

const BASE = 'abcdef0123456789abcdef0123456789abcdef01';

test.each([
  [1, 'ghcr.io/acme/api:sha-{short-sha}', { ref: 'ghcr.io/acme/api:sha-abcdef0' }],
  [2, 'ghcr.io/acme/api:{sha}', { ref: `ghcr.io/acme/api:${BASE}` }],
  [3, 'oci-layout://out/{short-sha}.tar', { ref: 'oci-layout://out/abcdef0.tar' }],
  [4, 'from-input', { reason: "its image comes from the action's image inputs, which name the PR's image" }],
  [5, 'ghcr.io/acme/api:pr-{pr}', { reason: "{pr} in its reference names the PR's image; the base has no pull request" }],
  [6, 'ghcr.io/acme/api:pr-{pr}-{sha}', { reason: "{pr} in its reference names the PR's image; the base has no pull request" }],
  [
    7,
    'ghcr.io/acme/api:1.2',
    { reason: 'its reference names the same image for the base and the PR; put {sha} in it, or use baseline: registry or report' },
  ],
])('%i: %s', (_n, ref, expected) => {
  expect(baseReference(ref, BASE)).toEqual(expected);
});
