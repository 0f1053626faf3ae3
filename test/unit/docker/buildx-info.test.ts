import { describe, expect, test } from 'vitest';
import {
  builderFeatures,
  buildxFailureReason,
  needsTemporaryBuilder,
  parseBuildxInspect,
  parseBuildxVersion,
  unreachableBuilderMessage,
  usesContainerdStore,
} from '../../../src/docker/buildx-info.js';

// Recorded from `DEBUG=1 docker buildx inspect` on the docker-env engine.
const INSPECT_DOCKER = `Name:          default
Driver:        docker
Last Activity: 2026-11-25 05:39:24 +0000 UTC

Nodes:
Name:             default
Endpoint:         default
Status:           running
BuildKit version: v0.0.0+unknown
Platforms:        linux/amd64, linux/amd64/v2, linux/amd64/v3, linux/amd64/v4
Features:
 Cache export:         true
 Docker exporter:      true
 Multi-platform build: true
 OCI exporter:         true
Labels:
 org.mobyproject.buildkit.worker.executor:             containerd
`;

const INSPECT_CONTAINER = `Name:          builder-1
Driver:        docker-container
Last Activity: 2025-01-01 00:00:00 +0000 UTC

Nodes:
Name:      builder-10
Endpoint:  unix:///var/run/docker.sock
Status:    running
BuildKit daemon flags: --allow-insecure-entitlement=network.host
BuildKit version: v0.18.2
Platforms: linux/amd64*, linux/arm64, linux/386
`;

// Recorded with DOCKER_HOST=unix:///tmp/nonexistent.sock: buildx exits 0 all the same.
const INSPECT_NO_DAEMON = `Name:          default
Driver:        
Last Activity: 2026-11-29 14:54:22 +0000 UTC
Error:         Cannot connect to the Docker daemon at unix:///tmp/nonexistent.sock. Is the docker daemon running?
`;

// Recorded from `DEBUG=1 docker buildx inspect --builder nope` (exit 1), stack trace shortened.
const INSPECT_NO_BUILDER = `ERROR: no builder "nope" found
653 0.13.1+ds1 /usr/local/lib/docker/cli-plugins/docker-buildx buildx inspect --builder nope
github.com/docker/buildx/store/storeutil.GetNodeGroup
	github.com/docker/buildx/store/storeutil/storeutil.go:108
github.com/docker/cli/cli-plugins/plugin.RunPlugin
	github.com/docker/cli/cli-plugins/plugin/plugin.go:84
`;

