import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { parseChallenge } from '../../../src/baseline/registry-client.js';
import { parseImageRef, readDockerCredentials } from '../../../src/baseline/registry-ref.js';
import { layerHistory, normalizePlatform, selectImageManifests } from '../../../src/baseline/registry.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

test.each([
  [1, 'busybox', { host: 'registry-1.docker.io', repository: 'library/busybox', reference: 'latest', scheme: 'https' }],
  [2, 'busybox:1.35', { host: 'registry-1.docker.io', repository: 'library/busybox', reference: '1.35', scheme: 'https' }],
  [3, 'octo/app:v1', { host: 'registry-1.docker.io', repository: 'octo/app', reference: 'v1', scheme: 'https' }],
  [4, 'ghcr.io/octo/app/api:main', { host: 'ghcr.io', repository: 'octo/app/api', reference: 'main', scheme: 'https' }],
  [5, 'localhost:5000/ib-baseline-x:pr-1', { host: 'localhost:5000', repository: 'ib-baseline-x', reference: 'pr-1', scheme: 'http' }],
  [6, '127.0.0.1:5000/a/b', { host: '127.0.0.1:5000', repository: 'a/b', reference: 'latest', scheme: 'http' }],
  [7, `ghcr.io/octo/app:v1@${DIGEST}`, { host: 'ghcr.io', repository: 'octo/app', reference: DIGEST, scheme: 'https' }],
  [8, 'registry.internal:5000/app', { host: 'registry.internal:5000', repository: 'app', reference: 'latest', scheme: 'http' }],
])('%i: parseImageRef(%s)', (_n, ref, expected) => {
  expect(parseImageRef(ref, ['registry.internal:5000'])).toEqual(expected);
});

test.each([
  [1, 'UPPER/case'],
  [2, ''],
  [3, 'a b'],
  [4, 'host/../etc'],
])('%i: rejects %j', (_n, ref) => {
  expect(() => parseImageRef(ref)).toThrow(/not an image reference/);
});

test('parseChallenge reads Bearer and Basic challenges', () => {
  expect(
    parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'),
  ).toEqual({
    scheme: 'bearer',
    params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' },
  });
  expect(parseChallenge('Basic realm="Registry Realm"')).toEqual({ scheme: 'basic', params: { realm: 'Registry Realm' } });
  expect(parseChallenge(null)).toBeNull();
});

test('selectImageManifests drops attestation manifests', () => {
  const image = { digest: DIGEST, size: 1, platform: { os: 'linux', architecture: 'amd64' } };
  const attestation = {
    digest: DIGEST,
    size: 1,
    platform: { os: 'unknown', architecture: 'unknown' },
    annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': DIGEST },
  };
  const annotatedOnly = { ...image, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } };
  expect(selectImageManifests([image, attestation, annotatedOnly])).toEqual([image]);
});

test('normalizePlatform and layerHistory', () => {
  expect(normalizePlatform('linux/arm64/v8')).toBe('linux/arm64');
  expect(normalizePlatform('linux/arm/v7')).toBe('linux/arm/v7');
  expect(
    layerHistory([{ created_by: 'ADD x /' }, { created_by: 'ENV A=1', empty_layer: true }, { created_by: 'RUN y # buildkit' }, {}]),
  ).toEqual(['ADD x /', 'RUN y # buildkit', null]);
  expect(layerHistory('garbage')).toEqual([]);
});

test("readDockerCredentials reads auths, including Docker Hub's legacy key", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'ib-baseline-creds-'));
  try {
    await writeFile(
      path.join(dir, 'config.json'),
      JSON.stringify({
        auths: {
          'https://index.docker.io/v1/': { auth: Buffer.from('hub:secret:with:colons').toString('base64') },
          'ghcr.io': { username: 'u', password: 'p' },
        },
      }),
    );
    const env = { DOCKER_CONFIG: dir };
    expect(await readDockerCredentials('registry-1.docker.io', env)).toEqual({ username: 'hub', password: 'secret:with:colons' });
    expect(await readDockerCredentials('ghcr.io', env)).toEqual({ username: 'u', password: 'p' });
    expect(await readDockerCredentials('quay.io', env)).toBeNull();
    expect(await readDockerCredentials('ghcr.io', { DOCKER_CONFIG: path.join(dir, 'missing') })).toBeNull();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
