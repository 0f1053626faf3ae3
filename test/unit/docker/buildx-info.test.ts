import { describe, expect, test } from 'vitest';
import { parseBuildxInspect, parseBuildxVersion, usesContainerdStore } from '../../../src/docker/buildx-info.js';

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

describe('buildx facts', () => {
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
    expect(facts).toMatchObject({ builder: 'default', driver: 'docker' });
    expect(facts.platforms[0]).toBe('linux/amd64');
    expect(facts.features).toEqual({ 'Cache export': true, 'Docker exporter': true, 'Multi-platform build': true, 'OCI exporter': true });
  });

  test('inspect without a Features block (older buildx): none reported, default marker stripped', () => {
    const facts = parseBuildxInspect(INSPECT_CONTAINER);
    expect(facts).toMatchObject({ builder: 'builder-1', driver: 'docker-container', features: {} });
    expect(facts.platforms).toEqual(['linux/amd64', 'linux/arm64', 'linux/386']);
  });

  test.each([
    [1, [['driver-type', 'io.containerd.snapshotter.v1']], true],
    [2, [['Backing Filesystem', 'extfs'], ['Supports d_type', 'true']], false],
    [3, null, false],
  ])('%i. containerd store detection', (_n, status, expected) => {
    expect(usesContainerdStore(status)).toBe(expected);
  });
});
