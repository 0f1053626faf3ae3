import { describe, expect, test } from 'vitest';
import { configMismatch, indexMismatch, parseBuildMetadata } from '../../../src/measure/build-metadata.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;

// Recorded `--metadata-file` of buildx 0.13 builds with `--output type=oci,dest=…,tar=false`.
const MULTI_PLATFORM = {
  'buildx.build.ref': 'default/default/rwqx7exazke4la6v17qgxkh2q',
  'containerimage.descriptor': { mediaType: 'application/vnd.oci.image.index.v1+json', digest: D('e'), size: 1607 },
  'containerimage.digest': D('e'),
};
const SINGLE_PLATFORM = {
  'buildx.build.ref': 'default/default/y3ob6j6h51miisvjn9a6keifz',
  'containerimage.config.digest': D('9'),
  'containerimage.descriptor': { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: D('3'), size: 890 },
  'containerimage.digest': D('3'),
};

describe('parseBuildMetadata', () => {
  test.each([
    [1, 'multi-platform: the index, no config', MULTI_PLATFORM, { imageDigest: D('e'), configDigest: null }],
    [2, 'single platform: the manifest and its config', SINGLE_PLATFORM, { imageDigest: D('3'), configDigest: D('9') }],
    [3, 'nothing usable', { 'containerimage.digest': 'latest', other: 1 }, { imageDigest: null, configDigest: null }],
    [4, 'not an object', null, { imageDigest: null, configDigest: null }],
  ])('%i. %s', (_n, _name, json, expected) => {
    expect(parseBuildMetadata(json)).toEqual(expected);
  });
});

describe('checks against what was measured', () => {
  const metadata = parseBuildMetadata(SINGLE_PLATFORM);
  test('the index names the reported image: fine; another one: a mismatch naming both', () => {
    expect(indexMismatch({ manifests: [{ mediaType: 'm', digest: D('3'), size: 1 }] }, metadata, '/out/oci')).toBeNull();
    expect(indexMismatch({ manifests: [{ mediaType: 'm', digest: D('7'), size: 1 }] }, metadata, '/out/oci')).toBe(
      `OCI layout /out/oci does not hold the image this build produced: buildx reports ${D('3')}, the layout's index.json ` +
        `names ${D('7')}. Its sizes would be another image's.`,
    );
    expect(indexMismatch({ manifests: [] }, parseBuildMetadata({}), '/out/oci')).toBeNull();
  });

  test('a single-platform config that is not the measured one', () => {
    expect(configMismatch(metadata, [D('9')])).toBeNull();
    expect(configMismatch(metadata, [D('8')])).toBe(`the measured image has config ${D('8')}, but buildx reports ${D('9')} for this build`);
    expect(configMismatch(parseBuildMetadata(MULTI_PLATFORM), [D('8'), D('9')])).toBeNull();
  });
});