describe('buildx facts', () => {
  test('inspect that cannot reach the daemon: the Error line is kept, the driver is empty', () => {
    const facts = parseBuildxInspect(INSPECT_NO_DAEMON);
    expect(facts).toMatchObject({ builder: 'default', driver: '' });
    expect(facts.error).toBe('Cannot connect to the Docker daemon at unix:///tmp/nonexistent.sock. Is the docker daemon running?');
    expect(parseBuildxInspect(INSPECT_DOCKER).error).toBeNull();
  });

  test('unreachable builder: the daemon case says to start it, other errors say how to check the builder', () => {
    expect(
      unreachableBuilderMessage('default', 'Cannot connect to the Docker daemon at unix:///x.sock. Is the docker daemon running?'),
    ).toBe(
      'buildx builder "default" cannot be reached, so nothing can be built: Cannot connect to the Docker daemon at unix:///x.sock. ' +
        'Is the docker daemon running?\nStart the Docker daemon (or fix DOCKER_HOST / the docker context) and run again.',
    );
    expect(unreachableBuilderMessage('ci', 'failed to start buildkitd')).toMatch(
      /^buildx builder "ci" cannot be reached, so nothing can be built: failed to start buildkitd\nCheck the builder with `docker buildx inspect --bootstrap ci`/,
    );
  });

  test.each([
    [1, 'buildx ERROR lines, not the DEBUG stack trace', INSPECT_NO_BUILDER, 'no builder "nope" found'],
    [2, 'no ERROR line: the last lines', 'line 1\nline 2\n', 'line 1\nline 2'],
  ])('%i. failure reason: %s', (_n, _name, output, expected) => {
    expect(buildxFailureReason(output)).toBe(expected);
  });

  test.each([
    [1, 'github.com/docker/buildx 0.13.1+ds1 0.13.1+ds1-3', '0.13.1'],
    [2, 'github.com/docker/buildx v0.17.1 257815a', '0.17.1'],
    [3, 'github.com/docker/buildx v0.9.1-docker 123', '0.9.1'],
    [4, 'garbage', null],
  ])('%i. version from "%s"', (_n, output, expected) => {
    expect(parseBuildxVersion(output)).toBe(expected);
  });

  test('inspect of the docker driver: features and platforms', () => {
    const facts = parseBuildxInspect(INSPECT_DOCKER);
    expect(facts).toMatchObject({ builder: 'default', driver: 'docker', buildkitVersion: 'v0.0.0+unknown' });
    expect(facts.platforms[0]).toBe('linux/amd64');
    expect(facts.features).toEqual({ 'Cache export': true, 'Docker exporter': true, 'Multi-platform build': true, 'OCI exporter': true });
  });

  test('inspect without a Features block (older buildx): none reported, default marker stripped', () => {
    const facts = parseBuildxInspect(INSPECT_CONTAINER);
    expect(facts).toMatchObject({ builder: 'builder-1', driver: 'docker-container', features: {}, buildkitVersion: 'v0.18.2' });
    expect(facts.platforms).toEqual(['linux/amd64', 'linux/arm64', 'linux/386']);
  });

  test.each([
    [1, [['driver-type', 'io.containerd.snapshotter.v1']], true],
    [
      2,
      [
        ['Backing Filesystem', 'extfs'],
        ['Supports d_type', 'true'],
      ],
      false,
    ],
    [3, null, false],
  ])('%i. containerd store detection', (_n, status, expected) => {
    expect(usesContainerdStore(status)).toBe(expected);
  });

  // Recorded `docker info --format '{{json .DriverStatus}}'`: classic (overlay2) and containerd stores.
  const CLASSIC_STORE = [
    ['Backing Filesystem', 'extfs'],
    ['Supports d_type', 'true'],
    ['Using metacopy', 'false'],
    ['Native Overlay Diff', 'true'],
    ['userxattr', 'false'],
  ];
  const CONTAINERD_STORE = [['driver-type', 'io.containerd.snapshotter.v1']];

  test.each([
    [
      1,
      'docker driver, containerd store, Features block',
      INSPECT_DOCKER,
      CONTAINERD_STORE,
      { ociExporter: true, cacheExport: true, multiPlatform: true },
      false,
    ],
    [
      2,
      'docker driver, classic store: nothing, whatever the Features block says',
      INSPECT_DOCKER,
      CLASSIC_STORE,
      { ociExporter: false, cacheExport: false, multiPlatform: false },
      true,
    ],
    [
      3,
      'docker driver, classic store, older buildx without Features',
      INSPECT_DOCKER.replace(/Features:[\s\S]*?Labels:/, 'Labels:'),
      CLASSIC_STORE,
      { ociExporter: false, cacheExport: false, multiPlatform: false },
      true,
    ],
    [
      4,
      'docker driver, containerd store, older buildx without Features',
      INSPECT_DOCKER.replace(/Features:[\s\S]*?Labels:/, 'Labels:'),
      CONTAINERD_STORE,
      { ociExporter: true, cacheExport: true, multiPlatform: true },
      false,
    ],
    [
      5,
      'docker-container driver without Features: everything',
      INSPECT_CONTAINER,
      null,
      { ociExporter: true, cacheExport: true, multiPlatform: true },
      false,
    ],
  ])('%i. features: %s', (_n, _name, inspect, driverStatus, expected, temporary) => {
    const facts = parseBuildxInspect(inspect);
    const features = builderFeatures(facts, facts.driver === 'docker' ? usesContainerdStore(driverStatus) : null);
    expect(features).toEqual(expected);
    expect(needsTemporaryBuilder({ driver: facts.driver, features })).toBe(temporary);
  });
});
